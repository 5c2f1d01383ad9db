package review

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// rec is a journal record at sec seconds after t0.
func rec(sec int, run string, kind journal.Kind, r journal.Record) *journal.Record {
	r.Time = t0.Add(time.Duration(sec) * time.Second).Format(time.RFC3339)
	r.Run, r.Kind = run, kind
	return &r
}

// restartRun is a run that restarted app on each host, healthy after the
// stated seconds, and wrote writes values on the first host over span
// seconds.
func restartRun(run string, at int, app string, took map[string]string, writes, span int) []*journal.Record {
	hosts := sortedKeys(took) // run-start lists hosts in plan order
	out := []*journal.Record{rec(at, run, journal.KindRunStart, journal.Record{Operator: "alice@ctl1", Mode: "normal", RestartPolicy: "now", Hosts: hosts})}
	first := true
	for _, h := range sortedKeys(took) {
		if first && writes > 0 {
			out = append(out, rec(at, run, journal.KindPending, journal.Record{Host: h, App: app, Reason: "x changed"}))
			for range writes {
				out = append(out, rec(at+span, run, journal.KindReply, journal.Record{Host: h, Command: "set x 1", Reply: "restart"}))
			}
			out = append(out, rec(at+span, run, journal.KindVerify, journal.Record{Host: h, Path: "A/B", Outcome: "ok"}))
		}
		first = false
		out = append(out,
			rec(at+span, run, journal.KindRestart, journal.Record{Host: h, App: app, Outcome: "started"}),
			rec(at+span+1, run, journal.KindRestart, journal.Record{Host: h, App: app, Outcome: "healthy", Detail: "after " + took[h]}),
			rec(at+span+1, run, journal.KindHostEnd, journal.Record{Host: h, Outcome: "changed"}))
	}
	code := 0
	return append(out, rec(at+span+2, run, journal.KindRunEnd, journal.Record{ExitCode: &code}))
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func types(h string) string {
	if strings.HasPrefix(h, "as") {
		return "as"
	}
	return "xsp"
}

func TestHistoryEstimates(t *testing.T) {
	var recs []*journal.Record
	recs = append(recs, restartRun("R1", 0, "OpenClientServer", map[string]string{"xsp1": "40.0s", "xsp2": "50.0s", "xsp3": "44.5s"}, 4, 6)...)
	recs = append(recs, restartRun("R2", 100, "ExecutionServer", map[string]string{"as1": "90.0s", "as2": "100.0s"}, 0, 0)...)
	recs = append(recs, restartRun("R3", 200, "OpenClientServer", map[string]string{"xsp1": "1.0s"}, 0, 0)...)
	tests := map[string]struct {
		before, app, typ string
		want             Estimate
	}{
		"median of three on this type": {before: "R3", app: "OpenClientServer", typ: "xsp",
			want: Estimate{Seconds: 44.5, Samples: 3, Source: SourceHistory, Basis: "median of 3 restarts of OpenClientServer on xsp servers in the journal"}},
		"median of two is their mean": {app: "ExecutionServer", typ: "as",
			want: Estimate{Seconds: 95, Samples: 2, Source: SourceHistory, Basis: "median of 2 restarts of ExecutionServer on as servers in the journal"}},
		"a later run counts when not excluded": {app: "openclientserver", typ: "xsp",
			want: Estimate{Seconds: 42.3, Samples: 4, Source: SourceHistory, Basis: "median of 4 restarts of openclientserver on xsp servers in the journal"}},
		"another type's restarts": {before: "R3", app: "OpenClientServer", typ: "adp",
			want: Estimate{Seconds: 44.5, Samples: 3, Source: SourceHistoryAnyType, Basis: "median of 3 restarts of OpenClientServer on servers of other types in the journal"}},
		"unknown type": {before: "R3", app: "OpenClientServer",
			want: Estimate{Seconds: 44.5, Samples: 3, Source: SourceHistoryAnyType, Basis: "median of 3 restarts of OpenClientServer on any server (this one's type is unknown) in the journal"}},
		"never restarted": {app: "AuthenticationService", typ: "xsp",
			want: Estimate{Seconds: 60, Source: SourceDefault, Basis: "no restart of AuthenticationService on xsp servers in the journal: assumed 1m00s"}},
		"runs after the cut do not count": {before: "R2", app: "ExecutionServer", typ: "as",
			want: Estimate{Seconds: 60, Source: SourceDefault, Basis: "no restart of ExecutionServer on as servers in the journal: assumed 1m00s"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := NewHistory(recs, tc.before, types).Restart(tc.app, tc.typ)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("wrong result (-want +got):\n%s", d)
			}
		})
	}

	w := NewHistory(recs, "", types).Write()
	want := Estimate{Seconds: 1.5, Samples: 4, Source: SourceHistory, Basis: "average of 4 writes on 1 host in the journal (from a host's first record to its read-back)"}
	if d := cmp.Diff(want, w); d != "" {
		t.Errorf("wrong per-write estimate (-want +got):\n%s", d)
	}
	if got := NewHistory(nil, "", types).Write(); got.Source != SourceDefault || got.Seconds != DefaultWrite.Seconds() {
		t.Errorf("wrong result\ngot: %+v\nwant: the default %s", got, DefaultWrite)
	}
	if got := NewHistory(recs, "", types).Runs; got != 3 {
		t.Errorf("wrong result\ngot: %d runs\nwant: 3", got)
	}
}

