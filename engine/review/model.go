package review

// FormatVersion is the version of both documents' JSON form
// (docs/change-review.md, docs/change-review.schema.json). Adding a field
// keeps it; renaming or removing one, or changing its meaning, bumps it.
const FormatVersion = "1.0"

// Kinds of document, the "kind" field of the JSON.
const (
	KindChange = "bwstate-change-review"
	KindRun    = "bwstate-run-record"
)

// Review is the method of procedure of one saved plan: `bwstate show
// -format html|markdown|json PLANFILE`.
type Review struct {
	FormatVersion string   `json:"format_version"`
	Kind          string   `json:"kind"`
	Header        Header   `json:"header"`
	Impact        Impact   `json:"impact"`
	Schedule      Schedule `json:"schedule"`
	// Hosts is every host of the plan, in plan (inventory) order.
	Hosts        []Host       `json:"hosts"`
	Verification Verification `json:"verification"`
	Rollback     Rollback     `json:"rollback"`
	// Warnings are the plan's warnings not bound to a host, and what the
	// reviewer must know about the document itself (the configuration
	// changed since the plan was made, the journal could not be read).
	Warnings []string `json:"warnings"`
}

// Header says what the change is and ties the document to the plan file
// that will be applied.
type Header struct {
	Title string `json:"title"`
	// TitleDerived is true when the title was made from the plan because
	// no -title was given.
	TitleDerived  bool          `json:"title_derived"`
	Plan          PlanRef       `json:"plan"`
	Configuration Configuration `json:"configuration"`
	// PreparedBy is user@hostname of whoever made this document, and
	// PreparedAt when (RFC 3339 UTC). The plan file records no operator.
	PreparedBy string `json:"prepared_by"`
	PreparedAt string `json:"prepared_at"`
}

// PlanRef identifies the reviewed plan file.
type PlanRef struct {
	// File is the path as given to show.
	File string `json:"file"`
	// SHA256 is the hex SHA-256 of the file's bytes (sha256sum FILE).
	SHA256 string `json:"sha256"`
	// PlanHash is what apply records as plan_hash in the journal's
	// run-start record when it applies this file: `bwstate journal show
	// RUN` prints it, tying the run to this document.
	PlanHash  string `json:"plan_hash"`
	CreatedAt string `json:"created_at"`
	// Mode is normal, restarts-only or revert.
	Mode       string `json:"mode"`
	ConfigHash string `json:"config_hash"`
}

// Configuration describes the configuration the schedule was made with.
type Configuration struct {
	Dir  string `json:"dir"`
	Hash string `json:"hash"`
	// MatchesPlan is false when the configuration files changed since the
	// plan was made (apply refuses such a plan unless it is a revert plan).
	MatchesPlan bool `json:"matches_plan"`
	// Git is absent when the directory is not in a git checkout.
	Git *Git `json:"git,omitempty"`
}

// Git is the state of the configuration's git checkout when the document
// was made.
type Git struct {
	Commit string `json:"commit"`
	// Dirty means configuration files (*.bw.hcl, *.bwvars) of the
	// directory differ from the commit or are not committed; DirtyFiles
	// lists them.
	Dirty      bool     `json:"dirty"`
	DirtyFiles []string `json:"dirty_files"`
}

// Impact is what the change does to the service.
type Impact struct {
	// Summary is the text plan's summary line.
	Summary string `json:"summary"`
	Counts  Counts `json:"counts"`
	// ByType and ByGroup list the hosts apply will contact (to write or to
	// restart) per server type and per inventory group.
	ByType  []HostSet `json:"by_type"`
	ByGroup []HostSet `json:"by_group"`
	// Restarts lists per application the hosts where apply restarts it
	// under the restart policy, and the hosts where it stays pending.
	Restarts []AppRestarts `json:"restarts"`
	// Interruptions is the expected service interruption per restarted
	// host and application: the estimated time from restartbw to healthy.
	Interruptions []Interruption `json:"interruptions"`
	// LeftAlone lists the hosts apply will not contact, and why.
	LeftAlone []HostNote `json:"left_alone"`
	// Advisories are the catalogue advisories that held at plan time.
	Advisories []HostNote `json:"advisories"`
	// Checks are the check blocks' results at plan time.
	Checks []HostCheck `json:"checks"`
}

