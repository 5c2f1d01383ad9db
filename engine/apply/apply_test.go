package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/planfile"
)

func TestOneRestartPerAppPerHost(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2")
	p := plan(
		hostPlan("xsp1", []*engine.Change{
			update(capPath, attr("enabled", "true", "false", "OpenClientServer"), attr("serverPort", "2206", "2207", "OpenClientServer")),
			update(gsPath, attr("clientPort", "2208", "2210", "OpenClientServer")),
		}, ocsRestart("CAPProxy changed", "GeneralSettings changed")),
		hostPlan("xsp2", []*engine.Change{update(snmp, attr("port", "8001", "8002", ""))}),
	)
	res := h.run(t, h.options(p, now()))

	want := []string{
		"xsp1 exec set " + capPath + " enabled=false",
		"xsp1 exec set " + capPath + " serverPort=2207",
		"xsp1 exec set " + gsPath + " clientPort=2210",
		"xsp1 restart OpenClientServer",
		"xsp2 exec set " + snmp + " port=8002",
	}
	got := h.fleet.Calls("exec", "restart")
	slices.Sort(got)
	slices.Sort(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong calls (-want +got):\n%s", d)
	}
	if res.ExitCode != ExitOK {
		t.Errorf("wrong result\ngot: exit %d\nwant: 0", res.ExitCode)
	}
	for _, name := range []string{"xsp1", "xsp2"} {
		if hr := h.result(res, name); hr.Outcome != OutcomeChanged {
			t.Errorf("%s: wrong result\ngot: %s (%s)\nwant: changed", name, hr.Outcome, hr.Reason)
		}
	}
	if d := cmp.Diff([]string{"OpenClientServer"}, h.result(res, "xsp1").Restarted); d != "" {
		t.Errorf("wrong restarted (-want +got):\n%s", d)
	}
	pending, err := h.j.Pending()
	if err != nil || len(pending) != 0 {
		t.Errorf("wrong result\ngot: %v, %v\nwant: nothing pending after a healthy restart", pending, err)
	}
	wantSteps := []string{
		"connected",
		"set: set enabled = false (restart required)",
		"set: set serverPort = 2207 (restart required)",
		"set: set clientPort = 2210 (restart required)",
		"verify: read back 2 context(s): as planned",
		"restarting OpenClientServer",
		"healthy OpenClientServer",
		"done: changed",
	}
	if d := cmp.Diff(wantSteps, h.hook.lines("xsp1")); d != "" {
		t.Errorf("wrong hook events (-want +got):\n%s", d)
	}
}

func TestPendingIsJournaledBeforeTheFirstChange(t *testing.T) {
	h := newHarness(t, "xsp1")
	res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart())), now()))
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, h.result(res, "xsp1").Reason)
	}
	recs, _ := h.j.Records()
	var kinds []string
	for _, r := range recs {
		k := string(r.Kind)
		if r.Kind == journal.KindRestart || r.Kind == journal.KindReply || r.Kind == journal.KindHostEnd || r.Kind == journal.KindVerify {
			k += " " + r.Outcome + r.Reply
		}
		kinds = append(kinds, k)
	}
	want := []string{"run-start", "pending", "change", "reply restart", "verify ok", "restart started", "restart healthy", "pending-cleared", "host-end changed", "run-end"}
	if d := cmp.Diff(want, kinds); d != "" {
		t.Errorf("wrong journal (-want +got):\n%s", d)
	}
	if _, held, _ := h.j.LockHolder(); held {
		t.Error("the lock was not released after the run")
	}
	if recs[0].Operator != "tester@ctl" || recs[0].Mode != "normal" || recs[0].RestartPolicy != "now" || recs[0].PlanHash == "" || recs[0].ConfigHash != "cfg" {
		t.Errorf("wrong run-start: %+v", recs[0])
	}
	if c := recs[2]; c.Host != "xsp1" || c.Attr != "enabled" || *c.Before != "true" || *c.After != "false" {
		t.Errorf("wrong change record: %+v", c)
	}
	if c := recs[7]; c.App != "OpenClientServer" || c.Since != res.RunID {
		t.Errorf("wrong pending-cleared record: %+v", c)
	}
}