func TestStatedDuration(t *testing.T) {
	for detail, want := range map[string]time.Duration{
		"after 1.2s": 1200 * time.Millisecond, "after 41.3s": 41300 * time.Millisecond, "after 2m0.5s": 120500 * time.Millisecond,
		"after": 0, "": 0, "after -1s": 0, "healthmon: not healthy": 0,
	} {
		if got := statedDuration(detail); got != want {
			t.Errorf("wrong result for %q\ngot: %s\nwant: %s", detail, got, want)
		}
	}
}

// A restart whose healthy record states no duration is measured between
// its records.
func TestRestartWithoutStatedDuration(t *testing.T) {
	recs := []*journal.Record{
		rec(0, "R1", journal.KindRunStart, journal.Record{Mode: "normal"}),
		rec(1, "R1", journal.KindRestart, journal.Record{Host: "xsp1", App: "OpenClientServer", Outcome: "started"}),
		rec(31, "R1", journal.KindRestart, journal.Record{Host: "xsp1", App: "OpenClientServer", Outcome: "healthy"}),
	}
	if got := NewHistory(recs, "", types).Restart("OpenClientServer", "xsp").Seconds; got != 30 {
		t.Errorf("wrong result\ngot: %v\nwant: 30", got)
	}
}

func hostPlan(name string, changes []*engine.Change, restarts ...*engine.Restart) *engine.HostPlan {
	return &engine.HostPlan{Name: name, Address: "10.0.0.1", Type: types(name), Release: "Rel_24.0_1.944",
		Changes: changes, Restarts: restarts}
}

func capOff() *engine.Change {
	return &engine.Change{Resource: "context.cap", Path: "Applications/OpenClientServer/CAPProxy", Action: engine.Update,
		Attrs: []*engine.AttrChange{{Name: "enabled", Before: "true", After: "false", Restart: "OpenClientServer"}}}
}

func ocs() *engine.Restart {
	return &engine.Restart{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}}
}

func inventory(names ...string) []*engine.Host {
	var out []*engine.Host
	for _, n := range names {
		g := "farm_" + n[len(n)-1:]
		out = append(out, &engine.Host{Name: n, Type: types(n), Groups: []string{types(n), g}})
	}
	return out
}

func batchNames(s Schedule) [][]string {
	var out [][]string
	for _, b := range s.Batches {
		var names []string
		for _, sl := range b.Hosts {
			names = append(names, sl.Host)
		}
		out = append(out, names)
	}
	return out
}

