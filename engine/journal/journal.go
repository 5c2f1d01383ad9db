package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/bwstate/bwstate/engine/digest"
)

// File names inside the state directory.
const (
	JournalFile = "journal.jsonl"
	// SaltFile held the salt of the hashes an earlier bwstate wrote; it is
	// only read, to compare journal records written then.
	SaltFile = "salt"
	LockFile = "lock"
	RunsDir  = "runs"
	// TornFile keeps the bytes of a torn last record that Append cut off,
	// so nothing that was on disk is thrown away silently.
	TornFile = "journal.torn"
)

// Options configure a Journal. The zero value works.
type Options struct {
	// Operator is "user@hostname"; empty means the current user and host.
	Operator string
	// Now returns the current time; nil means time.Now. Tests pin it.
	Now func() time.Time
	// Logger receives warnings (a torn last record); nil discards them.
	Logger *slog.Logger
}

// Journal is the state directory of one configuration. It is safe for
// concurrent use, within a process (apply appends from one goroutine per
// host) and between processes (an operator's `journal clear-pending` while
// an apply runs): every append takes an exclusive lock on the journal file
// (flock) for as long as it reads the file's tail and writes its record, and
// chains from that tail, so no two records get the same seq and a record is
// never cut while it is being written. Readers take a shared lock, so they
// never see half a record of a live writer.
type Journal struct {
	dir      string
	operator string
	hostname string
	now      func() time.Time
	log      *slog.Logger

	keyMu sync.Mutex
	key   *digest.Key // loaded (or created) by the first HashSecret

	mu sync.Mutex // serialises this process's appends
	// f is the journal file, opened for appending by the first Append and
	// reopened when the path no longer names it (moved aside).
	f       *os.File
	written uint64 // appends written through f (guarded by mu)

	syncMu sync.Mutex
	synced uint64 // appends known fsync'ed (guarded by syncMu)
}

// Open opens (creating if needed) the state directory dir, typically the
// configuration directory's .bwstate. It does not read the journal: every
// Append reads the file's tail itself, under the file lock.
func Open(dir string, opts Options) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open state directory: %w", err)
	}
	j := &Journal{dir: dir, operator: opts.Operator, now: opts.Now, log: opts.Logger}
	if j.now == nil {
		j.now = time.Now
	}
	if j.log == nil {
		j.log = slog.New(slog.DiscardHandler)
	}
	j.hostname, _ = os.Hostname()
	if j.hostname == "" {
		j.hostname = "localhost"
	}
	if j.operator == "" {
		name := "unknown"
		if u, err := user.Current(); err == nil && u.Username != "" {
			name = u.Username
		}
		j.operator = name + "@" + j.hostname
	}
	return j, nil
}

// Dir returns the state directory.
func (j *Journal) Dir() string { return j.dir }

// Operator returns "user@hostname" as recorded in run-start and lock records.
func (j *Journal) Operator() string { return j.operator }

// Now returns the journal's clock reading, in UTC.
func (j *Journal) Now() time.Time { return j.now().UTC() }

// Path returns the journal file's path.
func (j *Journal) Path() string { return filepath.Join(j.dir, JournalFile) }

// RunDir returns the directory of one run (revert.json lives there).
func (j *Journal) RunDir(run string) string { return filepath.Join(j.dir, RunsDir, run) }

// Key returns the state directory's secret-hash key, creating it the first
// time (apply needs it; plan does not create it: see SecretMatches).
func (j *Journal) Key() (*digest.Key, error) {
	j.keyMu.Lock()
	defer j.keyMu.Unlock()
	if j.key == nil {
		k, err := digest.LoadOrCreateKey(j.dir)
		if err != nil {
			return nil, err
		}
		j.key = k
	}
	return j.key, nil
}

// HashSecret returns the keyed hash of a sensitive value, the form the
// journal records instead of the value (record.ValueHash).
func (j *Journal) HashSecret(value string) (string, error) {
	k, err := j.Key()
	if err != nil {
		return "", err
	}
	return k.Sum("", value), nil
}

// tail is what an append needs to know about the end of the file.
type tail struct {
	seq  int64
	hash string
	// tornAt is the offset of a torn last line, -1 if none.
	tornAt int64
	// needNewline is set when the last line is a complete record without
	// its trailing newline.
	needNewline bool
}