func TestBatches(t *testing.T) {
	mk := func(names ...string) []*job {
		var jobs []*job
		for _, n := range names {
			g := strings.SplitN(n, "-", 2)[0]
			jobs = append(jobs, &job{hp: &engine.HostPlan{Name: n}, host: &engine.Host{Name: n, Groups: []string{"all", g}}})
		}
		return jobs
	}
	tests := map[string]struct {
		ro    engine.Rollout
		hosts []string
		want  [][]string
	}{
		"size 2 over 5": {ro: engine.Rollout{BatchSize: 2}, hosts: []string{"a", "b", "c", "d", "e"},
			want: [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		"size 0 means 1": {ro: engine.Rollout{}, hosts: []string{"a", "b"}, want: [][]string{{"a"}, {"b"}}},
		"40 percent of 5 rounds up to 2": {ro: engine.Rollout{BatchPercent: 40}, hosts: []string{"a", "b", "c", "d", "e"},
			want: [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		"50 percent of 5 is 3": {ro: engine.Rollout{BatchPercent: 50}, hosts: []string{"a", "b", "c", "d", "e"},
			want: [][]string{{"a", "b", "c"}, {"d", "e"}}},
		"1 percent is at least 1": {ro: engine.Rollout{BatchPercent: 1}, hosts: []string{"a", "b"}, want: [][]string{{"a"}, {"b"}}},
		"spread: farm pairs never together": {
			ro:    engine.Rollout{BatchSize: 2, SpreadGroups: []string{"farmA", "farmB"}, MaxPerGroup: 1},
			hosts: []string{"farmA-1", "farmA-2", "farmB-1", "farmB-2", "farmC-1"},
			want:  [][]string{{"farmA-1", "farmB-1"}, {"farmA-2", "farmB-2"}, {"farmC-1"}}},
		"spread: groups not listed do not limit": {
			ro:    engine.Rollout{BatchSize: 3, SpreadGroups: []string{"farmA"}, MaxPerGroup: 1},
			hosts: []string{"farmA-1", "farmA-2", "farmB-1", "farmB-2"},
			want:  [][]string{{"farmA-1", "farmB-1", "farmB-2"}, {"farmA-2"}}},
		"spread: max_per_group 2": {
			ro:    engine.Rollout{BatchSize: 4, SpreadGroups: []string{"farmA"}, MaxPerGroup: 2},
			hosts: []string{"farmA-1", "farmA-2", "farmA-3", "farmB-1"},
			want:  [][]string{{"farmA-1", "farmA-2", "farmB-1"}, {"farmA-3"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got [][]string
			for _, b := range Batches(mk(tc.hosts...), jobGroups, tc.ro) {
				var names []string
				for _, jb := range b {
					names = append(names, jb.hp.Name)
				}
				got = append(got, names)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("wrong result (-want +got):\n%s", d)
			}
		})
	}
}

func TestBatchWaitsForHealthOfThePrevious(t *testing.T) {
	names := []string{"xsp1", "xsp2", "xsp3", "xsp4", "xsp5"}
	h := newHarness(t, names...)
	// Each batch's hosts must be waiting for health together, or the
	// barrier fails them: proof that batches are 2, 2, 1.
	for _, group := range [][]string{{"xsp1", "xsp2"}, {"xsp3", "xsp4"}, {"xsp5"}} {
		b := newBarrier(len(group))
		for _, n := range group {
			h.fleet.hosts[n].healthBarrier = b
		}
	}
	var hps []*engine.HostPlan
	for _, n := range names {
		hps = append(hps, hostPlan(n, []*engine.Change{capOff()}, ocsRestart()))
	}
	ro := now()
	ro.BatchSize = 2
	res := h.run(t, h.options(plan(hps...), ro))
	if res.ExitCode != 0 {
		for _, hr := range res.Hosts {
			t.Logf("%s: %s %s", hr.Name, hr.Outcome, hr.Reason)
		}
		t.Fatalf("wrong result\ngot: exit %d\nwant: 0", res.ExitCode)
	}
	batches := [][]string{{"xsp1", "xsp2"}, {"xsp3", "xsp4"}, {"xsp5"}}
	for i := 1; i < len(batches); i++ {
		lastHealthy := 0
		for _, n := range batches[i-1] {
			lastHealthy = max(lastHealthy, slices.Max(h.fleet.seqOf(n, "healthy")))
		}
		for _, n := range batches[i] {
			if open := h.fleet.seqOf(n, "open")[0]; open < lastHealthy {
				t.Errorf("%s opened (call %d) before batch %d was healthy (call %d)\ncalls: %v", n, open, i, lastHealthy, h.fleet.Calls())
			}
		}
	}
}

func TestSpreadGroupsInARun(t *testing.T) {
	h := newHarness(t, "a1", "a2", "b1", "b2")
	for n, host := range h.hosts {
		host.Groups = []string{"farm_" + n[:1]}
	}
	h.fleet.hosts["a1"].healthBarrier = newBarrier(2)
	h.fleet.hosts["b1"].healthBarrier = h.fleet.hosts["a1"].healthBarrier
	var hps []*engine.HostPlan
	for _, n := range []string{"a1", "a2", "b1", "b2"} {
		hps = append(hps, hostPlan(n, []*engine.Change{capOff()}, ocsRestart()))
	}
	ro := now()
	ro.BatchSize, ro.SpreadGroups, ro.MaxPerGroup = 2, []string{"farm_a", "farm_b"}, 1
	res := h.run(t, h.options(plan(hps...), ro))
	if res.ExitCode != 0 {
		t.Fatalf("wrong result\ngot: exit %d\nwant: 0", res.ExitCode)
	}
	for _, pair := range [][2]string{{"a1", "a2"}, {"b1", "b2"}} {
		if healthy, open := h.fleet.seqOf(pair[0], "healthy")[0], h.fleet.seqOf(pair[1], "open")[0]; open < healthy {
			t.Errorf("%s and %s of one farm restarted in one batch\ncalls: %v", pair[0], pair[1], h.fleet.Calls())
		}
	}
}

func TestMaxFailures(t *testing.T) {
	tests := map[string]struct {
		maxFailures int
		sick        []string
		want        map[string]Outcome
	}{
		"0 stops after the first failure": {
			maxFailures: 0, sick: []string{"xsp1"},
			want: map[string]Outcome{"xsp1": OutcomeFailed, "xsp2": OutcomeUntouched, "xsp3": OutcomeUntouched},
		},
		"1 continues past one failure": {
			maxFailures: 1, sick: []string{"xsp1"},
			want: map[string]Outcome{"xsp1": OutcomeFailed, "xsp2": OutcomeChanged, "xsp3": OutcomeChanged},
		},
		"1 stops after the second failure": {
			maxFailures: 1, sick: []string{"xsp1", "xsp2"},
			want: map[string]Outcome{"xsp1": OutcomeFailed, "xsp2": OutcomeFailed, "xsp3": OutcomeUntouched},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "xsp1", "xsp2", "xsp3")
			for _, n := range tc.sick {
				h.fleet.hosts[n].neverHealthy = true
			}
			var hps []*engine.HostPlan
			for _, n := range []string{"xsp1", "xsp2", "xsp3"} {
				hps = append(hps, hostPlan(n, []*engine.Change{capOff()}, ocsRestart()))
			}
			ro := now()
			ro.MaxFailures = tc.maxFailures
			res := h.run(t, h.options(plan(hps...), ro))
			got := map[string]Outcome{}
			for _, hr := range res.Hosts {
				got[hr.Name] = hr.Outcome
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("wrong result (-want +got):\n%s", d)
			}
			if res.ExitCode != ExitPartial {
				t.Errorf("wrong result\ngot: exit %d\nwant: 3", res.ExitCode)
			}
			failed := h.result(res, "xsp1")
			// Said once, in the server's words.
			wantReason := "OpenClientServer restarted but not healthy within 10m0s: severity MAJOR: Application OpenClientServer is not running (state: Starting)"
			if failed.Reason != wantReason {
				t.Errorf("wrong result\ngot: %s\nwant: %s", failed.Reason, wantReason)
			}
			for name, outcome := range tc.want {
				if outcome != OutcomeUntouched {
					continue
				}
				if len(h.fleet.seqOf(name, "open")) != 0 {
					t.Errorf("untouched %s was contacted", name)
				}
				hr := h.result(res, name)
				if !strings.HasPrefix(hr.Reason, "not started: ") || !strings.Contains(hr.Reason, "max_failures") {
					t.Errorf("wrong untouched reason: %q", hr.Reason)
				}
			}
			// The failed host's restart stays pending for the next run,
			// marked as made but not healthy.
			pending, _ := h.j.Pending()
			if p := pending["xsp1"]; len(p) != 1 || p[0].App != "OpenClientServer" || p[0].RestartedIn != res.RunID ||
				p[0].Unhealthy != "not healthy within 10m0s: severity MAJOR: Application OpenClientServer is not running (state: Starting)" {
				t.Errorf("wrong result\ngot: %+v\nwant: OpenClientServer pending on xsp1, unhealthy after its restart in this run", p)
			}
			if left := failed.PendingLeft; len(left) != 1 || left[0].Unhealthy == "" {
				t.Errorf("wrong PendingLeft: %+v", left)
			}
		})
	}
}

// A restart that was made but left its application unhealthy is not made
// again when the host is healthy by the next apply (the new values are
// loaded, another restart would only interrupt clients): the pending
// restart is cleared saying why. While it is still unhealthy, the next
// apply restarts it again.
func TestUnhealthyRestartNextApply(t *testing.T) {
	for _, stillSick := range []bool{false, true} {
		t.Run(fmt.Sprintf("still unhealthy %v", stillSick), func(t *testing.T) {
			h := newHarness(t, "xsp1")
			h.fleet.hosts["xsp1"].neverHealthy = true
			res1 := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart())), now()))
			if hr := h.result(res1, "xsp1"); hr.Outcome != OutcomeFailed {
				t.Fatalf("wrong result\ngot: %s: %s\nwant: failed", hr.Outcome, hr.Reason)
			}
			h.fleet.hosts["xsp1"].neverHealthy = stillSick
			pending, _ := h.j.Pending()
			h.fleet.mu.Lock()
			h.fleet.calls = nil
			h.fleet.mu.Unlock()
			h.hook = &recHook{}
			res2 := h.run(t, h.options(plan(hostPlan("xsp1", nil, pending["xsp1"]...)), now()))
			hr := h.result(res2, "xsp1")
			left, _ := h.j.Pending()
			if !stillSick {
				if hr.Outcome != OutcomeUnchanged || len(h.fleet.Calls("restart")) != 0 || len(left) != 0 {
					t.Errorf("wrong result\ngot: %s: %s, restarts %v, pending %v\nwant: unchanged, no restart, nothing pending", hr.Outcome, hr.Reason, h.fleet.Calls("restart"), left)
				}
				recs, _ := h.j.Records()
				last := recs[len(recs)-3]
				if last.Kind != journal.KindPendingCleared || last.Since != res1.RunID || last.Reason != "healthy after its restart in run "+res1.RunID+": not restarted again" {
					t.Errorf("wrong record: %+v", last)
				}
				want := []string{"connected", "cleared OpenClientServer: OpenClientServer healthy since its restart in run " + res1.RunID + ": not restarted again", "done: unchanged"}
				if d := cmp.Diff(want, h.hook.lines("xsp1")); d != "" {
					t.Errorf("wrong events (-want +got):\n%s", d)
				}
				return
			}
			if got := h.fleet.Calls("health", "restart"); !slices.Equal(got, []string{"xsp1 health OpenClientServer", "xsp1 restart OpenClientServer", "xsp1 health OpenClientServer"}) {
				t.Errorf("wrong calls\ngot: %v\nwant: a health probe, the restart again, the probe after its timeout", got)
			}
			if p := left["xsp1"]; len(p) != 1 || p[0].RestartedIn != res2.RunID {
				t.Errorf("wrong pending: %+v", p)
			}
		})
	}
}