// TestScheduleIsApplysBatches: the batches are apply's (size, spread
// groups), and a host needing no restart goes first, in parallel.
func TestScheduleIsApplysBatches(t *testing.T) {
	snmp := &engine.Change{Resource: "context.snmp", Path: "Interface/SNMP/Agent", Action: engine.Update,
		Attrs: []*engine.AttrChange{{Name: "port", Before: "161", After: "8161"}}}
	p := &engine.Plan{Mode: "normal", Hosts: []*engine.HostPlan{
		hostPlan("xsp1", []*engine.Change{capOff()}, ocs()),
		hostPlan("xsp2", []*engine.Change{capOff()}, ocs()),
		hostPlan("xsp3", []*engine.Change{capOff()}, ocs()),
		hostPlan("xsp4", []*engine.Change{snmp}),
		hostPlan("xsq1", nil, &engine.Restart{App: "OpenClientServer", Pending: true, PendingSince: "R0"}),
	}}
	// xsp1 and xsq1 are both in farm_1: never in one batch.
	ro := engine.Rollout{BatchSize: 2, SpreadGroups: []string{"farm_1", "farm_2", "farm_3"}, MaxPerGroup: 1, HealthTimeout: time.Minute}
	r := Build(Input{Plan: p, Hosts: inventory("xsp1", "xsp2", "xsp3", "xsp4", "xsq1"), Rollout: ro, Catalogue: catalog.New(), Now: t0})
	s := r.Schedule
	if d := cmp.Diff([][]string{{"xsp1", "xsp2"}, {"xsp3", "xsq1"}}, batchNames(s)); d != "" {
		t.Errorf("wrong batches (-want +got):\n%s", d)
	}
	if len(s.Unbatched) != 1 || s.Unbatched[0].Host != "xsp4" || s.Unbatched[0].Writes != 1 {
		t.Errorf("wrong result\ngot: unbatched %+v\nwant: xsp4 with 1 write", s.Unbatched)
	}
	// Defaults: 5s per host, 2s per write, 60s per restart.
	if s.UnbatchedSeconds != 7 || s.Batches[0].StartSeconds != 7 || s.Batches[0].Seconds != 67 || s.Batches[1].StartSeconds != 74 || s.TotalSeconds != 141 {
		t.Errorf("wrong timing\ngot: unbatched %v, batch 1 at %v for %v, batch 2 at %v, total %v\nwant: 7, 7 for 67, 74, 141",
			s.UnbatchedSeconds, s.Batches[0].StartSeconds, s.Batches[0].Seconds, s.Batches[1].StartSeconds, s.TotalSeconds)
	}
	if got := r.Hosts[4]; got.Work != WorkRestart || got.Batch != 2 || got.PendingRestarts[0].Action != "restart in batch 2" {
		t.Errorf("wrong result\ngot: %+v\nwant: xsq1 restarted in batch 2", got)
	}
	if n := len(s.Timeline.Lanes); n != 5 || len(s.Timeline.Marks) != 2 {
		t.Errorf("wrong result\ngot: %d lanes, %d marks\nwant: 5 lanes, 2 marks", n, len(s.Timeline.Marks))
	}
}

// TestRestartPolicies: defer and never restart nothing; their hosts are
// written in parallel and the restarts stay pending or are skipped.
func TestRestartPolicies(t *testing.T) {
	p := &engine.Plan{Mode: "normal", Hosts: []*engine.HostPlan{
		hostPlan("xsp1", []*engine.Change{capOff()}, ocs()),
		hostPlan("xsp2", nil, &engine.Restart{App: "OpenClientServer", Pending: true, PendingSince: "R0"}),
	}}
	for policy, want := range map[engine.RestartPolicy]AppRestarts{
		engine.RestartDefer: {App: "OpenClientServer", Hosts: []string{}, Pending: []string{"xsp1", "xsp2"}, NotRestarted: []string{}},
		engine.RestartNever: {App: "OpenClientServer", Hosts: []string{}, Pending: []string{}, NotRestarted: []string{"xsp1", "xsp2"}},
		engine.RestartNow:   {App: "OpenClientServer", Hosts: []string{"xsp1", "xsp2"}, Pending: []string{}, NotRestarted: []string{}},
	} {
		t.Run(string(policy), func(t *testing.T) {
			r := Build(Input{Plan: p, Hosts: inventory("xsp1", "xsp2"), Rollout: engine.DefaultRollout(), RestartPolicy: policy, Catalogue: catalog.New(), Now: t0})
			if d := cmp.Diff([]AppRestarts{want}, r.Impact.Restarts); d != "" {
				t.Errorf("wrong restarts (-want +got):\n%s", d)
			}
			if policy != engine.RestartNow {
				if len(r.Schedule.Batches) != 0 || len(r.Schedule.Unbatched) != 1 || len(r.Impact.Interruptions) != 0 {
					t.Errorf("wrong result\ngot: %d batches, %d unbatched, %d interruptions\nwant: 0, 1 (xsp1), 0",
						len(r.Schedule.Batches), len(r.Schedule.Unbatched), len(r.Impact.Interruptions))
				}
				if len(r.Impact.LeftAlone) != 1 || !strings.Contains(r.Impact.LeftAlone[0].Text, "stays pending (restart policy "+string(policy)+")") {
					t.Errorf("wrong result\ngot: %+v\nwant: xsp2 left alone, its restart pending", r.Impact.LeftAlone)
				}
			}
		})
	}
}

