package engine

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

// Plan is what bwstate would do: data only, rendered by engine/views.
type Plan struct {
	FormatVersion string `json:"format_version"`
	// ConfigHash identifies the configuration files the plan came from.
	ConfigHash string `json:"config_hash"`
	// CreatedAt is RFC 3339 UTC.
	CreatedAt string `json:"created_at"`
	// Salt seeds the hashes of sensitive before-values in saved plans.
	Salt string `json:"salt,omitempty"`
	// Hosts in inventory order (deterministic).
	Hosts []*HostPlan `json:"hosts"`
	// Diagnostics that are not bound to one host (warnings).
	Warnings []string `json:"warnings,omitempty"`
	// Mode is "normal", "restarts-only", or "revert".
	Mode string `json:"mode,omitempty"`
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
	Checks   []*Check   `json:"checks,omitempty"`
	Warnings []string   `json:"warnings,omitempty"`
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
	Action   Action `json:"-"`
	// ActionName is Action as a word, for JSON.
	ActionName string `json:"action"`
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
// for sensitive attributes they are empty in any rendering and file, and
// BeforeHash carries a salted hash of the live value instead.
type AttrChange struct {
	Name      string `json:"name"`
	Before    string `json:"before"`
	After     string `json:"after"`
	Sensitive bool   `json:"sensitive,omitempty"`
	// BeforeHash is hex(sha256(salt + before)) for sensitive attributes.
	BeforeHash string `json:"before_hash,omitempty"`
	// BeforeUnknown means the live value cannot be read (prompted passwords).
	BeforeUnknown bool `json:"before_unknown,omitempty"`
	// Restart is the application this change needs restarted ("" = none).
	Restart string `json:"restart,omitempty"`
}

// EffectiveAction is the change's action: Action, or the word in
// ActionName for a change read back from JSON (Action is not serialised).
func (c *Change) EffectiveAction() Action {
	if c.Action != NoOp {
		return c.Action
	}
	a, _ := ParseAction(c.ActionName)
	return a
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
}

// Check is the outcome of one check block on one host.
type Check struct {
	Resource string `json:"resource"`
	Passed   bool   `json:"passed"`
	Message  string `json:"message,omitempty"`
}
