package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/bwstate/bwstate/engine"
)

// RunIDFormat is the layout of run ids: UTC, second resolution.
const RunIDFormat = "20060102T150405Z"

// Run is one apply in progress, from its lock to its run-end record. It is
// the only way a run starts: BeginRun takes the configuration's lock first,
// then reads the journal, then names the run; its directory under runs/ is
// made only when something is written into it. Records of the run go
// through Append, which stamps the run's id.
type Run struct {
	j    *Journal
	lock *Lock
	id   string
	// pending are the restarts pending when the run began, read under
	// the lock.
	pending map[string][]*engine.Restart
	started bool
}

// BeginRun starts a run of the configuration:
//
//  1. it takes the configuration lock (a *LockedError when another run
//     holds it), so nothing read below can change under the run;
//  2. it verifies the journal; one that fails (other than a torn last line)
//     is refused with an error wrapping the *VerifyError, and the lock is
//     released: nothing is appended to a journal someone edited;
//  3. it names the run: the current time in UTC (RunIDFormat), with -2,
//     -3, ... when a run of the journal or a run directory already has that
//     name, and records the name in the lock file.
//
// The caller must Release the run, whatever happens.
func (j *Journal) BeginRun() (*Run, error) {
	lock, err := j.Acquire("")
	if err != nil {
		return nil, err
	}
	run := &Run{j: j, lock: lock}
	if err := run.begin(); err != nil {
		_ = lock.Release()
		return nil, err
	}
	return run, nil
}

func (r *Run) begin() error {
	used := map[string]bool{}
	var recs []*Record
	_, err := r.j.verify(func(rec *Record) {
		if rec.Run != "" {
			used[rec.Run] = true
		}
		recs = append(recs, rec)
	})
	var ve *VerifyError
	if err != nil && !(errors.As(err, &ve) && ve.Torn) {
		return fmt.Errorf("the journal fails verification: %w", err)
	}
	r.pending = pendingFrom(recs)
	base := r.j.now().UTC().Format(RunIDFormat)
	for i := 1; ; i++ {
		id := base
		if i > 1 {
			id = fmt.Sprintf("%s-%d", base, i)
		}
		if used[id] {
			continue
		}
		if _, err := os.Stat(r.j.RunDir(id)); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("run directory: %w", err)
		}
		r.id = id
		break
	}
	return r.lock.setRun(r.id)
}

// ID returns the run's id.
func (r *Run) ID() string { return r.id }

// Journal returns the journal the run writes to.
func (r *Run) Journal() *Journal { return r.j }

// Lock returns the configuration lock the run holds.
func (r *Run) Lock() *Lock { return r.lock }

// Pending returns the restarts pending when the run began, per host (read
// under the lock, so no other apply changed them since).
func (r *Run) Pending() map[string][]*engine.Restart { return r.pending }

// RunStart is what the run-start record says about a run.
type RunStart struct {
	Mode          engine.Mode
	PlanHash      string
	ConfigHash    string
	RestartPolicy engine.RestartPolicy
	Hosts         []string
}

// Start writes the run-start record; a run writes nothing before it.
func (r *Run) Start(s RunStart) error {
	if r.started {
		return errors.New("journal: the run has started already")
	}
	if err := r.j.Append(&Record{
		Run: r.id, Kind: KindRunStart, Operator: r.j.Operator(), Mode: s.Mode,
		PlanHash: s.PlanHash, ConfigHash: s.ConfigHash, RestartPolicy: string(s.RestartPolicy), Hosts: s.Hosts,
	}); err != nil {
		return err
	}
	r.started = true
	return nil
}

// Append writes one record of the run (see Journal.Append), stamping its
// id.
func (r *Run) Append(rec *Record) error {
	if !r.started {
		return fmt.Errorf("journal: %s record before the run-start record", rec.Kind)
	}
	rec.Run = r.id
	return r.j.Append(rec)
}

// End writes the run-end record: hosts per outcome and the exit code.
func (r *Run) End(counts map[string]int, exitCode int) error {
	return r.Append(&Record{Kind: KindRunEnd, Counts: counts, ExitCode: &exitCode})
}

// Dir returns the run's directory (DIR/runs/ID), creating it: call it only
// to write a file there, so runs that write nothing leave no directory.
func (r *Run) Dir() (string, error) {
	dir := r.j.RunDir(r.id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create run directory: %w", err)
	}
	return dir, nil
}

// Release gives the configuration lock back. It is safe to call more than
// once; a lock force-unlocked and taken by another run is left alone.
func (r *Run) Release() error {
	if r.lock == nil {
		return nil
	}
	err := r.lock.Release()
	r.lock = nil
	return err
}