// TestNoSensitiveValueInTheDocument: a plan in memory holds sensitive
// values; the document holds none, and says what apply will type.
func TestNoSensitiveValueInTheDocument(t *testing.T) {
	snmp := &engine.Change{Resource: "context.snmp", Path: "Interface/SNMP/Agent", Action: engine.Update,
		Attrs: []*engine.AttrChange{{Name: "readCommunity", Before: "0ldS3cretX", After: "n3wS3cretY", Sensitive: true}}}
	row := &engine.Change{Resource: "table.t", Path: "System/Secrets", Action: engine.Create,
		Key: []engine.Field{{Name: "name", Value: "k3yS3cretZ", Sensitive: true}}, Attrs: []*engine.AttrChange{{Name: "v", After: "n3wS3cretY", Sensitive: true}}}
	p := &engine.Plan{Mode: "normal", Hosts: []*engine.HostPlan{hostPlan("xsp1", []*engine.Change{snmp, row})}}
	r := Build(Input{Plan: p, Hosts: inventory("xsp1"), Rollout: engine.DefaultRollout(), Catalogue: catalog.New(), Now: t0})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"0ldS3cretX", "n3wS3cretY", "k3yS3cretZ"} {
		if strings.Contains(string(b), s) {
			t.Errorf("wrong result: the document holds %q", s)
		}
	}
	if got := r.Hosts[0].Changes[0].Commands; len(got) != 1 || got[0] != "set readCommunity (sensitive)" {
		t.Errorf("wrong result\ngot: %q\nwant: [set readCommunity (sensitive)]", got)
	}
	if got := r.Rollback.Manual; len(got) != 1 || !strings.Contains(got[0], "readCommunity is sensitive and cannot be reverted") {
		t.Errorf("wrong result\ngot: %q\nwant: readCommunity to restore by hand", got)
	}
}

func TestRollbackIsTheRevertPlan(t *testing.T) {
	p := &engine.Plan{Mode: "normal", Hosts: []*engine.HostPlan{hostPlan("xsp1", []*engine.Change{capOff()}, ocs()),
		{Name: "xsp2", Type: "xsp", Error: "unreachable"}}}
	r := Build(Input{Plan: p, Hosts: inventory("xsp1", "xsp2"), Rollout: engine.DefaultRollout(), Catalogue: catalog.New(), Now: t0})
	want := Rollback{
		Command: "bwstate apply .bwstate/runs/RUN/revert.json",
		Hosts: []RollbackHost{{Host: "xsp1", Restarts: []string{"restartbw OpenClientServer"},
			Steps: []RollbackStep{{Path: "Applications/OpenClientServer/CAPProxy", Key: []Field{}, Commands: []string{"set enabled true"}}}}},
		Manual: []string{},
	}
	if d := cmp.Diff(want, r.Rollback); d != "" {
		t.Errorf("wrong rollback (-want +got):\n%s", d)
	}
}

func TestTitles(t *testing.T) {
	many := &engine.Plan{Mode: "normal"}
	for _, n := range []string{"xsp1", "xsp2", "xsp3", "xsp4", "xsp5"} {
		many.Hosts = append(many.Hosts, hostPlan(n, []*engine.Change{capOff()}, ocs()))
	}
	tests := map[string]struct {
		p    *engine.Plan
		file string
		want string
	}{
		"changes":   {p: many, want: "Change context.cap on 5 hosts (xsp1, xsp2, xsp3, xsp4 and 1 more)"},
		"revert":    {p: &engine.Plan{Mode: "revert"}, file: "/cfg/.bwstate/runs/20261127T101500Z/revert.json", want: "Revert of run 20261127T101500Z"},
		"no change": {p: &engine.Plan{Mode: "normal", Hosts: []*engine.HostPlan{hostPlan("xsp1", nil)}}, want: "No changes (1 host in the desired state)"},
		"pending": {p: &engine.Plan{Mode: "normal", Hosts: []*engine.HostPlan{hostPlan("xsp1", nil, &engine.Restart{App: "OpenClientServer", Pending: true})}},
			want: "Pending restarts (1 restart)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := Build(Input{Plan: tc.p, PlanFile: tc.file, Rollout: engine.DefaultRollout(), Now: t0})
			if r.Header.Title != tc.want || !r.Header.TitleDerived {
				t.Errorf("wrong result\ngot: %q (derived %v)\nwant: %q", r.Header.Title, r.Header.TitleDerived, tc.want)
			}
		})
	}
	r := Build(Input{Plan: many, Title: "CHG-1", Rollout: engine.DefaultRollout(), Now: t0})
	if r.Header.Title != "CHG-1" || r.Header.TitleDerived {
		t.Errorf("wrong result\ngot: %q\nwant: the given title", r.Header.Title)
	}
}

