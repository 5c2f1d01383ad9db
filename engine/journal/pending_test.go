package journal

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
)

// TestPendingSplitsJoinedReasons: apply journals one pending record per
// restart with every reason joined by "; ". Read back, each reason is its
// own entry, so a plan merging the reasons it needs again (or a second
// record repeating one) lists each reason once.
func TestPendingSplitsJoinedReasons(t *testing.T) {
	tests := []struct {
		name string
		recs []*Record
		want []string
	}{
		{
			name: "joined reasons",
			recs: []*Record{{Run: "r1", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed; OCIProxy changed"}},
			want: []string{"CAPProxy changed", "OCIProxy changed"},
		},
		{
			name: "a later run repeats one",
			recs: []*Record{
				{Run: "r1", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed; OCIProxy changed"},
				{Run: "r2", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "OCIProxy changed; GeneralSettings changed"},
			},
			want: []string{"CAPProxy changed", "OCIProxy changed", "GeneralSettings changed"},
		},
		{
			name: "one reason",
			recs: []*Record{{Run: "r1", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed"}},
			want: []string{"CAPProxy changed"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := openAt(t, t.TempDir(), t0, nil)
			appendAll(t, j, tc.recs...)
			got, err := j.Pending()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]*engine.Restart{
				"xsp1": {{App: "OpenClientServer", Pending: true, PendingSince: "r1", Reasons: tc.want}},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("wrong result (-want +got):\n%s", d)
			}
		})
	}
}

// A restart made whose application was not healthy in time stays pending,
// marked unhealthy with the run that made it; a later restart attempt or a
// later change needing it takes the mark away. Journals of earlier
// versions wrote "timeout" for the same thing.
func TestPendingUnhealthy(t *testing.T) {
	j := openAt(t, t.TempDir(), t0, nil)
	const app = "OpenClientServer"
	appendAll(t, j,
		&Record{Run: "r1", Kind: KindPending, Host: "xsp1", App: app, Reason: "CAPProxy changed"},
		&Record{Run: "r1", Kind: KindRestart, Host: "xsp1", App: app, Outcome: RestartStarted},
		&Record{Run: "r1", Kind: KindRestart, Host: "xsp1", App: app, Outcome: RestartUnhealthy, Detail: "not healthy within 2s: OpenClientServer is Starting"},
		&Record{Run: "r1", Kind: KindPending, Host: "xsp2", App: app, Reason: "CAPProxy changed"},
		&Record{Run: "r1", Kind: KindRestart, Host: "xsp2", App: app, Outcome: RestartTimeout, Detail: "old words"},
		&Record{Run: "r2", Kind: KindPending, Host: "xsp2", App: app, Reason: "OCIProxy changed"},
		&Record{Run: "r1", Kind: KindPending, Host: "xsp3", App: app, Reason: "CAPProxy changed"},
		&Record{Run: "r1", Kind: KindRestart, Host: "xsp3", App: app, Outcome: RestartTimeout},
		&Record{Run: "r2", Kind: KindRestart, Host: "xsp3", App: app, Outcome: RestartStarted},
		&Record{Run: "r1", Kind: KindPending, Host: "xsp4", App: app, Reason: "CAPProxy changed"},
		&Record{Run: "r1", Kind: KindRestart, Host: "xsp4", App: app, Outcome: RestartTimeout},
	)
	got, err := j.Pending()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]*engine.Restart{
		"xsp1": {{App: app, Pending: true, PendingSince: "r1", Reasons: []string{"CAPProxy changed"},
			Unhealthy: "not healthy within 2s: OpenClientServer is Starting", RestartedIn: "r1"}},
		"xsp2": {{App: app, Pending: true, PendingSince: "r1", Reasons: []string{"CAPProxy changed", "OCIProxy changed"}}},
		"xsp3": {{App: app, Pending: true, PendingSince: "r1", Reasons: []string{"CAPProxy changed"}}},
		"xsp4": {{App: app, Pending: true, PendingSince: "r1", Reasons: []string{"CAPProxy changed"},
			Unhealthy: "not healthy within the health timeout", RestartedIn: "r1"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}
}

// A pending restart keeps the release of its last pending record: that is
// the release whose upgrade would have done it.
func TestPendingRelease(t *testing.T) {
	j := openAt(t, t.TempDir(), t0, nil)
	appendAll(t, j,
		&Record{Run: "r1", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed", Release: "Rel_21.0_1.551"},
		&Record{Run: "r2", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "OCIProxy changed", Release: "Rel_22.0_1.1123"},
		&Record{Run: "r1", Kind: KindPending, Host: "xsp2", App: "OpenClientServer", Reason: "CAPProxy changed"},
	)
	got, err := j.Pending()
	if err != nil {
		t.Fatal(err)
	}
	if r := got["xsp1"][0]; r.Release != "Rel_22.0_1.1123" || r.PendingSince != "r1" {
		t.Errorf("wrong result\ngot: %+v\nwant: pending since r1, on Rel_22.0_1.1123", r)
	}
	if r := got["xsp2"][0]; r.Release != "" {
		t.Errorf("wrong result\ngot: release %q\nwant: none recorded", r.Release)
	}
}