// readTail finds the last complete record of f so that an append continues
// the chain, and notes a torn last line. The caller holds the file lock.
func (j *Journal) readTail(f *os.File) (tail, error) {
	t := tail{tornAt: -1}
	st, err := f.Stat()
	if err != nil {
		return t, fmt.Errorf("journal: read the last record: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return t, nil
	}
	// Read backwards, a page first, until the buffer holds the last two
	// lines (records are small; a long server reply can make one larger).
	chunk := int64(4 << 10)
	var buf []byte
	off := size
	for off > 0 && bytes.Count(buf, []byte("\n")) < 3 {
		n := min(chunk, off)
		off -= n
		b := make([]byte, n)
		if _, err := f.ReadAt(b, off); err != nil {
			return t, fmt.Errorf("journal: read the last record: %w", err)
		}
		buf = append(b, buf...)
		chunk *= 2
	}
	endsClean := buf[len(buf)-1] == '\n'
	body := bytes.TrimSuffix(buf, []byte("\n"))
	lastStart := bytes.LastIndexByte(body, '\n') + 1
	last := body[lastStart:]
	var r Record
	jerr := json.Unmarshal(last, &r)
	if jerr == nil && r.Hash != "" {
		t.seq, t.hash = r.Seq, r.Hash
		t.needNewline = !endsClean
		return t, nil
	}
	if endsClean || jerr == nil {
		// A complete line that is not a record is damage, not a torn write:
		// refuse to chain onto it and let verify name the line. So is a
		// whole JSON object without its newline (a torn write cannot end
		// in one: the closing brace is the last byte of a record) that has
		// no hash; moving it aside as torn would hide it from verify.
		return t, fmt.Errorf("journal %s: the last line is not a valid record; run bwstate journal verify", j.Path())
	}
	// Under the lock no writer is half way through a record: a torn last
	// line is what a process killed while writing left.
	t.tornAt = off + int64(lastStart)
	// The chain continues from the line before the torn one.
	prev := bytes.TrimSuffix(body[:lastStart], []byte("\n"))
	if len(prev) == 0 {
		return t, nil
	}
	p := prev[bytes.LastIndexByte(prev, '\n')+1:]
	if err := json.Unmarshal(p, &r); err != nil {
		return t, fmt.Errorf("journal %s: the record before the torn last line is not valid: %w", j.Path(), err)
	}
	t.seq, t.hash = r.Seq, r.Hash
	return t, nil
}

// Append writes one record, filling Seq, Prev, Hash and Time, and returns
// only once the record is fsync'ed: a killed process loses at most the
// record being written. The record chains from the file's last record as
// read under the file lock, whoever wrote it. Concurrent appends of one
// process share fsyncs (group commit): hosts applied in parallel would
// otherwise queue behind one disk flush each, yet every caller still sees
// its own record durable.
func (j *Journal) Append(r *Record) error {
	j.mu.Lock()
	f, n, err := j.appendLocked(r)
	j.mu.Unlock()
	if err != nil {
		return err
	}

	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= n {
		return nil // another append's fsync covered this record
	}
	j.mu.Lock()
	upTo := j.written
	j.mu.Unlock()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal: sync %s record: %w", r.Kind, err)
	}
	j.synced = upTo
	return nil
}

// appendLocked writes r under the file lock; j.mu is held. It returns the
// file written and the number of this append for the group commit.
func (j *Journal) appendLocked(r *Record) (*os.File, uint64, error) {
	f, err := j.file()
	if err != nil {
		return nil, 0, err
	}
	if err := lockFile(f, true); err != nil {
		return nil, 0, fmt.Errorf("journal: lock %s: %w", j.Path(), err)
	}
	defer unlockFile(f)
	t, err := j.readTail(f)
	if err != nil {
		return nil, 0, err
	}
	if t.tornAt >= 0 {
		if err := j.cutTorn(f, t.tornAt); err != nil {
			return nil, 0, err
		}
	}
	r.Seq = t.seq + 1
	r.Prev = t.hash
	if r.Time == "" {
		r.Time = j.now().UTC().Format(time.RFC3339)
	}
	line, err := seal(r)
	if err != nil {
		return nil, 0, fmt.Errorf("journal: encode %s record: %w", r.Kind, err)
	}
	line = append(line, '\n')
	if t.needNewline {
		line = append([]byte("\n"), line...)
	}
	if _, err := f.Write(line); err != nil {
		return nil, 0, fmt.Errorf("journal: write %s record: %w", r.Kind, err)
	}
	j.written++
	return f, j.written, nil
}