// Counts are the plan's totals (the same as `plan -json`'s summary).
type Counts struct {
	Hosts               int  `json:"hosts"`
	HostsToChange       int  `json:"hosts_to_change"`
	HostsInDesiredState int  `json:"hosts_in_desired_state"`
	HostsFailed         int  `json:"hosts_failed"`
	Attributes          int  `json:"attributes"`
	Rows                int  `json:"rows"`
	Restarts            int  `json:"restarts"`
	PendingRestarts     int  `json:"pending_restarts"`
	ChecksFailed        int  `json:"checks_failed"`
	ChangesPresent      bool `json:"changes_present"`
}

// HostSet is a named set of hosts (a server type, a group).
type HostSet struct {
	Name  string   `json:"name"`
	Hosts []string `json:"hosts"`
}

// AppRestarts are one application's restarts.
type AppRestarts struct {
	App string `json:"app"`
	// Hosts restart it in this run; Pending keep it pending (restart
	// policy defer) and NotRestarted neither restart nor record it
	// (restart policy never).
	Hosts        []string `json:"hosts"`
	Pending      []string `json:"pending"`
	NotRestarted []string `json:"not_restarted"`
}

// Interruption is one restart's expected outage.
type Interruption struct {
	Host     string   `json:"host"`
	App      string   `json:"app"`
	Estimate Estimate `json:"estimate"`
}

// HostNote is a sentence about one host.
type HostNote struct {
	Host string `json:"host"`
	Text string `json:"text"`
}

// HostCheck is one check block's result on one host.
type HostCheck struct {
	Host    string `json:"host"`
	Check   string `json:"check"`
	Passed  bool   `json:"passed"`
	Message string `json:"message,omitempty"`
}

// Estimate is an estimated duration and where it comes from.
type Estimate struct {
	Seconds float64 `json:"seconds"`
	// Samples is how many measurements of the journal it is the median
	// (restarts) or average (writes) of; 0 for a default.
	Samples int `json:"samples"`
	// Source is SourceHistory, SourceHistoryAnyType or SourceDefault.
	Source string `json:"source"`
	// Basis says it in words: "median of 3 restarts of OpenClientServer
	// on xsp servers in the journal", "no history: assumed 60s".
	Basis string `json:"basis"`
}

// Sources of an estimate.
const (
	// SourceHistory: measured on this application and server type.
	SourceHistory = "history"
	// SourceHistoryAnyType: measured on this application, on servers of
	// other types (none of this type restarted it yet).
	SourceHistoryAnyType = "history-any-type"
	// SourceDefault: nothing measured; a documented default.
	SourceDefault = "default"
)

// Schedule is the rollout apply will follow.
type Schedule struct {
	// RestartPolicy is now, defer or never (the configuration's, or the
	// -restart given to show).
	RestartPolicy        string   `json:"restart_policy"`
	BatchSize            int      `json:"batch_size"`
	BatchPercent         int      `json:"batch_percent"`
	SpreadGroups         []string `json:"spread_groups"`
	MaxPerGroup          int      `json:"max_per_group"`
	MaxFailures          int      `json:"max_failures"`
	HealthTimeoutSeconds float64  `json:"health_timeout_seconds"`
	// Parallelism is how many hosts without restarts apply runs at once.
	Parallelism int `json:"parallelism"`
	// Unbatched are the hosts apply contacts without a restart now, in
	// parallel, before the first batch.
	Unbatched []Slot `json:"unbatched"`
	// UnbatchedSeconds is how long that phase is estimated to take.
	UnbatchedSeconds float64 `json:"unbatched_seconds"`
	// Batches are the rolling batches of hosts that restart, in order;
	// each starts when the previous one is done and healthy.
	Batches      []Batch   `json:"batches"`
	TotalSeconds float64   `json:"total_seconds"`
	Estimates    Estimates `json:"estimates"`
	Timeline     Timeline  `json:"timeline"`
	// Notes say what the schedule assumes.
	Notes []string `json:"notes"`
}