// TestConfigurationChangedSincePlan: the reviewer is warned that apply
// will refuse the plan.
func TestConfigurationChangedSincePlan(t *testing.T) {
	p := &engine.Plan{Mode: "normal", ConfigHash: "aaaa", Hosts: []*engine.HostPlan{hostPlan("xsp1", []*engine.Change{capOff()}, ocs())}}
	r := Build(Input{Plan: p, ConfigHash: "bbbb", Rollout: engine.DefaultRollout(), Now: t0})
	if r.Header.Configuration.MatchesPlan || len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "apply will refuse the plan") {
		t.Errorf("wrong result\ngot: matches %v, warnings %q\nwant: a warning that apply refuses the plan", r.Header.Configuration.MatchesPlan, r.Warnings)
	}
}

func TestBuildRun(t *testing.T) {
	recs := restartRun("R1", 0, "OpenClientServer", map[string]string{"xsp1": "40.0s"}, 2, 4)
	recs = append(recs, restartRun("R2", 100, "OpenClientServer", map[string]string{"xsp1": "30.0s", "xsp2": "31.0s"}, 1, 2)...)
	rec2, err := BuildRun(RunInput{Records: recs, Run: "R2", Hosts: inventory("xsp1", "xsp2")})
	if err != nil {
		t.Fatal(err)
	}
	// The estimates of R2 come from R1 only: 40s per restart, 2s per write.
	h := rec2.Hosts[0]
	if h.Restarts[0].Estimate.Seconds != 40 || h.Restarts[0].Seconds != 30 || h.Restarts[0].Outcome != "healthy" {
		t.Errorf("wrong result\ngot: %+v\nwant: 30s actual against 40s estimated", h.Restarts[0])
	}
	if h.EstimateSeconds != 47 || h.Writes != 1 || !h.Contacted || h.Outcome != "changed" {
		t.Errorf("wrong result\ngot: estimate %v, %d writes, contacted %v, %s\nwant: 5 + 1x2 + 40 = 47, 1 write, contacted, changed", h.EstimateSeconds, h.Writes, h.Contacted, h.Outcome)
	}
	if !rec2.Run.Complete || rec2.Run.ExitCode == nil || *rec2.Run.ExitCode != 0 || rec2.Counts["changed"] != 2 {
		t.Errorf("wrong result\ngot: %+v, counts %v\nwant: complete, exit 0, 2 changed", rec2.Run, rec2.Counts)
	}
	if len(rec2.Timeline.Lanes) != 2 || len(rec2.Timeline.Lanes[0].Windows) != 1 {
		t.Errorf("wrong result\ngot: %+v\nwant: 2 lanes with a restart window each", rec2.Timeline.Lanes)
	}
	// A restart stated as 30s lasts past its records' one second: the
	// run is at least that long.
	if rec2.ActualSeconds < 30 {
		t.Errorf("wrong result\ngot: %v\nwant: at least the 30s restart", rec2.ActualSeconds)
	}

	var noRun *ErrNoRun
	if _, err := BuildRun(RunInput{Records: recs, Run: "R9"}); !errors.As(err, &noRun) {
		t.Errorf("wrong result\ngot: %v\nwant: ErrNoRun", err)
	}
}

