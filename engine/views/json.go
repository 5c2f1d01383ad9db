package views

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/bwstate/bwstate/engine"
)

// JSONFormatVersion is the version of the JSON view's shape. It is the
// view's own contract (docs/plan-output.md, docs/plan.schema.json), kept
// apart from engine's struct tags so an internal rename cannot break the
// programs that read `bwstate plan -json`. Adding a field is compatible;
// renaming, removing or changing the meaning of one bumps it.
const JSONFormatVersion = "1.1"

// The JSON view's structs. Every field is always present except where
// `omitempty` says otherwise, so consumers can rely on the shape.
type (
	jsonPlan struct {
		FormatVersion string      `json:"format_version"`
		ConfigHash    string      `json:"config_hash"`
		CreatedAt     string      `json:"created_at"`
		Mode          string      `json:"mode"`
		Hosts         []jsonHost  `json:"hosts"`
		Warnings      []string    `json:"warnings"`
		LeftAlone     []string    `json:"left_alone"`
		Targets       []string    `json:"targets"`
		Excludes      []string    `json:"excludes"`
		Summary       jsonSummary `json:"summary"`
	}
	jsonHost struct {
		Name     string        `json:"name"`
		Address  string        `json:"address"`
		Type     string        `json:"type"`
		Release  string        `json:"release,omitempty"`
		Error    string        `json:"error,omitempty"`
		Changes  []jsonChange  `json:"changes"`
		Restarts []jsonRestart `json:"restarts"`
		Checks   []jsonCheck   `json:"checks"`
		Warnings []string      `json:"warnings"`
		Drift    []jsonDrift   `json:"drift"`
	}
	// jsonDrift is one unmanaged context that differs from its defaults.
	jsonDrift struct {
		Path string `json:"path"`
		// Kind is "attributes" or "table".
		Kind       string          `json:"kind"`
		Attributes []jsonDriftAttr `json:"attributes"`
		LiveRows   *int            `json:"live_rows,omitempty"`
	}
	jsonDriftAttr struct {
		Name string `json:"name"`
		// Default and Live are omitted when sensitive.
		Default   *string `json:"default,omitempty"`
		Live      *string `json:"live,omitempty"`
		Sensitive bool    `json:"sensitive"`
	}
	jsonChange struct {
		Action     string      `json:"action"`
		Resource   string      `json:"resource"`
		Path       string      `json:"path"`
		Key        []jsonField `json:"key"`
		Attributes []jsonAttr  `json:"attributes"`
	}
	jsonField struct {
		Name string `json:"name"`
		// Value is omitted when sensitive.
		Value     *string `json:"value,omitempty"`
		Sensitive bool    `json:"sensitive"`
	}
	jsonAttr struct {
		Name string `json:"name"`
		// Before is omitted when sensitive, unknown or the row is created;
		// After when sensitive or the row is deleted.
		Before        *string `json:"before,omitempty"`
		After         *string `json:"after,omitempty"`
		Sensitive     bool    `json:"sensitive"`
		BeforeUnknown bool    `json:"before_unknown"`
		Restart       string  `json:"restart,omitempty"`
	}
	jsonRestart struct {
		App          string   `json:"app"`
		Reasons      []string `json:"reasons"`
		Pending      bool     `json:"pending"`
		PendingSince string   `json:"pending_since,omitempty"`
	}
	jsonCheck struct {
		Resource string `json:"resource"`
		Passed   bool   `json:"passed"`
		Message  string `json:"message,omitempty"`
	}
	jsonSummary struct {
		Hosts               int  `json:"hosts"`
		HostsToChange       int  `json:"hosts_to_change"`
		HostsInDesiredState int  `json:"hosts_in_desired_state"`
		HostsFailed         int  `json:"hosts_failed"`
		HostsLeftAlone      int  `json:"hosts_left_alone"`
		Attributes          int  `json:"attributes"`
		Rows                int  `json:"rows"`
		Restarts            int  `json:"restarts"`
		PendingRestarts     int  `json:"pending_restarts"`
		ChecksPassed        int  `json:"checks_passed"`
		ChecksFailed        int  `json:"checks_failed"`
		ChangesPresent      bool `json:"changes_present"`
		Partial             bool `json:"partial"`
		DriftContexts       int  `json:"drift_contexts"`
		DriftHosts          int  `json:"drift_hosts"`
	}
)

