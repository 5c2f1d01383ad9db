package apply

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

// TestRefusedFirstChangeLeavesNothingPending: when the server refuses a
// host's first change nothing changed there, so the restart this run
// journaled as pending is withdrawn (a later plan must not offer to
// restart an application whose configuration never changed). A restart
// left pending by an earlier run stays, and so does this run's when a
// change was accepted before the refusal.
func TestRefusedFirstChangeLeavesNothingPending(t *testing.T) {
	const refusal = "[CLIError] Command set: Failed to update the configuration"
	tests := []struct {
		name      string
		refuse    string // attribute whose set is refused
		earlier   bool   // the restart was already pending from run r0
		wantSince []string
	}{
		{name: "first set refused", refuse: "enabled", wantSince: nil},
		{name: "second set refused", refuse: "serverPort", wantSince: []string{"this run"}},
		{name: "pending from an earlier run", refuse: "enabled", earlier: true, wantSince: []string{"r0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "xsp1")
			h.fleet.hosts["xsp1"].cliErrOn[tc.refuse] = refusal
			rs := ocsRestart()
			if tc.earlier {
				if err := h.j.Append(&journal.Record{Run: "r0", Kind: journal.KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed"}); err != nil {
					t.Fatal(err)
				}
				rs.Pending, rs.PendingSince = true, "r0"
			}
			p := plan(hostPlan("xsp1", []*engine.Change{
				update(capPath, attr("enabled", "true", "false", "OpenClientServer"), attr("serverPort", "2206", "2300", "OpenClientServer")),
			}, rs))
			res := h.run(t, h.options(p, now()))
			if hr := h.result(res, "xsp1"); hr.Outcome != OutcomeFailed {
				t.Fatalf("wrong outcome\ngot: %s: %s\nwant: failed", hr.Outcome, hr.Reason)
			}
			pending, err := h.j.Pending()
			if err != nil {
				t.Fatal(err)
			}
			var since []string
			for _, r := range pending["xsp1"] {
				s := r.PendingSince
				if s == res.RunID {
					s = "this run"
				}
				since = append(since, s)
			}
			if d := cmp.Diff(tc.wantSince, since); d != "" {
				t.Errorf("wrong pending restarts (-want +got):\n%s", d)
			}
			var left []string
			for _, r := range h.result(res, "xsp1").PendingLeft {
				left = append(left, r.App)
			}
			if len(left) != len(tc.wantSince) {
				t.Errorf("wrong result\ngot: PendingLeft %v\nwant: %d", left, len(tc.wantSince))
			}
		})
	}
}
