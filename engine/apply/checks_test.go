package apply

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

const capAlarm = "bwOpenClientServerASConnFailed"

// noCAPAlarms is the runbook's no_cap_alarms check over the facts apply reads.
func noCAPAlarms(h *engine.Host, f *engine.Facts) ([]*engine.Check, error) {
	c := &engine.Check{Resource: "check.no_cap_alarms", Passed: !slices.Contains(f.Alarms, capAlarm)}
	if !c.Passed {
		c.Message = "CAP connection alarms are still raised"
	}
	return []*engine.Check{c, {Resource: "check.release", Passed: !f.Release.Less(engine.MustParseRelease("22.0"))}}, nil
}

func TestChecksAfterApply(t *testing.T) {
	tests := map[string]struct {
		policy     engine.RestartPolicy
		alarmsStay bool
		factsErr   error
		checks     func(*engine.Host, *engine.Facts) ([]*engine.Check, error)
		outcome    Outcome
		reason     string
		warnings   []string
		results    []*engine.Check
		records    []string // outcome detail [message] of check records
		steps      []string // check events
	}{
		"the restart clears the alarm": {
			policy: engine.RestartNow, checks: noCAPAlarms, outcome: OutcomeChanged,
			results: []*engine.Check{{Resource: "check.no_cap_alarms", Passed: true}, {Resource: "check.release", Passed: true}},
			records: []string{"passed check.no_cap_alarms", "passed check.release"},
			steps:   []string{"check: check.no_cap_alarms passed", "check: check.release passed"},
		},
		"the alarm stays": {
			policy: engine.RestartNow, alarmsStay: true, checks: noCAPAlarms, outcome: OutcomeFailed,
			reason:  "check.no_cap_alarms: CAP connection alarms are still raised",
			results: []*engine.Check{{Resource: "check.no_cap_alarms", Message: "CAP connection alarms are still raised"}, {Resource: "check.release", Passed: true}},
			records: []string{"failed check.no_cap_alarms CAP connection alarms are still raised", "passed check.release"},
			steps:   []string{"check: check.no_cap_alarms failed: CAP connection alarms are still raised", "check: check.release passed"},
		},
		"deferred restarts skip the checks": {
			policy: engine.RestartDefer, checks: noCAPAlarms, outcome: OutcomeChanged,
			warnings: []string{"checks not evaluated: the restart of OpenClientServer is not done, so the changes are not in effect yet; the next plan evaluates them"},
			steps:    []string{"check: checks not evaluated: the restart of OpenClientServer is not done, so the changes are not in effect yet; the next plan evaluates them"},
		},
		"restart never skips the checks": {
			policy: engine.RestartNever, checks: noCAPAlarms, outcome: OutcomeChanged,
			warnings: []string{"checks not evaluated: the restart of OpenClientServer is not done, so the changes are not in effect yet; the next plan evaluates them"},
			steps:    []string{"check: checks not evaluated: the restart of OpenClientServer is not done, so the changes are not in effect yet; the next plan evaluates them"},
		},
		"checks that cannot be evaluated fail the host": {
			policy: engine.RestartNow, outcome: OutcomeFailed, reason: "checks not evaluated: host xsp1: condition is not a bool",
			checks: func(*engine.Host, *engine.Facts) ([]*engine.Check, error) {
				return nil, errors.New("host xsp1: condition is not a bool")
			},
		},
		"facts that cannot be read fail the host": {
			policy: engine.RestartNow, factsErr: errors.New("bwshowver: command not found"), checks: noCAPAlarms, outcome: OutcomeFailed,
			reason: "checks not evaluated: read facts after apply: bwshowver: command not found",
		},
		"no checks configured": {
			policy: engine.RestartNow, outcome: OutcomeChanged,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "xsp1")
			fh := h.fleet.hosts["xsp1"]
			fh.alarms, fh.alarmsStay, fh.factsErr = []string{capAlarm}, tc.alarmsStay, tc.factsErr
			opts := h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart())), now())
			opts.Rollout.Restart = tc.policy
			opts.Checks = tc.checks
			res := h.run(t, opts)
			hr := h.result(res, "xsp1")
			if hr.Outcome != tc.outcome || hr.Reason != tc.reason {
				t.Errorf("wrong result\ngot:  %s %q\nwant: %s %q", hr.Outcome, hr.Reason, tc.outcome, tc.reason)
			}
			wantExit := ExitOK
			if tc.outcome == OutcomeFailed {
				wantExit = ExitPartial
			}
			if res.ExitCode != wantExit {
				t.Errorf("wrong exit code\ngot:  %d\nwant: %d", res.ExitCode, wantExit)
			}
			// A failed check undoes nothing: the change stays applied and
			// in the revert plan.
			if len(hr.Applied) != 1 || res.RevertPath == "" {
				t.Errorf("wrong result\ngot:  %d applied, revert plan %q\nwant: the change applied and a revert plan", len(hr.Applied), res.RevertPath)
			}
			if d := cmp.Diff(tc.results, hr.Checks, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("wrong checks (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.warnings, hr.Warnings, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("wrong warnings (-want +got):\n%s", d)
			}
			recs, err := h.j.Records()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				if r.Kind != "check" {
					continue
				}
				line := r.Outcome + " " + r.Detail
				if r.Message != "" {
					line += " " + r.Message
				}
				if r.Host != "xsp1" || r.Run != res.RunID {
					t.Errorf("wrong check record: %+v", r)
				}
				got = append(got, line)
			}
			if d := cmp.Diff(tc.records, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("wrong check records (-want +got):\n%s", d)
			}
			var steps []string
			for _, l := range h.hook.lines("xsp1") {
				if len(l) > 5 && l[:5] == "check" {
					steps = append(steps, l)
				}
			}
			if d := cmp.Diff(tc.steps, steps, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("wrong check events (-want +got):\n%s", d)
			}
			// Facts are read after the restart was healthy, never before.
			facts, healthy := h.fleet.seqOf("xsp1", "facts"), h.fleet.seqOf("xsp1", "healthy")
			for _, f := range facts {
				if len(healthy) == 0 || f < healthy[len(healthy)-1] {
					t.Errorf("wrong order: facts read (call %d) before the restart was healthy (calls %v)", f, healthy)
				}
			}
			if evaluated := tc.checks != nil && tc.policy == engine.RestartNow; evaluated != (len(facts) == 1) {
				t.Errorf("wrong result\ngot:  %d facts reads\nwant: one exactly when checks are evaluated (%v)", len(facts), evaluated)
			}
		})
	}
}

