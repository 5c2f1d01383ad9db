package engine

import "fmt"

// PlanFormatVersion is the version of the plan's JSON form (plan files and
// `plan -json`). It changes when a field changes meaning or disappears.
const PlanFormatVersion = "1.0"

// Action says what a change does. The runes are the symbols the human view prints.
type Action rune

const (
	// NoOp: the live value already matches.
	NoOp Action = 0
	// Update: attributes of a context or a table row change.
	Update Action = '~'
	// Create: a table row is added.
	Create Action = '+'
	// Delete: a table row is deleted.
	Delete Action = '-'
)

// String returns the action's word for JSON and messages.
func (a Action) String() string {
	switch a {
	case Update:
		return "update"
	case Create:
		return "create"
	case Delete:
		return "delete"
	}
	return "no-op"
}

// ParseAction reads an action's word ("update", "create", "delete",
// "no-op" or ""); ok is false for any other word.
func ParseAction(word string) (a Action, ok bool) {
	switch word {
	case "update":
		return Update, true
	case "create":
		return Create, true
	case "delete":
		return Delete, true
	case "no-op", "":
		return NoOp, true
	}
	return NoOp, false
}

// MarshalText writes the action's word, so a Change's JSON carries
// "action": "update" (plan files, plan -json and show read the same word).
func (a Action) MarshalText() ([]byte, error) {
	switch a {
	case NoOp, Update, Create, Delete:
		return []byte(a.String()), nil
	}
	return nil, fmt.Errorf("unknown action %q", rune(a))
}

// UnmarshalText reads an action's word (see ParseAction).
func (a *Action) UnmarshalText(b []byte) error {
	v, ok := ParseAction(string(b))
	if !ok {
		return fmt.Errorf("unknown action %q: want update, create or delete", b)
	}
	*a = v
	return nil
}

// Mode is what kind of run a plan is for, as recorded in plans, plan files
// and the journal's run-start records.
type Mode string

// Modes of a plan and of a run.
const (
	// ModeNormal makes the configuration's changes and their restarts.
	ModeNormal Mode = "normal"
	// ModeRestartsOnly performs only the restarts earlier runs left pending.
	ModeRestartsOnly Mode = "restarts-only"
	// ModeRevert undoes what one earlier run changed (a revert plan).
	ModeRevert Mode = "revert"
)

// ParseMode reads a mode's word; "" is ModeNormal (plans written before
// modes existed). ok is false for any other word.
func ParseMode(word string) (m Mode, ok bool) {
	switch Mode(word) {
	case "", ModeNormal:
		return ModeNormal, true
	case ModeRestartsOnly, ModeRevert:
		return Mode(word), true
	}
	return "", false
}

// Plan is what bwstate would do: data only, rendered by engine/views.
type Plan struct {
	FormatVersion string `json:"format_version"`
	// ConfigHash identifies the configuration files the plan came from.
	ConfigHash string `json:"config_hash"`
	// CreatedAt is RFC 3339 UTC.
	CreatedAt string `json:"created_at"`
	// Salt is a saved plan's random nonce, mixed into its keyed hashes of
	// sensitive values (engine/digest); empty until the plan is saved.
	Salt string `json:"salt,omitempty"`
	// Hosts in inventory order (deterministic).
	Hosts []*HostPlan `json:"hosts"`
	// Diagnostics that are not bound to one host (warnings).
	Warnings []string `json:"warnings,omitempty"`
	// Mode is ModeNormal, ModeRestartsOnly or ModeRevert.
	Mode Mode `json:"mode,omitempty"`
	// LeftAlone are the selected hosts the plan did not contact because
	// nothing in the configuration concerns them: no resource or check
	// selects them, no advisory applies to their type and nothing is
	// pending on them. They are not in Hosts.
	LeftAlone []string `json:"left_alone,omitempty"`
	// Targets and Excludes are the -target and -exclude addresses the plan
	// was made with: a plan with either covers only part of the
	// configuration.
	Targets  []string `json:"targets,omitempty"`
	Excludes []string `json:"excludes,omitempty"`
}

// Partial reports whether -target or -exclude left part of the
// configuration out of the plan.
func (p *Plan) Partial() bool { return len(p.Targets)+len(p.Excludes) > 0 }