// Batch is one rolling batch.
type Batch struct {
	Number       int     `json:"number"`
	StartSeconds float64 `json:"start_seconds"`
	Seconds      float64 `json:"seconds"`
	Hosts        []Slot  `json:"hosts"`
}

// Slot is one host's estimated place in the schedule.
type Slot struct {
	Host string `json:"host"`
	// StartSeconds is from the start of the apply.
	StartSeconds float64 `json:"start_seconds"`
	Seconds      float64 `json:"seconds"`
	Writes       int     `json:"writes"`
	// Restarts are the applications restarted, in order.
	Restarts []SlotRestart `json:"restarts"`
}

// SlotRestart is one estimated restart window.
type SlotRestart struct {
	App          string   `json:"app"`
	StartSeconds float64  `json:"start_seconds"`
	Estimate     Estimate `json:"estimate"`
}

// Estimates are the figures the schedule was computed with.
type Estimates struct {
	// HistoryRuns is how many runs of the journal contributed.
	HistoryRuns int `json:"history_runs"`
	// PerWrite is the time per write (one set, add or delete, with its
	// share of the read-back).
	PerWrite Estimate `json:"per_write"`
	// HostOverhead is the time to connect, re-read the values the plan
	// saw and evaluate checks; the journal does not record it.
	HostOverhead Estimate `json:"host_overhead"`
	// Restarts are the restart estimates used, per application and type.
	Restarts []TypedEstimate `json:"restarts"`
}

// TypedEstimate is the restart estimate of one application on one server
// type.
type TypedEstimate struct {
	App      string   `json:"app"`
	Type     string   `json:"type"`
	Estimate Estimate `json:"estimate"`
}

// Timeline is what the timeline picture draws: a lane per host along the
// time axis, restart windows within, and labelled marks.
type Timeline struct {
	Seconds float64 `json:"seconds"`
	Lanes   []Lane  `json:"lanes"`
	// Marks are instants worth a line: where each batch starts.
	Marks []Mark `json:"marks"`
}

// Lane is one host's bar.
type Lane struct {
	Host string `json:"host"`
	// Group is the lane's batch ("batch 2", "no restart"), for the
	// legend and for drawing large fleets one bar per group.
	Group        string   `json:"group"`
	StartSeconds float64  `json:"start_seconds"`
	Seconds      float64  `json:"seconds"`
	Windows      []Window `json:"windows"`
	// Outcome is the host's outcome in a run record ("" in a review).
	Outcome string `json:"outcome,omitempty"`
}

// Window is a part of a lane: a restart from restartbw to healthy.
type Window struct {
	Label        string  `json:"label"`
	StartSeconds float64 `json:"start_seconds"`
	Seconds      float64 `json:"seconds"`
	// Outcome is a restart's outcome in a run record (healthy, unhealthy or timeout,
	// failed; "started" when no later record ended it).
	Outcome string `json:"outcome,omitempty"`
}

// Mark is a labelled instant of the timeline.
type Mark struct {
	Label     string  `json:"label"`
	AtSeconds float64 `json:"at_seconds"`
}

// Host is one host's part of the change.
type Host struct {
	Name    string   `json:"name"`
	Address string   `json:"address"`
	Type    string   `json:"type"`
	Release string   `json:"release,omitempty"`
	Groups  []string `json:"groups"`
	// Error is set when the host failed at plan time; apply leaves it alone.
	Error string `json:"error,omitempty"`
	// Work is what apply does with the host: WorkChange (write, and
	// restart when the policy says now), WorkRestart (restarts only),
	// WorkNone or WorkFailed.
	Work string `json:"work"`
	// Batch is the rolling batch the host restarts in (0: none).
	Batch int `json:"batch"`
	// EstimateSeconds is the host's estimated duration (0 when left alone).
	EstimateSeconds float64  `json:"estimate_seconds"`
	Facts           *Facts   `json:"facts,omitempty"`
	Changes         []Change `json:"changes"`
	// Restarts the plan's changes need; PendingRestarts were left pending
	// by earlier runs.
	Restarts        []Restart   `json:"restarts"`
	PendingRestarts []Restart   `json:"pending_restarts"`
	Checks          []HostCheck `json:"checks"`
	Warnings        []string    `json:"warnings"`
}