// TestChecksReadOnlyWhatTheyUse: after its changes a host's checks see the
// plan's facts, which a run does not change, and the raised alarms read
// again only when a check uses them; nothing is read for a host no check
// targets, and everything when no plan read the host.
func TestChecksReadOnlyWhatTheyUse(t *testing.T) {
	planned := &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("24.0"), ReleaseString: "Rel_24.0_1.944", Patches: []string{}, Alarms: []string{capAlarm}}
	tests := map[string]struct {
		needs     *CheckNeeds // nil: Options.CheckNeeds not set
		planFacts *engine.Facts
		reads     []string // facts calls
		seen      *engine.Facts
	}{
		"no check targets the host": {needs: &CheckNeeds{}, planFacts: planned},
		"checks without alarms": {needs: &CheckNeeds{Any: true}, planFacts: planned,
			seen: &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("24.0"), ReleaseString: "Rel_24.0_1.944", Patches: []string{}}},
		"checks with alarms": {needs: &CheckNeeds{Any: true, Alarms: true}, planFacts: planned, reads: []string{"xsp1 facts alarms"},
			seen: &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("24.0"), ReleaseString: "Rel_24.0_1.944", Patches: []string{}, Alarms: []string{}}},
		"needs not known": {planFacts: planned, reads: []string{"xsp1 facts alarms"},
			seen: &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("24.0"), ReleaseString: "Rel_24.0_1.944", Patches: []string{}, Alarms: []string{}}},
		"no plan facts": {needs: &CheckNeeds{Any: true}, reads: []string{"xsp1 facts release"},
			seen: &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("22.0")}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "xsp1")
			h.fleet.hosts["xsp1"].alarms = []string{capAlarm}
			hp := hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart())
			hp.Facts = tc.planFacts
			opts := h.options(plan(hp), now())
			var seen *engine.Facts
			opts.Checks = func(_ *engine.Host, f *engine.Facts) ([]*engine.Check, error) {
				seen = f
				return []*engine.Check{{Resource: "check.any", Passed: true}}, nil
			}
			if tc.needs != nil {
				needs := *tc.needs
				opts.CheckNeeds = func(*engine.Host) CheckNeeds { return needs }
			}
			res := h.run(t, opts)
			if hr := h.result(res, "xsp1"); hr.Outcome != OutcomeChanged {
				t.Fatalf("wrong result\ngot:  %s %q\nwant: changed", hr.Outcome, hr.Reason)
			}
			if d := cmp.Diff(tc.reads, h.fleet.Calls("facts"), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("wrong facts read (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.seen, seen); d != "" {
				t.Errorf("wrong facts for the checks (-want +got):\n%s", d)
			}
			if tc.seen != nil && seen == tc.planFacts {
				t.Error("the checks got the plan's facts themselves, which they may change")
			}
		})
	}
}