func TestDeferThenRestartsOnly(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2")
	ro := now()
	ro.Restart = engine.RestartDefer
	p := plan(
		hostPlan("xsp1", []*engine.Change{capOff(), update(gsPath, attr("clientPort", "2208", "2210", "OpenClientServer"))}, ocsRestart()),
		hostPlan("xsp2", []*engine.Change{capOff()}, ocsRestart()),
	)
	res1 := h.run(t, h.options(p, ro))
	if res1.ExitCode != 0 || len(h.fleet.Calls("restart")) != 0 {
		t.Fatalf("defer: exit %d, restarts %v", res1.ExitCode, h.fleet.Calls("restart"))
	}
	pending, err := h.j.Pending()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]*engine.Restart{
		"xsp1": {{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}, Pending: true, PendingSince: res1.RunID}},
		"xsp2": {{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}, Pending: true, PendingSince: res1.RunID}},
	}
	if d := cmp.Diff(want, pending); d != "" {
		t.Errorf("wrong pending after defer (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want["xsp1"], h.result(res1, "xsp1").PendingLeft); d != "" {
		t.Errorf("wrong PendingLeft (-want +got):\n%s", d)
	}
	if got := h.hook.lines("xsp1"); !slices.Contains(got, "deferred OpenClientServer: restart of OpenClientServer deferred: pending in the journal") {
		t.Errorf("no deferred event: %v", got)
	}

	// A restarts-only plan is made from the journal's pending restarts; its
	// changes (if any) are ignored.
	restartsOnly := func() *engine.Plan {
		rp := plan()
		rp.Mode = engine.ModeRestartsOnly
		pending, _ := h.j.Pending()
		for _, n := range []string{"xsp1", "xsp2"} {
			rp.Hosts = append(rp.Hosts, hostPlan(n, []*engine.Change{capOff()}, pending[n]...))
		}
		return rp
	}
	before := len(h.fleet.Calls("restart", "exec"))
	res2 := h.run(t, h.options(restartsOnly(), now()))
	if res2.ExitCode != 0 {
		t.Fatalf("restarts-only: exit %d", res2.ExitCode)
	}
	wantCalls := []string{"xsp1 restart OpenClientServer", "xsp2 restart OpenClientServer"}
	got := h.fleet.Calls("restart", "exec")[before:]
	slices.Sort(got)
	if d := cmp.Diff(wantCalls, got); d != "" {
		t.Errorf("wrong calls (-want +got):\n%s", d)
	}
	if pending, _ := h.j.Pending(); len(pending) != 0 {
		t.Errorf("still pending after restarts-only: %v", pending)
	}
	recs, _ := h.j.Records()
	cleared := 0
	for _, r := range recs {
		if r.Kind == journal.KindPendingCleared {
			cleared++
			if r.Since != res1.RunID || r.Run != res2.RunID {
				t.Errorf("wrong pending-cleared: %+v", r)
			}
		}
	}
	if cleared != 2 {
		t.Errorf("wrong result\ngot: %d pending-cleared\nwant: 2", cleared)
	}

	// Once done, nothing more happens.
	h.run(t, h.options(restartsOnly(), now()))
	if got := h.fleet.Calls("restart"); len(got) != 2 {
		t.Errorf("restarted again: %v", got)
	}
}

func TestNeverRecordsNothingPending(t *testing.T) {
	h := newHarness(t, "xsp1")
	ro := now()
	ro.Restart = engine.RestartNever
	res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart())), ro))
	if res.ExitCode != 0 || len(h.fleet.Calls("restart")) != 0 {
		t.Fatalf("exit %d, restarts %v", res.ExitCode, h.fleet.Calls("restart"))
	}
	if pending, _ := h.j.Pending(); len(pending) != 0 {
		t.Errorf("wrong result\ngot: %v\nwant: nothing pending under restart = never", pending)
	}
}