// What apply does with a host.
const (
	WorkChange  = "change"
	WorkRestart = "restart"
	WorkNone    = "none"
	WorkFailed  = "failed"
)

// Facts are the facts the plan used for a host.
type Facts struct {
	Type          string   `json:"type"`
	Release       string   `json:"release"`
	ReleaseNumber float64  `json:"release_number"`
	Patches       []string `json:"patches"`
	Alarms        []string `json:"alarms"`
}

// Change is one context or table row that changes.
type Change struct {
	// Action is update, create or delete.
	Action   string  `json:"action"`
	Resource string  `json:"resource"`
	Path     string  `json:"path"`
	Key      []Field `json:"key"`
	Attrs    []Attr  `json:"attributes"`
	// Commands are the CLI writes apply makes in Path, as the journal
	// records them (sensitive values as "(sensitive)").
	Commands []string `json:"commands"`
}

// Field is one column of a row key. Value is absent when sensitive.
type Field struct {
	Name      string  `json:"name"`
	Value     *string `json:"value,omitempty"`
	Sensitive bool    `json:"sensitive"`
}

// Attr is one attribute that changes, as in the plan's JSON view: Before
// is absent for added rows, unknown or sensitive values; After for deleted
// rows and sensitive values.
type Attr struct {
	Name          string  `json:"name"`
	Before        *string `json:"before,omitempty"`
	After         *string `json:"after,omitempty"`
	Sensitive     bool    `json:"sensitive"`
	BeforeUnknown bool    `json:"before_unknown"`
	Restart       string  `json:"restart,omitempty"`
}

// Restart is one application restart of a host.
type Restart struct {
	App          string   `json:"app"`
	Reasons      []string `json:"reasons"`
	PendingSince string   `json:"pending_since,omitempty"`
	// Action is what apply does with it: "restart" (now, in the host's
	// batch), "stay pending" (defer), "not restarted" (never), "never
	// automatic" (an unknown application).
	Action string `json:"action"`
}

// Verification says how to tell that the change worked.
type Verification struct {
	// Checks are the check blocks apply evaluates after each host it
	// changed, with the hosts they target.
	Checks []CheckTarget `json:"checks"`
	// Commands to run after the apply, with what they should show.
	Commands []Step `json:"commands"`
}

// CheckTarget is one check block and the hosts it is evaluated on.
type CheckTarget struct {
	Check string   `json:"check"`
	Hosts []string `json:"hosts"`
	// FailingNow are the hosts where it fails at plan time.
	FailingNow []string `json:"failing_now"`
}

// Step is a command to run and what it should show.
type Step struct {
	Command string `json:"command"`
	Expect  string `json:"expect"`
}

// Rollback says how to undo the change.
type Rollback struct {
	// Command applies the revert plan the run writes.
	Command string `json:"command"`
	// Hosts are what that revert plan does per host, if every change is
	// made: the writes that restore the before values, and the restarts.
	Hosts []RollbackHost `json:"hosts"`
	// Manual lists what the revert plan cannot restore (sensitive values,
	// rows of id-numbered tables): to be done by hand.
	Manual []string `json:"manual"`
}

// RollbackHost is the revert of one host.
type RollbackHost struct {
	Host     string         `json:"host"`
	Steps    []RollbackStep `json:"steps"`
	Restarts []string       `json:"restarts"`
}

// RollbackStep is the revert of one context or row.
type RollbackStep struct {
	Path     string   `json:"path"`
	Key      []Field  `json:"key"`
	Commands []string `json:"commands"`
}