// TestFailedCheckStopsTheRollout: a failed check counts against
// max_failures like an unhealthy restart.
func TestFailedCheckStopsTheRollout(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2")
	h.fleet.hosts["xsp1"].alarms, h.fleet.hosts["xsp1"].alarmsStay = []string{capAlarm}, true
	opts := h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart()), hostPlan("xsp2", []*engine.Change{capOff()}, ocsRestart())), now())
	opts.Checks = noCAPAlarms
	res := h.run(t, opts)
	got := map[string]Outcome{}
	for _, hr := range res.Hosts {
		got[hr.Name] = hr.Outcome
	}
	if d := cmp.Diff(map[string]Outcome{"xsp1": OutcomeFailed, "xsp2": OutcomeUntouched}, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}
	if len(h.fleet.seqOf("xsp2", "open")) != 0 {
		t.Error("wrong result: xsp2 was contacted after xsp1 failed its check")
	}
	// xsp1 was written and restarted: it counts as changed, the failed
	// check next to it.
	if hr := h.result(res, "xsp1"); !hr.Changed || res.ChangedHosts() != 1 {
		t.Errorf("wrong result\ngot: changed %v, %d hosts changed\nwant: xsp1 counted as changed", hr.Changed, res.ChangedHosts())
	}
	recs, _ := h.j.Records()
	for _, r := range recs {
		if r.Kind == journal.KindHostEnd && r.Host == "xsp1" && r.Reason != "check.no_cap_alarms: CAP connection alarms are still raised" {
			t.Errorf("wrong host-end reason\ngot:  %q\nwant: the failed check", r.Reason)
		}
	}
}

// A revert plan restores the state before an earlier run; the
// configuration's checks describe the state it asks for, so they would fail
// by design (CAP alarms come back when CAP is enabled again). Apply skips
// them for a revert plan and says so once.
func TestRevertPlanSkipsChecks(t *testing.T) {
	h := newHarness(t, "xsp1", "xsp2")
	called := 0
	opts := h.options(plan(hostPlan("xsp1", []*engine.Change{capOff()}, ocsRestart()), hostPlan("xsp2", []*engine.Change{capOff()}, ocsRestart())), now())
	opts.Plan.Mode = engine.ModeRevert
	opts.Checks = func(*engine.Host, *engine.Facts) ([]*engine.Check, error) {
		called++
		return []*engine.Check{{Resource: "check.no_cap_alarms", Message: "CAP connection alarms are still raised"}}, nil
	}
	res := h.run(t, opts)
	if res.ExitCode != ExitOK || called != 0 || res.ChangedHosts() != 2 {
		t.Errorf("wrong result\ngot: exit %d, checks called %d times, %d changed\nwant: exit 0, no check, 2 changed", res.ExitCode, called, res.ChangedHosts())
	}
	want := []string{"the configuration's checks were not evaluated: a revert plan restores the state before an earlier run, and the checks describe the state the configuration asks for"}
	if d := cmp.Diff(want, res.Warnings); d != "" {
		t.Errorf("wrong warnings (-want +got):\n%s", d)
	}
}
