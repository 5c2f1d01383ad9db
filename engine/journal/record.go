package journal

import (
	"encoding/json"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/digest"
)

// Kind is the kind of a journal record.
type Kind string

// Record kinds. The fields each kind carries are listed on Record.
const (
	KindRunStart       Kind = "run-start"
	KindPending        Kind = "pending"
	KindChange         Kind = "change"
	KindReply          Kind = "reply"
	KindVerify         Kind = "verify"
	KindRestart        Kind = "restart"
	KindPendingCleared Kind = "pending-cleared"
	KindCheck          Kind = "check"
	KindHostEnd        Kind = "host-end"
	KindRunEnd         Kind = "run-end"
)

// Outcomes of restart records (KindRestart).
const (
	// RestartStarted is written just before the restart command.
	RestartStarted = "started"
	// RestartHealthy: the application came back and the host is healthy.
	RestartHealthy = "healthy"
	// RestartUnhealthy: the restart command ran, but the host was not
	// healthy within the health timeout; Detail says what was wrong. The
	// restart stays pending, marked unhealthy.
	RestartUnhealthy = "unhealthy"
	// RestartTimeout is what versions before RestartUnhealthy wrote for
	// it; it is read the same way.
	RestartTimeout = "timeout"
	// RestartFailed: the restart command failed, or the wait for health was
	// interrupted or lost its connection.
	RestartFailed = "failed"
)

// Outcomes of verify records (KindVerify).
const (
	VerifyOK       = "ok"
	VerifyMismatch = "mismatch"
	VerifySkipped  = "skipped"
)

// Outcomes of check records (KindCheck).
const (
	CheckPassed = "passed"
	CheckFailed = "failed"
)

// Replies of reply records (KindReply).
const (
	ReplyDone    = "done"
	ReplyRestart = "restart"
	ReplyError   = "error"
)

// Redacted replaces sensitive values wherever bwstate writes or prints them.
const Redacted = "(sensitive)"

// Record is one line of journal.jsonl. Seq, Prev, Hash and Time are filled
// by Append; the other fields depend on Kind:
//
//	run-start        Operator, Mode, PlanHash, ConfigHash, RestartPolicy, Hosts
//	pending          Host, App, Reason, Release (the host's, when recorded); App "" adds Text (the server's words) and Message
//	change           Host, Path, Key, Action, Attr, Before, After, Sensitive, ValueHash
//	reply            Host, Command (redacted), Reply (done|restart|error), Text
//	verify           Host, Path, Key, Attr, Outcome (ok|mismatch|skipped), Detail
//	restart          Host, App, Outcome (started|healthy|unhealthy|failed; timeout in older journals), Detail
//	pending-cleared  Host, App, Since (the run that set it), Reason, Operator when by hand
//	check            Host, Detail (the check's address), Outcome (passed|failed), Message
//	host-end         Host, Outcome (changed|unchanged|failed|untouched|stale|interrupted), Reason,
//	                 Changed (the host was changed although its outcome is not changed)
//	run-end          Counts (hosts per outcome), ExitCode
type Record struct {
	Seq  int64  `json:"seq"`
	Prev string `json:"prev"`
	Hash string `json:"hash,omitempty"`
	Time string `json:"time"`
	Run  string `json:"run"`
	Kind Kind   `json:"kind"`

	Operator      string      `json:"operator,omitempty"`
	Mode          engine.Mode `json:"mode,omitempty"`
	PlanHash      string      `json:"plan_hash,omitempty"`
	ConfigHash    string      `json:"config_hash,omitempty"`
	RestartPolicy string      `json:"restart_policy,omitempty"`
	Hosts         []string    `json:"hosts,omitempty"`

	Host   string         `json:"host,omitempty"`
	App    string         `json:"app,omitempty"`
	Path   string         `json:"path,omitempty"`
	Key    []engine.Field `json:"key,omitempty"`
	Action string         `json:"action,omitempty"`
	Attr   string         `json:"attr,omitempty"`
	// Before and After are pointers so that an empty value ("" cleared) is
	// still written for change records while other kinds omit them.
	Before    *string `json:"before,omitempty"`
	After     *string `json:"after,omitempty"`
	Sensitive bool    `json:"sensitive,omitempty"`
	// ValueHash is the keyed hash of an applied sensitive value (see
	// Journal.HashSecret; plain hex in records of earlier versions, salted
	// with .bwstate/salt): it lets a later plan tell whether a write-only
	// secret changed without the secret ever being stored.
	ValueHash string `json:"value_hash,omitempty"`

	Command string `json:"command,omitempty"`
	Reply   string `json:"reply,omitempty"`
	Text    string `json:"text,omitempty"`
	Message string `json:"message,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	Detail  string `json:"detail,omitempty"`
	Since   string `json:"since,omitempty"`
	// Release is the host's release when a pending restart was recorded:
	// once the host runs another release, an upgrade has restarted every
	// application, and the pending restart is satisfied.
	Release string `json:"release,omitempty"`

	// Changed marks a host-end record of a host that the run changed (a
	// write accepted, an application restarted) before it failed or was
	// interrupted.
	Changed bool `json:"changed,omitempty"`

	Counts   map[string]int `json:"counts,omitempty"`
	ExitCode *int           `json:"exit_code,omitempty"`
}

// Str returns a pointer to s, for Record.Before and Record.After.
func Str(s string) *string { return &s }

// seal fills r.Hash from r's content and returns the line to write,
// without the trailing newline.
func seal(r *Record) ([]byte, error) {
	r.Hash = ""
	body, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	h, err := digest.Canonical(r.Prev, body, "hash")
	if err != nil {
		return nil, err
	}
	r.Hash = h
	return json.Marshal(r)
}