func TestStaleRefusal(t *testing.T) {
	tests := map[string]struct {
		setup  func(*fakeHost)
		change *engine.Change
		want   string
	}{
		"attribute changed": {
			setup:  func(fh *fakeHost) { fh.attrs["applications/openclientserver/capproxy"]["enabled"] = "false" },
			change: update(capPath, attr("enabled", "true", "false", "OpenClientServer")),
			want:   "stale plan: xsp1 Applications/OpenClientServer/CAPProxy enabled is now false, was true when planned",
		},
		"number normalised is not stale": {
			setup:  func(fh *fakeHost) { fh.attrs["applications/openclientserver/capproxy"]["serverPort"] = "02206" },
			change: update(capPath, attr("serverPort", "2206", "2207", "OpenClientServer")),
		},
		"sensitive without values": {
			setup:  func(fh *fakeHost) { fh.attrs["interface/snmp/agent"]["readCommunity"] = "changed-by-someone" },
			change: update(snmp, &engine.AttrChange{Name: "readCommunity", Before: "public", After: "n3w-S3cret", Sensitive: true}),
			want:   "stale plan: xsp1 Interface/SNMP/Agent readCommunity changed since planned",
		},
		"row to add now exists": {
			setup: func(fh *fakeHost) {
				fh.rows["system/managementaccesslist"] = append(fh.rows["system/managementaccesslist"], map[string]string{"host": "10.9.0.5", "description": "x"})
			},
			change: &engine.Change{Path: macl, Action: engine.Create, Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}},
				Attrs: []*engine.AttrChange{attr("description", "", "NOC", "")}},
			want: "stale plan: xsp1 System/ManagementAccessList row host=10.9.0.5 now exists, was absent when planned",
		},
		"row to delete is gone": {
			setup: func(fh *fakeHost) { fh.rows["system/managementaccesslist"] = nil },
			change: &engine.Change{Path: macl, Action: engine.Delete, Key: []engine.Field{{Name: "host", Value: "10.9.0.99"}},
				Attrs: []*engine.AttrChange{attr("description", "old", "", "")}},
			want: "stale plan: xsp1 System/ManagementAccessList row host=10.9.0.99 is now absent, was present when planned",
		},
		"row value changed": {
			setup: func(fh *fakeHost) { fh.rows["system/managementaccesslist"][0]["description"] = "new desc" },
			change: &engine.Change{Path: macl, Action: engine.Update, Key: []engine.Field{{Name: "host", Value: "10.9.0.99"}},
				Attrs: []*engine.AttrChange{attr("description", "old", "NOC", "")}},
			want: `stale plan: xsp1 System/ManagementAccessList row host=10.9.0.99 description is now "new desc", was old when planned`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "xsp1")
			tc.setup(h.fleet.hosts["xsp1"])
			res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{tc.change})), now()))
			hr := h.result(res, "xsp1")
			if tc.want == "" {
				if hr.Outcome != OutcomeChanged {
					t.Errorf("wrong result\ngot: %s %s\nwant: changed", hr.Outcome, hr.Reason)
				}
				return
			}
			if hr.Outcome != OutcomeStale || hr.Reason != tc.want {
				t.Errorf("wrong result\ngot: %s: %s\nwant: stale: %s", hr.Outcome, hr.Reason, tc.want)
			}
			if got := h.fleet.Calls("exec"); len(got) != 0 {
				t.Errorf("a stale host was changed: %v", got)
			}
			if res.ExitCode != ExitPartial {
				t.Errorf("wrong result\ngot: exit %d\nwant: 3", res.ExitCode)
			}
			b, _ := os.ReadFile(h.j.Path())
			if strings.Contains(string(b), "n3w-S3cret") || strings.Contains(string(b), "changed-by-someone") {
				t.Errorf("a sensitive value reached the journal:\n%s", b)
			}
		})
	}
}

func TestCLIErrorStopsOnlyThatHost(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2")
	h.fleet.hosts["xsp1"].cliErrOn["serverPort"] = "[CLIError] Command set: Invalid value\n<serverPort>, Integer {1025 to 65535}"
	change := func() *engine.Change {
		return update(capPath, attr("enabled", "true", "false", "OpenClientServer"), attr("serverPort", "2206", "2300", "OpenClientServer"))
	}
	p := plan(hostPlan("xsp1", []*engine.Change{change()}, ocsRestart()), hostPlan("xsp2", []*engine.Change{change()}, ocsRestart()))
	ro := now()
	ro.MaxFailures = 5
	res := h.run(t, h.options(p, ro))
	hr := h.result(res, "xsp1")
	want := "set serverPort 2300 failed: [CLIError] Command set: Invalid value\n<serverPort>, Integer {1025 to 65535}"
	if hr.Outcome != OutcomeFailed || hr.Reason != want {
		t.Errorf("wrong result\ngot: %s: %s\nwant: failed: %s", hr.Outcome, hr.Reason, want)
	}
	if len(hr.Applied) != 1 || len(hr.Applied[0].Attrs) != 1 || hr.Applied[0].Attrs[0].Name != "enabled" {
		t.Errorf("wrong applied: %+v", hr.Applied)
	}
	// Its first write was made: the host was changed before it failed.
	if !hr.Changed || res.ChangedHosts() != 2 {
		t.Errorf("wrong result\ngot: changed %v, %d hosts changed\nwant: xsp1 changed, 2 hosts changed", hr.Changed, res.ChangedHosts())
	}
	recs, _ := h.j.Records()
	for _, r := range recs {
		if r.Kind == journal.KindHostEnd && r.Host == "xsp1" && !r.Changed {
			t.Errorf("host-end record does not say xsp1 was changed: %+v", r)
		}
	}
	if got := h.fleet.seqOf("xsp1", "restart"); len(got) != 0 {
		t.Error("a failed host was restarted")
	}
	if h.result(res, "xsp2").Outcome != OutcomeChanged {
		t.Errorf("xsp2 was affected: %+v", h.result(res, "xsp2"))
	}
	pending, _ := h.j.Pending()
	if len(pending["xsp1"]) != 1 {
		t.Errorf("wrong result\ngot: %v\nwant: xsp1's restart still pending", pending)
	}
	recs, _ = h.j.Records()
	var sawChange, sawErr bool
	for _, r := range recs {
		if r.Host == "xsp1" && r.Kind == journal.KindChange && r.Attr == "enabled" {
			sawChange = true
		}
		if r.Host == "xsp1" && r.Kind == journal.KindReply && r.Reply == "error" && r.Command == "set serverPort 2300" && strings.Contains(r.Text, "Invalid value") {
			sawErr = true
		}
	}
	if !sawChange || !sawErr {
		t.Errorf("journal lacks the applied change (%v) or the error reply (%v)", sawChange, sawErr)
	}
}

