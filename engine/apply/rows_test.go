package apply

import (
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
)

// TestAddToNumberedTable: a row added to a table whose ids the server
// assigns has no key, so "does it exist already" is a question about its
// values: other rows must not make the host look stale, a row with the same
// values must.
func TestAddToNumberedTable(t *testing.T) {
	const sched = "Maintenance/Scheduler"
	tests := []struct {
		name        string
		live        []map[string]string
		wantOutcome Outcome
		wantReason  string
	}{
		{
			name:        "other rows present",
			live:        []map[string]string{{"id": "1", "name": "backup", "hour": "2"}},
			wantOutcome: OutcomeChanged,
		},
		{
			name:        "the same row appeared since planning",
			live:        []map[string]string{{"id": "1", "name": "rotate", "hour": "3"}},
			wantOutcome: OutcomeStale,
			wantReason:  "stale plan: xsp1 Maintenance/Scheduler row name=rotate,hour=3 now exists, was absent when planned",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "xsp1")
			h.fleet.hosts["xsp1"].rows["maintenance/scheduler"] = tc.live
			add := &engine.Change{Resource: "table.s", Path: sched, Action: engine.Create,
				Attrs: []*engine.AttrChange{{Name: "name", After: "rotate"}, {Name: "hour", After: "3"}}}
			res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{add})), now()))
			hr := h.result(res, "xsp1")
			if hr.Outcome != tc.wantOutcome || !strings.Contains(hr.Reason, tc.wantReason) {
				t.Errorf("wrong result\ngot: %s: %s\nwant: %s: %s", hr.Outcome, hr.Reason, tc.wantOutcome, tc.wantReason)
			}
		})
	}
}

// TestKeyOnlyRowRestartsItsApplication: a table whose rows are only a key
// (OCIProxy/LoginLevelAllowed) has no attribute naming the restart; the
// server's restart warning is the context's application's, not an
// unknown one left pending for an operator.
func TestKeyOnlyRowRestartsItsApplication(t *testing.T) {
	const levels = "Applications/OpenClientServer/OCIProxy/LoginLevelAllowed"
	h := newHarness(t, "xsp1")
	h.cat.contexts = append(h.cat.contexts, &engine.Context{Path: levels, Kind: engine.TableContext, Restart: "OpenClientServer",
		Attributes: []engine.Attribute{{Name: "loginLevel", Key: true, Column: "Login Level"}}})
	fh := h.fleet.hosts["xsp1"]
	fh.rows[strings.ToLower(levels)] = []map[string]string{}
	fh.restartWarn[strings.ToLower(levels)] = true
	add := &engine.Change{Resource: "table.l", Path: levels, Action: engine.Create,
		Key: []engine.Field{{Name: "loginLevel", Value: "System"}}}
	res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{add}, ocsRestart("LoginLevelAllowed changed"))), now()))
	hr := h.result(res, "xsp1")
	if hr.Outcome != OutcomeChanged || len(hr.Warnings) > 0 {
		t.Errorf("wrong result\ngot: %s %q, warnings %q\nwant: changed, no warning", hr.Outcome, hr.Reason, hr.Warnings)
	}
	if got := h.fleet.Calls("restart"); len(got) != 1 || got[0] != "xsp1 restart OpenClientServer" {
		t.Errorf("wrong restarts\ngot: %q\nwant: [xsp1 restart OpenClientServer]", got)
	}
	pending, err := h.j.Pending()
	if err != nil {
		t.Fatal(err)
	}
	if len(pending["xsp1"]) != 0 {
		t.Errorf("wrong result\ngot: pending %v\nwant: nothing pending", pending["xsp1"])
	}
}