// JSON writes the plan in its versioned machine form, indented, one
// document. Every host of the plan is included, those with nothing to do
// too, so a consumer can tell "in the desired state" from "not selected".
func JSON(w io.Writer, p *engine.Plan) error {
	c := Summary(p)
	out := jsonPlan{
		FormatVersion: JSONFormatVersion,
		ConfigHash:    p.ConfigHash,
		CreatedAt:     p.CreatedAt,
		Mode:          string(p.Mode),
		Hosts:         make([]jsonHost, 0, len(p.Hosts)),
		Warnings:      nonNil(p.Warnings),
		LeftAlone:     nonNil(p.LeftAlone),
		Targets:       nonNil(p.Targets),
		Excludes:      nonNil(p.Excludes),
		Summary: jsonSummary{
			Hosts:               c.Hosts,
			HostsToChange:       c.HostsToChange,
			HostsInDesiredState: c.HostsInDesiredState,
			HostsFailed:         c.HostsFailed,
			HostsLeftAlone:      c.HostsLeftAlone,
			Attributes:          c.Attributes,
			Rows:                c.Rows,
			Restarts:            c.Restarts,
			PendingRestarts:     c.PendingRestarts,
			ChecksPassed:        c.ChecksPassed,
			ChecksFailed:        c.ChecksFailed,
			ChangesPresent:      c.HasChanges(),
			Partial:             c.Partial,
			DriftContexts:       c.DriftContexts,
			DriftHosts:          c.DriftHosts,
		},
	}
	if out.Mode == "" {
		out.Mode = "normal"
	}
	for _, hp := range p.Hosts {
		out.Hosts = append(out.Hosts, jsonHostOf(hp))
	}
	enc := json.NewEncoder(JSONWriter(w))
	enc.SetEscapeHTML(false) // "->" and "<" stay readable; this is not HTML
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write plan json: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonHostOf(hp *engine.HostPlan) jsonHost {
	h := jsonHost{
		Name:     hp.Name,
		Address:  hp.Address,
		Type:     hp.Type,
		Release:  hp.Release,
		Error:    hp.Error,
		Changes:  []jsonChange{},
		Restarts: []jsonRestart{},
		Checks:   []jsonCheck{},
		Warnings: nonNil(hp.Warnings),
		Drift:    []jsonDrift{},
	}
	if hp.Error != "" {
		// A failed host has no plan, whatever a caller left in it.
		return h
	}
	for _, ch := range hp.Changes {
		h.Changes = append(h.Changes, jsonChangeOf(ch))
	}
	for _, r := range hp.Restarts {
		h.Restarts = append(h.Restarts, jsonRestart{App: r.App, Reasons: nonNil(r.Reasons), Pending: r.Pending, PendingSince: r.PendingSince})
	}
	for _, c := range hp.Checks {
		h.Checks = append(h.Checks, jsonCheck{Resource: c.Resource, Passed: c.Passed, Message: c.Message})
	}
	for _, ch := range hp.Drift {
		h.Drift = append(h.Drift, jsonDriftOf(ch))
	}
	return h
}

func jsonDriftOf(ch *engine.Change) jsonDrift {
	d := jsonDrift{Path: ch.Path, Kind: "attributes", Attributes: []jsonDriftAttr{}}
	if ch.LiveRows > 0 {
		n := ch.LiveRows
		d.Kind, d.LiveRows = "table", &n
		return d
	}
	for _, a := range ch.Attrs {
		ja := jsonDriftAttr{Name: a.Name, Sensitive: a.Sensitive}
		if !a.Sensitive {
			ja.Default, ja.Live = ptr(a.Before), ptr(a.After)
		}
		d.Attributes = append(d.Attributes, ja)
	}
	return d
}

func jsonChangeOf(ch *engine.Change) jsonChange {
	act := ch.Action
	jc := jsonChange{Action: act.String(), Resource: ch.Resource, Path: ch.Path, Key: []jsonField{}, Attributes: []jsonAttr{}}
	for _, k := range ch.Key {
		f := jsonField{Name: k.Name, Sensitive: k.Sensitive}
		if !k.Sensitive {
			f.Value = ptr(k.Value)
		}
		jc.Key = append(jc.Key, f)
	}
	for _, a := range ch.Attrs {
		ja := jsonAttr{Name: a.Name, Sensitive: a.Sensitive, BeforeUnknown: a.BeforeUnknown, Restart: a.Restart}
		ja.Before, ja.After = a.Visible(act)
		jc.Attributes = append(jc.Attributes, ja)
	}
	return jc
}

func ptr(s string) *string { return &s }