// TestIncompleteRun: a run killed mid-restart has no host-end and no
// run-end; the record says so and keeps the restart pending.
func TestIncompleteRun(t *testing.T) {
	recs := []*journal.Record{
		rec(0, "R1", journal.KindRunStart, journal.Record{Mode: "normal", RestartPolicy: "now", Hosts: []string{"xsp1", "xsp2"}}),
		rec(1, "R1", journal.KindPending, journal.Record{Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed"}),
		rec(2, "R1", journal.KindReply, journal.Record{Host: "xsp1", Command: "set enabled false", Reply: "restart"}),
		rec(3, "R1", journal.KindRestart, journal.Record{Host: "xsp1", App: "OpenClientServer", Outcome: "started"}),
	}
	r, err := BuildRun(RunInput{Records: recs, Run: "R1"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Run.Complete || r.Hosts[0].Outcome != "unknown" || r.Hosts[0].Restarts[0].Outcome != "started" {
		t.Errorf("wrong result\ngot: complete %v, %q, restart %q\nwant: incomplete, unknown, started", r.Run.Complete, r.Hosts[0].Outcome, r.Hosts[0].Restarts[0].Outcome)
	}
	if d := cmp.Diff([]PendingRestart{{Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed"}}, r.PendingLeft); d != "" {
		t.Errorf("wrong pending (-want +got):\n%s", d)
	}
	if r.Hosts[1].Contacted || len(r.Notes) < 2 {
		t.Errorf("wrong result\ngot: xsp2 contacted %v, notes %q\nwant: xsp2 not contacted; notes on the missing run-end and configuration", r.Hosts[1].Contacted, r.Notes)
	}
}

// TestJournalTextMasksSensitiveValues: a change record of a sensitive
// attribute reads (sensitive) whatever it holds.
func TestJournalTextMasksSensitiveValues(t *testing.T) {
	r := &journal.Record{Kind: journal.KindChange, Path: "Interface/SNMP/Agent", Action: "update", Attr: "readCommunity",
		Before: journal.Str("leak1"), After: journal.Str("leak2"), Sensitive: true}
	if got, want := changeText(r), "set Interface/SNMP/Agent readCommunity: (sensitive) -> (sensitive)"; got != want {
		t.Errorf("wrong result\ngot:  %q\nwant: %q", got, want)
	}
	r = &journal.Record{Kind: journal.KindChange, Path: "System/T", Action: "create", Key: []engine.Field{{Name: "k", Value: "leak3", Sensitive: true}}, Attr: "v", After: journal.Str("a b")}
	if got, want := changeText(r), `add System/T [k=(sensitive)] v = "a b"`; got != want {
		t.Errorf("wrong result\ngot:  %q\nwant: %q", got, want)
	}
}

func TestDuration(t *testing.T) {
	for sec, want := range map[float64]string{0: "0s", 0.25: "0.3s", 5: "5s", 9.96: "10s", 41.3: "41s", 59.6: "1m00s", 65: "1m05s", 3599.6: "1h00m", 3725: "1h02m"} {
		if got := Duration(sec); got != want {
			t.Errorf("wrong result for %v\ngot: %q\nwant: %q", sec, got, want)
		}
	}
}

// TestLeftAloneSaysWhy: a host plan never contacted (nothing concerns it)
// and a host a -target left out are both left alone, each with its reason.
func TestLeftAloneSaysWhy(t *testing.T) {
	p := &engine.Plan{Mode: "normal", Hosts: []*engine.HostPlan{hostPlan("xsp1", []*engine.Change{capOff()}, ocs())},
		LeftAlone: []string{"as1"}, Targets: []string{"xsp1", "as1"}}
	r := Build(Input{Plan: p, Hosts: inventory("xsp1", "as1", "as2"), Rollout: engine.DefaultRollout(), Now: t0})
	want := []HostNote{
		{Host: "as1", Text: "not contacted: nothing in the configuration concerns it"},
		{Host: "as2", Text: "not in this plan (left out by -target or -exclude)"},
	}
	if diff := cmp.Diff(want, r.Impact.LeftAlone); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

// TestAddedRowIsOneEvent: the journal records an added row one column per
// record; the run's log shows each row as one line, and a second row of
// the same table (no key: the Scheduler) as another.
func TestAddedRowIsOneEvent(t *testing.T) {
	change := func(at int, attr, value string) *journal.Record {
		return rec(at, "R1", journal.KindChange, journal.Record{Host: "dbs1", Path: "Maintenance/Scheduler", Action: "create", Attr: attr, After: journal.Str(value)})
	}
	recs := []*journal.Record{
		rec(0, "R1", journal.KindRunStart, journal.Record{Mode: "normal", RestartPolicy: "now", Hosts: []string{"dbs1"}}),
		change(1, "name", "report"), change(1, "frequency", "daily"), change(1, "hour", "23"),
		change(1, "name", "poll"), change(1, "frequency", "minute"),
		rec(2, "R1", journal.KindChange, journal.Record{Host: "dbs1", Path: "Maintenance/Scheduler", Action: "delete", Key: []engine.Field{{Name: "id", Value: "2"}}}),
		change(3, "name", "late"),
	}
	r, err := BuildRun(RunInput{Records: recs, Run: "R1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range r.Hosts[0].Events {
		got = append(got, e.Text)
	}
	want := []string{
		"add Maintenance/Scheduler name = report, frequency = daily, hour = 23",
		"add Maintenance/Scheduler name = poll, frequency = minute",
		"delete Maintenance/Scheduler [id=2]",
		"add Maintenance/Scheduler name = late",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong events (-want +got):\n%s", d)
	}
}