// file returns the journal file opened for appending, creating it the
// first time and reopening it when the path names another file (it was
// moved aside to start a new journal). j.mu is held.
func (j *Journal) file() (*os.File, error) {
	if j.f != nil {
		cur, err1 := j.f.Stat()
		now, err2 := os.Stat(j.Path())
		if err1 == nil && err2 == nil && os.SameFile(cur, now) {
			return j.f, nil
		}
		// Records already written there are made durable before it is let go.
		_ = j.f.Sync()
		j.f.Close()
		j.f = nil
	}
	_, statErr := os.Stat(j.Path())
	f, err := os.OpenFile(j.Path(), os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	j.f = f
	if errors.Is(statErr, fs.ErrNotExist) {
		// Make the new file's directory entry durable too.
		if d, err := os.Open(j.dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return f, nil
}

// cutTorn moves a torn last line (from offset at) to journal.torn and
// truncates the journal to its last complete record, so the next record
// starts on a fresh line. The caller holds the file lock, so the line is
// not one another process is still writing.
func (j *Journal) cutTorn(f *os.File, at int64) error {
	torn, err := io.ReadAll(io.NewSectionReader(f, at, 1<<40))
	if err != nil {
		return fmt.Errorf("journal: repair torn record: %w", err)
	}
	j.log.Warn("journal: the last record is torn (a run was killed while writing it); moving it aside",
		"file", j.Path(), "offset", at)
	keep, err := os.OpenFile(filepath.Join(j.dir, TornFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("journal: save torn record: %w", err)
	}
	_, werr := keep.Write(append(torn, '\n'))
	serr := keep.Sync()
	if cerr := keep.Close(); werr == nil && serr == nil {
		werr = cerr
	}
	if werr != nil || serr != nil {
		return fmt.Errorf("journal: save torn record: %w", errors.Join(werr, serr))
	}
	if err := f.Truncate(at); err != nil {
		return fmt.Errorf("journal: repair torn record: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal: repair torn record: %w", err)
	}
	j.log.Warn("journal: moved the torn last record aside", "file", filepath.Join(j.dir, TornFile))
	return nil
}

// Close closes the journal file. The Journal can be used again afterwards.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Records reads every record. A torn last line is ignored with a warning;
// any other line that is not a record is an error naming its line number.
// Records does not check the hash chain: Verify does.
func (j *Journal) Records() ([]*Record, error) {
	var out []*Record
	err := j.scan(func(line int, raw []byte, last bool) error {
		var r Record
		if err := json.Unmarshal(raw, &r); err != nil {
			if last {
				j.log.Warn("journal: ignoring the torn last record", "file", j.Path(), "line", line)
				return nil
			}
			return fmt.Errorf("journal %s line %d: not a valid record: %w", j.Path(), line, err)
		}
		out = append(out, &r)
		return nil
	})
	return out, err
}

// scan calls fn for every line; last is true for a final line without a
// trailing newline (the only place a torn write can be).
func (j *Journal) scan(fn func(line int, raw []byte, last bool) error) error {
	f, err := os.Open(j.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	// A shared lock: appends of other processes wait until the scan is
	// done, so the last line read is never half a record being written.
	if err := lockFile(f, false); err != nil {
		return fmt.Errorf("read journal: lock %s: %w", j.Path(), err)
	}
	defer unlockFile(f)
	br := bufio.NewReaderSize(f, 256<<10)
	for n := 1; ; n++ {
		raw, err := br.ReadBytes('\n')
		if len(raw) > 0 {
			complete := raw[len(raw)-1] == '\n'
			if ferr := fn(n, bytes.TrimSuffix(raw, []byte("\n")), !complete); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read journal line %d: %w", n, err)
		}
	}
}