// RunRecord is the closing record of one apply run, from the journal:
// `bwstate journal show RUN -format html|markdown|json`.
type RunRecord struct {
	FormatVersion string `json:"format_version"`
	Kind          string `json:"kind"`
	Title         string `json:"title"`
	Run           RunRef `json:"run"`
	// Journal says whether the journal's hash chain verified when the
	// record was made.
	Journal JournalState `json:"journal"`
	// Counts are hosts per outcome (changed, unchanged, failed, ...).
	Counts map[string]int `json:"counts"`
	// Hosts in the order the run listed them.
	Hosts []RunHost `json:"hosts"`
	// EstimateSeconds is what the run would have been estimated at from
	// the journal's history before it; ActualSeconds is what it took.
	EstimateSeconds float64   `json:"estimate_seconds"`
	ActualSeconds   float64   `json:"actual_seconds"`
	Estimates       Estimates `json:"estimates"`
	Timeline        Timeline  `json:"timeline"`
	Revert          Revert    `json:"revert"`
	// PendingLeft are the restarts this run left pending.
	PendingLeft []PendingRestart `json:"pending_left"`
	Notes       []string         `json:"notes"`
}

// RunRef identifies a run and ties it to the reviewed plan.
type RunRef struct {
	ID       string `json:"id"`
	Operator string `json:"operator"`
	Mode     string `json:"mode"`
	// RestartPolicy is the policy the run applied (now, defer, never).
	RestartPolicy string `json:"restart_policy"`
	// PlanHash equals the change review's header.plan.plan_hash when the
	// run applied that plan file.
	PlanHash   string `json:"plan_hash"`
	ConfigHash string `json:"config_hash"`
	StartedAt  string `json:"started_at"`
	// EndedAt is empty when the run has no run-end record (killed, or
	// still running): Complete is then false.
	EndedAt  string `json:"ended_at,omitempty"`
	Complete bool   `json:"complete"`
	ExitCode *int   `json:"exit_code,omitempty"`
}

// JournalState is the result of verifying the journal's hash chain.
type JournalState struct {
	Verified bool   `json:"verified"`
	Records  int    `json:"records"`
	Detail   string `json:"detail"`
}

// RunHost is what happened on one host.
type RunHost struct {
	Name string `json:"name"`
	// Type is the server type from the configuration ("" when unknown).
	Type    string `json:"type"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	// Contacted is false for a host apply did not work on (nothing to do,
	// failed at plan time, untouched): it has only its host-end record.
	Contacted bool `json:"contacted"`
	// StartSeconds and Seconds place the host's records on the run's time
	// axis: from its first record to its host-end record.
	StartSeconds    float64      `json:"start_seconds"`
	Seconds         float64      `json:"seconds"`
	EstimateSeconds float64      `json:"estimate_seconds"`
	Writes          int          `json:"writes"`
	Events          []Event      `json:"events"`
	Restarts        []RunRestart `json:"restarts"`
	Checks          []HostCheck  `json:"checks"`
}

// Event is one journal record of a host, in words.
type Event struct {
	AtSeconds float64 `json:"at_seconds"`
	Time      string  `json:"time"`
	// Step is pending, write, refused, read-back, restart, healthy,
	// restart-failed, pending-cleared, check or end.
	Step string `json:"step"`
	Text string `json:"text"`
}

// RunRestart is one restart as it happened, against its estimate.
type RunRestart struct {
	App          string  `json:"app"`
	StartSeconds float64 `json:"start_seconds"`
	// Seconds is from restartbw to the restart's last record (healthy,
	// timeout or failed): the time the application was down.
	Seconds  float64  `json:"seconds"`
	Outcome  string   `json:"outcome"`
	Detail   string   `json:"detail,omitempty"`
	Estimate Estimate `json:"estimate"`
}

// Revert is the run's revert plan.
type Revert struct {
	// Path is .bwstate/runs/RUN/revert.json, relative to the
	// configuration directory.
	Path string `json:"path"`
	// Exists is false when the run changed nothing (no revert plan).
	Exists  bool   `json:"exists"`
	Command string `json:"command,omitempty"`
}

// PendingRestart is a restart a run left pending.
type PendingRestart struct {
	Host   string `json:"host"`
	App    string `json:"app"`
	Reason string `json:"reason"`
}