func TestConnectionDroppedMidCommand(t *testing.T) {
	tests := map[string]struct {
		dropErr error
		want    string
	}{
		"error without the command": {
			want: "set serverPort 2300: ssh: connection lost; whether the server applied it is unknown",
		},
		// The driver's errors start with the command: it is not repeated.
		"error naming the command": {
			dropErr: errors.New("set serverPort 2300: connection closed while running the command (EOF)"),
			want:    "set serverPort 2300: connection closed while running the command (EOF); whether the server applied it is unknown",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "xsp1")
			h.fleet.hosts["xsp1"].dropAfter = 1
			h.fleet.hosts["xsp1"].dropErr = tc.dropErr
			p := plan(hostPlan("xsp1", []*engine.Change{
				update(capPath, attr("enabled", "true", "false", "OpenClientServer"), attr("serverPort", "2206", "2300", "OpenClientServer")),
			}, ocsRestart()))
			res := h.run(t, h.options(p, now()))
			hr := h.result(res, "xsp1")
			if hr.Outcome != OutcomeFailed || hr.Reason != tc.want {
				t.Errorf("wrong result\ngot: %s: %s\nwant: failed: %s", hr.Outcome, hr.Reason, tc.want)
			}
		})
	}
}

func TestConnectFailure(t *testing.T) {
	h := newHarness(t, "xsp1")
	h.fleet.hosts["xsp1"].openErr = errors.New("dial tcp 10.1.0.11:22: connect: connection refused")
	res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart())), now()))
	hr := h.result(res, "xsp1")
	if hr.Outcome != OutcomeFailed || hr.Reason != "connect: dial tcp 10.1.0.11:22: connect: connection refused" {
		t.Errorf("wrong result\ngot: %s: %s", hr.Outcome, hr.Reason)
	}
}

// hostKeyError stands for a provider's typed connection error.
type hostKeyError struct{ fingerprint string }

func (e *hostKeyError) Error() string { return "host key changed: " + e.fingerprint }

// A host's failure keeps the error that caused it: callers reach typed
// errors with errors.As instead of parsing the reason.
func TestHostErrorsKeepTheirCause(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2", "xsp3")
	h.fleet.hosts["xsp1"].openErr = fmt.Errorf("ssh xsp1: %w", &hostKeyError{fingerprint: "SHA256:abc"})
	h.fleet.hosts["xsp2"].cliErrOn["enabled"] = "[CLIError] Command set: Failed to update the configuration"
	h.fleet.hosts["xsp3"].neverHealthy = true
	ro := now()
	ro.MaxFailures = 5
	var hps []*engine.HostPlan
	for _, n := range []string{"xsp1", "xsp2", "xsp3"} {
		hps = append(hps, hostPlan(n, []*engine.Change{capOff()}, ocsRestart()))
	}
	res := h.run(t, h.options(plan(hps...), ro))

	var hke *hostKeyError
	if hr := h.result(res, "xsp1"); !errors.As(hr.Err, &hke) || hke.fingerprint != "SHA256:abc" {
		t.Errorf("xsp1: wrong cause\ngot: %#v\nwant: the provider's *hostKeyError", hr.Err)
	}
	var ce *engine.CLIError
	if hr := h.result(res, "xsp2"); !errors.As(hr.Err, &ce) || ce.Command != "set enabled false" {
		t.Errorf("xsp2: wrong cause\ngot: %#v\nwant: the *engine.CLIError of set enabled false", hr.Err)
	}
	if hr := h.result(res, "xsp3"); !errors.Is(hr.Err, engine.ErrHealthTimeout) {
		t.Errorf("xsp3: wrong cause\ngot: %v\nwant: one wrapping engine.ErrHealthTimeout", hr.Err)
	}
}

func TestVerifyMismatchFailsTheHost(t *testing.T) {
	h := newHarness(t, "xsp1")
	h.fleet.hosts["xsp1"].ignoreSet["enabled"] = true
	res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart())), now()))
	hr := h.result(res, "xsp1")
	want := "verify: xsp1 Applications/OpenClientServer/CAPProxy enabled is true after the change, want false"
	if hr.Outcome != OutcomeFailed || hr.Reason != want {
		t.Errorf("wrong result\ngot: %s: %s\nwant: failed: %s", hr.Outcome, hr.Reason, want)
	}
	if len(h.fleet.Calls("restart")) != 0 {
		t.Error("restarted after a failed verify")
	}
}

func TestPromptedAttributeIsNotReadBack(t *testing.T) {
	h := newHarness(t, "xsp1")
	const secret = "cl1ent-S3cret"
	change := update(cisPath, &engine.AttrChange{Name: "clientSecret", After: secret, Sensitive: true, BeforeUnknown: true, Restart: "AuthenticationService"})
	res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{change}, &engine.Restart{App: "AuthenticationService"})), now()))
	if hr := h.result(res, "xsp1"); hr.Outcome != OutcomeChanged {
		t.Fatalf("wrong result\ngot: %s: %s\nwant: changed", hr.Outcome, hr.Reason)
	}
	if got := h.fleet.Calls("exec"); len(got) != 1 || !strings.Contains(got[0], "clientSecret="+secret) {
		t.Errorf("wrong result\ngot: %v\nwant: the secret set once", got)
	}
	recs, _ := h.j.Records()
	skipped := false
	for _, r := range recs {
		if r.Kind == journal.KindVerify && r.Outcome == "skipped" && r.Attr == "clientSecret" && strings.Contains(r.Detail, "cannot be read back") {
			skipped = true
		}
	}
	if !skipped {
		t.Error("the journal does not say the prompted attribute was not read back")
	}
	b, _ := os.ReadFile(h.j.Path())
	if strings.Contains(string(b), secret) {
		t.Errorf("secret in the journal:\n%s", b)
	}
	if !h.j.SecretMatches("xsp1", cisPath, "clientSecret", secret) {
		t.Error("the journal's hash of the applied secret does not match it")
	}
	for _, l := range h.hook.lines("xsp1") {
		if strings.Contains(l, secret) {
			t.Errorf("secret in a hook event: %s", l)
		}
	}
}