// HostPlan is the plan for one host.
type HostPlan struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Type    string `json:"type"`
	// Release is the release string from facts ("Rel_22.0_1.1123"), empty
	// when the host could not be read.
	Release string `json:"release,omitempty"`
	// Error is set when the host could not be reached or read; such a host
	// has no changes and counts as failed.
	Error    string     `json:"error,omitempty"`
	Changes  []*Change  `json:"changes"`
	Restarts []*Restart `json:"restarts"`
	// Satisfied are restarts earlier runs left pending that the host shows
	// were done anyway (Restart.Satisfied says how). Apply records them
	// cleared and restarts nothing for them; they are not changes.
	Satisfied []*Restart `json:"satisfied,omitempty"`
	Checks    []*Check   `json:"checks,omitempty"`
	Warnings  []string   `json:"warnings,omitempty"`
	// Drift lists unmanaged catalogue contexts whose live values differ
	// from the catalogue defaults (plan -drift); see DriftResource.
	Drift []*Change `json:"drift,omitempty"`
	Facts *Facts    `json:"facts,omitempty"`
}

// HasChanges reports whether applying the host would write or restart anything.
func (h *HostPlan) HasChanges() bool {
	return len(h.Changes) > 0 || len(h.Restarts) > 0
}

// Change is one context (or one table row) that differs.
type Change struct {
	// Resource is the configuration address, e.g. "context.cap_proxy_off".
	Resource string `json:"resource"`
	Path     string `json:"path"`
	// Action is what the change does; JSON carries its word ("update").
	// Every change says it: attribute contexts are only ever updated.
	Action Action `json:"action"`
	// Key identifies a table row (empty for attribute contexts).
	Key   []Field       `json:"key,omitempty"`
	Attrs []*AttrChange `json:"attributes"`
	// LiveRows is set only on drift entries of table contexts: how many rows
	// the server holds. The catalogue knows no default rows, so drift does
	// not compare tables; a non-empty unmanaged table is reported by size.
	LiveRows int `json:"live_rows,omitempty"`
}

// DriftResource is the Resource of every HostPlan.Drift entry. Drift
// entries are Update changes whose Before is the catalogue default and
// After the live value (both empty for sensitive attributes, which are
// never held); they are information, never applied and never counted as
// changes.
const DriftResource = "drift"

// AttrChange is one attribute that changes. Before and After are CLI values;
// for sensitive attributes they are empty in any rendering and file, and a
// saved plan carries BeforeHash, a keyed hash of the live value, instead.
type AttrChange struct {
	Name      string `json:"name"`
	Before    string `json:"before"`
	After     string `json:"after"`
	Sensitive bool   `json:"sensitive,omitempty"`
	// BeforeHash is the keyed hash of before (digest.Key.Sum with the plan's
	// Salt) for sensitive attributes of a saved plan.
	BeforeHash string `json:"before_hash,omitempty"`
	// BeforeUnknown means the live value cannot be read (prompted passwords).
	BeforeUnknown bool `json:"before_unknown,omitempty"`
	// Restart is the application this change needs restarted ("" = none).
	Restart string `json:"restart,omitempty"`
}

// Visible returns the values of the change that any output may show when
// its change does a: nil for every value of a sensitive attribute, for the
// before-value of a created row or one that cannot be read, and for the
// after-value of a deleted row. Every rendering that prints values takes
// them from here, so none can show one the others hide.
func (ac *AttrChange) Visible(a Action) (before, after *string) {
	if ac.Sensitive {
		return nil, nil
	}
	if a != Create && !ac.BeforeUnknown {
		b := ac.Before
		before = &b
	}
	if a != Delete {
		v := ac.After
		after = &v
	}
	return before, after
}

// Restart is one application restart a host needs.
type Restart struct {
	App string `json:"app"`
	// Reasons name what requires it, e.g. "CAPProxy changed".
	Reasons []string `json:"reasons"`
	// Pending means an earlier run changed values but did not restart yet.
	Pending bool `json:"pending,omitempty"`
	// PendingSince is the run id that left it pending.
	PendingSince string `json:"pending_since,omitempty"`
	// Unhealthy is set on a pending restart that a run performed (the
	// restart command ran) but whose application did not become healthy
	// within the health timeout: what was wrong then. RestartedIn is that
	// run. The next apply probes the host's health first and restarts the
	// application again only if it is still not healthy (docs/journal.md).
	Unhealthy   string `json:"unhealthy,omitempty"`
	RestartedIn string `json:"restarted_in,omitempty"`
	// Release is the host's release (bwshowver) when the restart was
	// recorded pending; "" in journals of earlier versions.
	Release string `json:"release,omitempty"`
	// Satisfied says why a pending restart is no longer needed although
	// bwstate did not perform it: the host's release differs from Release,
	// so an upgrade restarted every application since. Such restarts are
	// in HostPlan.Satisfied, never in HostPlan.Restarts.
	Satisfied string `json:"satisfied,omitempty"`
}

// Check is the outcome of one check block on one host.
type Check struct {
	Resource string `json:"resource"`
	Passed   bool   `json:"passed"`
	Message  string `json:"message,omitempty"`
}
