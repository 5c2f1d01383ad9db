package apply

import (
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

// Outcome is how a host ended in a run, as recorded in its host-end
// journal record.
type Outcome string

// Host outcomes.
const (
	// OutcomeChanged: the host's work is done and something was written or
	// restarted.
	OutcomeChanged Outcome = "changed"
	// OutcomeUnchanged: nothing needed doing, or nothing was changed.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeFailed: a step failed (it counts against max_failures when the
	// host was contacted).
	OutcomeFailed Outcome = "failed"
	// OutcomeUntouched: never started (max_failures exceeded, or Ctrl-C).
	OutcomeUntouched Outcome = "untouched"
	// OutcomeStale: a live value moved since the plan; nothing was written.
	OutcomeStale Outcome = "stale"
	// OutcomeInterrupted: stopped by Ctrl-C in the middle of its work.
	OutcomeInterrupted Outcome = "interrupted"
)

// HostError ends a host's pipeline: the outcome it gives the host, the
// reason the operator reads, and the error that caused it (nil when the
// reason is all there is). Err is wrapped, not flattened, so callers reach
// typed errors (a provider's connection or host-key errors, *engine.CLIError,
// engine.ErrHealthTimeout) with errors.As and errors.Is.
type HostError struct {
	Outcome Outcome
	Reason  string
	Err     error
}

func (e *HostError) Error() string { return e.Reason }

// Unwrap returns the cause.
func (e *HostError) Unwrap() error { return e.Err }

// Exit codes of an apply (docs/cli.md, bwstate apply).
const (
	ExitOK      = 0
	ExitPartial = 3
)

// DefaultParallelism is how many hosts without restarts are applied at once.
const DefaultParallelism = engine.DefaultParallelism

// Options say what to apply and how.
type Options struct {
	Plan *engine.Plan
	// Hosts are the inventory's hosts by name; a plan host missing here is
	// failed without being contacted.
	Hosts    map[string]*engine.Host
	Provider engine.Provider
	// Catalogue gives the schema of each path for stale checks and
	// read-back (value normalisation, prompted attributes, id-keyed
	// tables). Nil compares values as strings.
	Catalogue engine.Catalogue
	// Rollout is the restart policy already merged with the -restart flag.
	Rollout engine.Rollout
	// Parallelism is how many hosts without restarts run at once
	// (DefaultParallelism when 0).
	Parallelism int
	// Run is the run begun by the caller (journal.BeginRun), which holds
	// the lock across planning and applying; Run writes its run-start and
	// run-end records and leaves releasing it to the caller. When nil, Run
	// begins one on Journal and releases it at the end.
	Run     *journal.Run
	Journal *journal.Journal
	// Mode is engine.ModeNormal, ModeRestartsOnly or ModeRevert; empty
	// takes Plan.Mode, then engine.ModeNormal.
	Mode engine.Mode
	Hook Hook
	// SensitiveAfter supplies sensitive after-values that a saved plan
	// does not hold, from a fresh evaluation of the configuration. Nil
	// takes AttrChange.After (a plan made in this process).
	SensitiveAfter func(host, path, attr string, key []engine.Field) (string, bool)
	// AfterHash, for a saved plan, returns the salted hash the plan
	// recorded for a sensitive after-value (planfile.File.AfterHash); a
	// host whose fresh value hashes differently is refused as stale.
	AfterHash func(host, path, attr string, key []engine.Field) (string, bool)
	// Stop is closed on the first Ctrl-C: no new host or step starts, and
	// each host in flight finishes the command it is running.
	Stop <-chan struct{}
	// Checks evaluates the configuration's check blocks for a host against
	// facts re-read after the host's changes and restarts are done and
	// healthy (optional; cmd wires config.Config.Checks with the run's
	// selection). A failed check makes the host's outcome failed with the
	// reason "check.NAME: message"; nothing is undone (docs/journal.md).
	// A revert plan skips them: it restores the state before an earlier
	// run, and the checks describe the state the configuration asks for.
	Checks func(h *engine.Host, f *engine.Facts) ([]*engine.Check, error)
	// CheckNeeds says, before any fact is read, what a host's checks need
	// (optional; nil: checks may target every host and use every fact).
	// The checks see the facts the plan read, which a run does not
	// change, with the raised alarms read again only when they use them:
	// so a host without checks, or whose checks do not test alarms, gets
	// no command for them.
	CheckNeeds func(h *engine.Host) CheckNeeds
}

// CheckNeeds is what the checks of one host need, known from the
// configuration alone.
type CheckNeeds struct {
	// Any is false when no check targets the host.
	Any bool
	// Alarms is true when a check uses the raised alarms (host.alarms),
	// which the host's changes and restarts may have raised or cleared.
	Alarms bool
}

// Result is what a run did.
type Result struct {
	RunID string
	// Hosts in plan order.
	Hosts []*HostResult
	// ExitCode is ExitOK when every host with work succeeded, ExitPartial
	// when any failed, was stale, untouched or interrupted.
	ExitCode int
	// RevertPath is the revert plan written for this run ("" when nothing
	// changed).
	RevertPath string
	// Warnings are problems after the hosts were done (the journal's
	// run-end record or the revert plan could not be written).
	Warnings []string
}

// ChangedHosts returns the number of hosts the run changed, whatever
// their outcome (HostResult.Changed).
func (r *Result) ChangedHosts() int {
	n := 0
	for _, h := range r.Hosts {
		if h.Changed || h.Outcome == OutcomeChanged {
			n++
		}
	}
	return n
}

// Counts returns the number of hosts per outcome.
func (r *Result) Counts() map[Outcome]int {
	c := map[Outcome]int{}
	for _, h := range r.Hosts {
		c[h.Outcome]++
	}
	return c
}

// HostResult is what happened on one host.
type HostResult struct {
	Name    string
	Outcome Outcome
	// Reason explains every outcome but changed and unchanged.
	Reason string
	// Err is the error behind a failed, stale or interrupted outcome, when
	// there is one: use errors.As on it rather than parsing Reason.
	Err error
	// Changed is set when the run changed the host (a write was accepted,
	// or an application restarted), whatever its outcome: a host that
	// failed after its writes (an unhealthy restart, a failed check, a
	// later write refused) was changed, and summaries count it so.
	Changed bool
	// Applied are the changes (or the attributes of a change) that the
	// server accepted, in the order they were made.
	Applied []*engine.Change
	// Restarted lists the applications restarted and healthy again.
	Restarted []string
	// PendingLeft are the restarts still pending in the journal for this
	// host after the run.
	PendingLeft []*engine.Restart
	// Warnings are things the operator must know that did not fail the
	// host (a restart warning for an unknown application, checks that
	// could not be evaluated yet).
	Warnings []string
	// Checks are the check blocks evaluated after the host was done, in
	// configuration order (none when Options.Checks is nil or the host was
	// not contacted, failed, or left restarts pending).
	Checks []*engine.Check
}

// Step is one kind of progress event.
type Step string

// Steps a Hook sees, in the order a host goes through them.
const (
	StepConnected  Step = "connected"
	StepStale      Step = "stale"
	StepSet        Step = "set"
	StepVerify     Step = "verify"
	StepRestarting Step = "restarting"
	StepHealthy    Step = "healthy"
	// StepCleared: a pending restart turned out done (the application
	// healthy since an earlier restart): cleared without restarting.
	StepCleared     Step = "cleared"
	StepCheck       Step = "check"
	StepDeferred    Step = "deferred"
	StepDone        Step = "done"
	StepFailed      Step = "failed"
	StepUntouched   Step = "untouched"
	StepInterrupted Step = "interrupted"
)

// Event is one progress event of one host.
type Event struct {
	Host string
	Step Step
	// Detail says what happened in words, sensitive values already
	// replaced by (sensitive): "set enabled = false (restart required)",
	// "check.no_cap_alarms passed", a stale or failure reason.
	Detail string
	// App is the application of restarting, healthy and deferred events.
	App string
	// Took is how long the step took: healthy, from restart to healthy;
	// done, failed and interrupted, the whole host.
	Took time.Duration
	// Elapsed is the time since the run started.
	Elapsed time.Duration
}

// Hook receives progress as it happens. Run calls it from one goroutine
// per host in flight, so implementations must be safe for concurrent use.
type Hook interface {
	Step(e Event)
}

// NilHook ignores every event; embed it to implement only what you need.
type NilHook struct{}

// Step implements Hook.
func (NilHook) Step(Event) {}

// ProgressHook is an optional extension of Hook for live progress displays
// (bwstate's terminal view, its status lines in logs): a Hook that also
// implements it learns how the run is scheduled and when each rolling
// batch, host and health wait starts, which the Step events do not say.
// Run calls these methods as it calls Step: from its scheduling goroutine
// and from one goroutine per host in flight.
type ProgressHook interface {
	Hook
	// Scheduled is called once, after the hosts with nothing to do (and
	// those that failed at plan time) are settled, before any host starts.
	Scheduled(s Schedule)
	// BatchStarted is called before the hosts of a rolling batch start.
	BatchStarted(b BatchStart)
	// HostStarted is called when the work on a host starts, before it
	// connects.
	HostStarted(h HostStart)
	// HealthWait is called when the wait for an application to become
	// healthy starts, after its restart command returned. A healthy event
	// of the same application, or the host's end, ends the wait.
	HealthWait(w HealthWait)
}

// Schedule is how a run will go through the hosts that have work: the
// hosts without restarts first, Parallelism at once, then the restarting
// hosts in rolling batches, each batch finished before the next starts.
// A host can still end untouched (Ctrl-C, max_failures) without starting.
type Schedule struct {
	// Parallel are the hosts without restarts to perform now.
	Parallel    []string
	Parallelism int
	// Batches are the rolling batches of the hosts that restart, in order
	// (Batches of the run's rollout).
	Batches [][]string
	// HealthTimeout is how long each restarted application may take to
	// become healthy (rollout.health_timeout).
	HealthTimeout time.Duration
	// Elapsed is the time since the run started.
	Elapsed time.Duration
}

// BatchStart says that a rolling batch starts.
type BatchStart struct {
	// Number counts the batches from 1 to Of.
	Number, Of int
	Hosts      []string
	Elapsed    time.Duration
}

// HostStart says that the work on a host starts.
type HostStart struct {
	Host    string
	Elapsed time.Duration
}

// HealthWait says that apply waits for an application of a host to become
// healthy, for at most Timeout.
type HealthWait struct {
	Host    string
	App     string
	Timeout time.Duration
	Elapsed time.Duration
}