func TestUnknownAppRestartWarning(t *testing.T) {
	h := newHarness(t, "xsp1")
	change := update("Interface/Weird", attr("mode", "a", "b", ""))
	res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{change})), now()))
	hr := h.result(res, "xsp1")
	if hr.Outcome != OutcomeChanged || res.ExitCode != 0 {
		t.Fatalf("wrong result\ngot: %s: %s (exit %d)\nwant: changed", hr.Outcome, hr.Reason, res.ExitCode)
	}
	if got := h.fleet.Calls("restart"); len(got) != 0 {
		t.Errorf("restarted an unknown application: %v", got)
	}
	pending, _ := h.j.Pending()
	want := []*engine.Restart{{App: "", Pending: true, PendingSince: res.RunID, Reasons: []string{
		"Interface/Weird mode changed",
		"server said: *** Warning: BroadWorks needs to be restarted for the changes to take effect ***",
		journal.UnknownAppMessage,
	}}}
	if d := cmp.Diff(want, pending["xsp1"]); d != "" {
		t.Errorf("wrong pending (-want +got):\n%s", d)
	}
	if len(hr.Warnings) != 1 || !strings.Contains(hr.Warnings[0], "which application needs it is unknown") {
		t.Errorf("wrong warnings: %v", hr.Warnings)
	}
	if len(hr.PendingLeft) != 1 || hr.PendingLeft[0].App != "" {
		t.Errorf("wrong PendingLeft: %+v", hr.PendingLeft)
	}

	// A later run with restart = now still does not restart it.
	p2 := plan(hostPlan("xsp1", nil, pending["xsp1"]...))
	h.run(t, h.options(p2, now()))
	if got := h.fleet.Calls("restart"); len(got) != 0 {
		t.Errorf("restarted an unknown application later: %v", got)
	}
}

func TestStopChannel(t *testing.T) {
	names := []string{"xsp1", "xsp2", "xsp3", "xsp4"}
	h := newHarness(t, names...)
	x1 := h.fleet.hosts["xsp1"]
	x1.execStarted, x1.execRelease = make(chan string), make(chan struct{})
	var hps []*engine.HostPlan
	for _, n := range names {
		hps = append(hps, hostPlan(n, []*engine.Change{update(snmp, attr("port", "8001", "8002", "")), update(gsPath, attr("systemDomain", "", "a.example", ""))}))
	}
	stop := make(chan struct{})
	opts := h.options(plan(hps...), now())
	opts.Parallelism = 1
	opts.Stop = stop

	done := make(chan *Result)
	go func() {
		res, err := Run(context.Background(), opts)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	// xsp1's first write is in flight: Ctrl-C now, then let it finish.
	<-x1.execStarted
	close(stop)
	x1.execRelease <- struct{}{}
	res := <-done

	if res.ExitCode != ExitPartial {
		t.Errorf("wrong result\ngot: exit %d\nwant: 3", res.ExitCode)
	}
	got := map[string]string{}
	for _, hr := range res.Hosts {
		got[hr.Name] = string(hr.Outcome) + ": " + hr.Reason
	}
	want := map[string]string{
		"xsp1": "interrupted: stopped after 1 change(s); the rest were not made",
		"xsp2": "untouched: not started: the run was interrupted",
		"xsp3": "untouched: not started: the run was interrupted",
		"xsp4": "untouched: not started: the run was interrupted",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"xsp1 exec set Interface/SNMP/Agent port=8002"}, h.fleet.Calls("exec")); d != "" {
		t.Errorf("wrong calls (-want +got):\n%s", d)
	}
	for _, n := range names[1:] {
		if len(h.fleet.seqOf(n, "open")) != 0 {
			t.Errorf("%s started after the stop", n)
		}
	}
	if n, err := h.j.Verify(); err != nil {
		t.Errorf("journal after %d records: %v", n, err)
	}
	runs, _ := h.j.Runs()
	if len(runs) != 1 || runs[0].Counts[string(OutcomeInterrupted)] != 1 || runs[0].Counts[string(OutcomeUntouched)] != 3 || runs[0].ExitCode != 3 {
		t.Errorf("wrong run summary: %+v", runs)
	}
}

func TestPlanErrorHostsFailWithoutContact(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2")
	bad := hostPlan("xsp1", nil)
	bad.Error = "unreachable: dial tcp 10.1.0.11:22: connect: connection refused"
	ro := now()
	ro.MaxFailures = 0
	res := h.run(t, h.options(plan(bad, hostPlan("xsp2", []*engine.Change{capOff()}, ocsRestart())), ro))
	if hr := h.result(res, "xsp1"); hr.Outcome != OutcomeFailed || hr.Reason != bad.Error {
		t.Errorf("wrong result\ngot: %s: %s", hr.Outcome, hr.Reason)
	}
	if len(h.fleet.seqOf("xsp1", "open")) != 0 {
		t.Error("contacted a host that failed at plan time")
	}
	// The operator approved a plan with xsp1 failed: it does not stop the rollout.
	if hr := h.result(res, "xsp2"); hr.Outcome != OutcomeChanged {
		t.Errorf("wrong result\ngot: %s: %s\nwant: changed", hr.Outcome, hr.Reason)
	}
	if res.ExitCode != ExitPartial {
		t.Errorf("wrong result\ngot: exit %d\nwant: 3", res.ExitCode)
	}
}

func TestLockHeld(t *testing.T) {
	h := newHarness(t, "xsp1")
	l, err := h.j.Acquire("other-run")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	_, err = Run(context.Background(), h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()})), now()))
	var le *journal.LockedError
	if !errors.As(err, &le) || le.Holder.Run != "other-run" {
		t.Errorf("wrong result\ngot: %v\nwant: a *journal.LockedError", err)
	}
	if len(h.fleet.Calls()) != 0 {
		t.Error("hosts contacted without the lock")
	}
	if runs, _ := os.ReadDir(filepath.Join(h.j.Dir(), journal.RunsDir)); len(runs) != 0 {
		t.Errorf("a run that never started left a directory: %v", runs)
	}
}

func TestIDKeyedDeletesVerifyAfterRenumbering(t *testing.T) {
	h := newHarness(t, "xsp1")
	h.fleet.hosts["xsp1"].rows["maintenance/scheduler"] = []map[string]string{
		{"id": "1", "name": "backup", "hour": "1"}, {"id": "2", "name": "purge", "hour": "2"}, {"id": "3", "name": "report", "hour": "3"},
	}
	del := func(id, name, hour string) *engine.Change {
		return &engine.Change{Path: "Maintenance/Scheduler", Action: engine.Delete, Key: []engine.Field{{Name: "id", Value: id}},
			Attrs: []*engine.AttrChange{attr("name", name, "", ""), attr("hour", hour, "", "")}}
	}
	res := h.run(t, h.options(plan(hostPlan("xsp1", []*engine.Change{del("3", "report", "3"), del("2", "purge", "2")})), now()))
	if hr := h.result(res, "xsp1"); hr.Outcome != OutcomeChanged {
		t.Errorf("wrong result\ngot: %s: %s\nwant: changed", hr.Outcome, hr.Reason)
	}
}

func TestRevertPlan(t *testing.T) {
	h := newHarness(t, "xsp1")
	const secret = "n3w-c0mmunity"
	p := plan(hostPlan("xsp1", []*engine.Change{
		capOff(),
		{Resource: "table.acl", Path: macl, Action: engine.Create, Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}},
			Attrs: []*engine.AttrChange{attr("description", "", "NOC", "")}},
		{Resource: "table.acl", Path: macl, Action: engine.Delete, Key: []engine.Field{{Name: "host", Value: "10.9.0.99"}},
			Attrs: []*engine.AttrChange{attr("description", "old", "", "")}},
		update(snmp, &engine.AttrChange{Name: "readCommunity", Before: "public", After: secret, Sensitive: true}),
	}, ocsRestart()))
	res := h.run(t, h.options(p, now()))
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, h.result(res, "xsp1").Reason)
	}
	if res.RevertPath != filepath.Join(h.j.RunDir(res.RunID), "revert.json") {
		t.Fatalf("wrong result\ngot: %q\nwant: runs/%s/revert.json", res.RevertPath, res.RunID)
	}
	b, _ := os.ReadFile(res.RevertPath)
	if strings.Contains(string(b), secret) {
		t.Fatalf("secret in the revert plan:\n%s", b)
	}
	if jb, _ := os.ReadFile(h.j.Path()); strings.Contains(string(jb), secret) || !strings.Contains(string(jb), `"before":"(sensitive)"`) {
		t.Fatalf("the journal holds the secret or lacks the redaction:\n%s", jb)
	}
	if got := h.hook.lines("xsp1"); !slices.Contains(got, "set: set readCommunity = (sensitive)") {
		t.Errorf("wrong hook events: %v", got)
	}
	rp, err := planfile.Read(res.RevertPath)
	if err != nil {
		t.Fatal(err)
	}
	want := []*engine.Change{
		{Resource: "table.acl", Path: macl, Action: engine.Create, Key: []engine.Field{{Name: "host", Value: "10.9.0.99"}},
			Attrs: []*engine.AttrChange{{Name: "description", Before: "", After: "old"}}},
		{Resource: "table.acl", Path: macl, Action: engine.Delete, Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}},
			Attrs: []*engine.AttrChange{{Name: "description", Before: "NOC", After: ""}}},
		{Resource: "context.x", Path: capPath, Action: engine.Update,
			Attrs: []*engine.AttrChange{{Name: "enabled", Before: "false", After: "true", Restart: "OpenClientServer"}}},
	}
	if rp.Mode != engine.ModeRevert || len(rp.Hosts) != 1 {
		t.Fatalf("wrong revert plan: mode %q, %d hosts", rp.Mode, len(rp.Hosts))
	}
	if d := cmp.Diff(want, rp.Hosts[0].Changes); d != "" {
		t.Errorf("wrong revert changes (-want +got):\n%s", d)
	}
	wantRestarts := []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"revert of " + capPath}}}
	if d := cmp.Diff(wantRestarts, rp.Hosts[0].Restarts); d != "" {
		t.Errorf("wrong revert restarts (-want +got):\n%s", d)
	}
	wantWarn := []string{"xsp1 Interface/SNMP/Agent readCommunity is sensitive and cannot be reverted (its old value was never stored): set it by hand"}
	if d := cmp.Diff(wantWarn, rp.Warnings); d != "" {
		t.Errorf("wrong revert warnings (-want +got):\n%s", d)
	}

	// Applying the revert plan restores the before values.
	res2 := h.run(t, h.options(rp, now()))
	if res2.ExitCode != 0 {
		t.Fatalf("revert: exit %d: %s", res2.ExitCode, h.result(res2, "xsp1").Reason)
	}
	fh := h.fleet.hosts["xsp1"]
	if fh.attrs["applications/openclientserver/capproxy"]["enabled"] != "true" {
		t.Error("revert did not restore enabled")
	}
	if d := cmp.Diff([]map[string]string{{"host": "10.9.0.99", "description": "old"}}, fh.rows["system/managementaccesslist"]); d != "" {
		t.Errorf("wrong rows after revert (-want +got):\n%s", d)
	}
	recs, _ := h.j.Records()
	if recs[len(recs)-1].Kind != journal.KindRunEnd {
		t.Fatal("no run-end")
	}
	for _, r := range recs {
		if r.Kind == journal.KindRunStart && r.Run == res2.RunID && r.Mode != engine.ModeRevert {
			t.Errorf("wrong result\ngot: mode %q\nwant: revert", r.Mode)
		}
	}
}

func TestSavedPlanSecrets(t *testing.T) {
	const secret = "fr3sh-S3cret"
	mk := func() *engine.Plan {
		p := plan(hostPlan("xsp1", []*engine.Change{update(snmp, &engine.AttrChange{Name: "readCommunity", Before: "public", After: secret, Sensitive: true})}))
		return p
	}
	tests := map[string]struct {
		fresh       string
		wantOutcome Outcome
		wantReason  string
	}{
		"same value is applied": {fresh: secret, wantOutcome: OutcomeChanged},
		"changed value is refused": {fresh: "another", wantOutcome: OutcomeStale,
			wantReason: "stale plan: xsp1 Interface/SNMP/Agent readCommunity: the configuration's sensitive value differs from the one planned"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "xsp1")
			path := filepath.Join(t.TempDir(), "plan.json")
			key, err := h.j.Key()
			if err != nil {
				t.Fatal(err)
			}
			if err := planfile.Write(path, mk(), nil, key); err != nil {
				t.Fatal(err)
			}
			f, err := planfile.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			opts := h.options(f.Plan, now())
			opts.SensitiveAfter = func(host, path, attr string, key []engine.Field) (string, bool) { return tc.fresh, true }
			opts.AfterHash = f.AfterHash
			res := h.run(t, opts)
			hr := h.result(res, "xsp1")
			if hr.Outcome != tc.wantOutcome || hr.Reason != tc.wantReason {
				t.Errorf("wrong result\ngot: %s: %s\nwant: %s: %s", hr.Outcome, hr.Reason, tc.wantOutcome, tc.wantReason)
			}
			if tc.wantOutcome == OutcomeChanged && h.fleet.hosts["xsp1"].attrs["interface/snmp/agent"]["readCommunity"] != secret {
				t.Error("the fresh secret was not set")
			}
		})
	}
}

func TestSavedPlanWithoutSecretsIsRefused(t *testing.T) {
	h := newHarness(t, "xsp1")
	p := plan(hostPlan("xsp1", []*engine.Change{update(snmp, &engine.AttrChange{Name: "readCommunity", Sensitive: true})}))
	opts := h.options(p, now())
	opts.AfterHash = func(string, string, string, []engine.Field) (string, bool) { return "x", true }
	_, err := Run(context.Background(), opts)
	want := "apply: the saved plan sets sensitive values, but no configuration values were given for them"
	if err == nil || err.Error() != want {
		t.Errorf("wrong result\ngot: %v\nwant: %s", err, want)
	}
	if len(h.fleet.Calls()) != 0 {
		t.Error("hosts contacted")
	}
}

// TestReadOrderFollowsTheSession: a CLI session stays in the context it
// read or wrote last, so the stale check reads the changed contexts last
// first (ending where the first write goes) and the read-back starts with
// the context written last; the writes keep the plan's order.
func TestReadOrderFollowsTheSession(t *testing.T) {
	h := newHarness(t, "xsp1")
	const gsPath, snmpPath = "Applications/OpenClientServer/GeneralSettings", "Interface/SNMP/Agent"
	changes := []*engine.Change{
		capOff(),
		update(snmpPath, attr("port", "8001", "8002", "")),
		update(gsPath, attr("clientPort", "2208", "2209", "OpenClientServer")),
	}
	res := h.run(t, h.options(plan(hostPlan("xsp1", changes, ocsRestart())), now()))
	if hr := h.result(res, "xsp1"); hr.Outcome != OutcomeChanged {
		t.Fatalf("wrong result\ngot:  %s %q\nwant: changed", hr.Outcome, hr.Reason)
	}
	want := []string{
		"xsp1 read " + gsPath, "xsp1 read " + snmpPath, "xsp1 read " + capPath,
		"xsp1 exec set " + capPath + " enabled=false", "xsp1 exec set " + snmpPath + " port=8002", "xsp1 exec set " + gsPath + " clientPort=2209",
		"xsp1 read " + gsPath, "xsp1 read " + snmpPath, "xsp1 read " + capPath,
	}
	if d := cmp.Diff(want, h.fleet.Calls("read", "exec")); d != "" {
		t.Errorf("wrong order (-want +got):\n%s", d)
	}
}

// TestFirstHosts: the hosts a run starts first are the hosts without
// restarts it runs at once and the first rolling batch; never a host that
// failed at plan time or has nothing to do.
func TestFirstHosts(t *testing.T) {
	const snmpPath = "Interface/SNMP/Agent"
	noRestart := func(name string) *engine.HostPlan {
		return hostPlan(name, []*engine.Change{update(snmpPath, attr("port", "8001", "8002", ""))})
	}
	restart := func(name string) *engine.HostPlan { return hostPlan(name, []*engine.Change{capOff()}, ocsRestart()) }
	failed := hostPlan("bad", nil)
	failed.Error = "unreachable: x"
	p := plan(restart("r1"), noRestart("p1"), hostPlan("idle", nil), failed, restart("r2"), noRestart("p2"), restart("r3"), noRestart("p3"))
	hosts := map[string]*engine.Host{}
	for _, hp := range p.Hosts {
		hosts[hp.Name] = &engine.Host{Name: hp.Name, Type: "xsp"}
	}
	ro := now()
	ro.BatchSize = 2
	tests := map[string]struct {
		par    int
		policy engine.RestartPolicy
		want   []string
	}{
		"two at once, batches of two":   {par: 2, want: []string{"p1", "p2", "r1", "r2"}},
		"all at once":                   {par: 10, want: []string{"p1", "p2", "p3", "r1", "r2"}},
		"restarts deferred: no batches": {par: 4, policy: engine.RestartDefer, want: []string{"r1", "p1", "r2", "p2"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			opts := Options{Plan: p, Hosts: hosts, Parallelism: tc.par, Rollout: ro}
			opts.Rollout.Restart = tc.policy
			if d := cmp.Diff(tc.want, FirstHosts(opts)); d != "" {
				t.Errorf("wrong hosts (-want +got):\n%s", d)
			}
		})
	}
}

// redactingFleet's sessions are engine.Redactors that record what they are
// told among the fleet's calls.
type redactingFleet struct{ *fakeFleet }

func (f redactingFleet) Open(ctx context.Context, h *engine.Host) (engine.Session, error) {
	s, err := f.fakeFleet.Open(ctx, h)
	if err != nil {
		return nil, err
	}
	return redactingSession{s.(*fakeSession)}, nil
}

type redactingSession struct{ *fakeSession }

func (s redactingSession) Redact(values ...string) {
	s.f.record(s.name, "redact", strings.Join(values, ","))
}

func (s redactingSession) RedactAttributes(path string, names ...string) {
	s.f.record(s.name, "redact", path+": "+strings.Join(names, ","))
}

// TestApplyTellsSessionsTheSecrets: before the stale check reads anything,
// apply tells a session that records (an engine.Redactor) the sensitive
// values its changes write (a row key too) and the attributes holding
// them, so the reads and the read-back are masked in its transcript.
func TestApplyTellsSessionsTheSecrets(t *testing.T) {
	h := newHarness(t, "xsp1")
	const secret = "n3w-c0mmunity"
	p := plan(hostPlan("xsp1", []*engine.Change{
		update(snmp, &engine.AttrChange{Name: "readCommunity", Before: "public", After: secret, Sensitive: true}),
		{Resource: "table.acl", Path: macl, Action: engine.Create, Key: []engine.Field{{Name: "host", Value: "10.9.0.5", Sensitive: true}},
			Attrs: []*engine.AttrChange{attr("description", "", "NOC", "")}},
	}))
	opts := h.options(p, now())
	opts.Provider = redactingFleet{h.fleet}
	res := h.run(t, opts)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, h.result(res, "xsp1").Reason)
	}
	got := h.fleet.Calls("redact", "read")
	want := []string{
		"xsp1 redact " + snmp + ": readCommunity",
		"xsp1 redact " + macl + ": host",
		"xsp1 redact " + secret + ",10.9.0.5",
		"xsp1 read " + macl, // the last context first (TestReadOrderFollowsTheSession)
	}
	if len(got) < len(want) {
		t.Fatalf("wrong calls\ngot:  %q\nwant: %q first", got, want)
	}
	if d := cmp.Diff(want, got[:len(want)]); d != "" {
		t.Errorf("wrong calls before the first read (-want +got):\n%s", d)
	}
}
