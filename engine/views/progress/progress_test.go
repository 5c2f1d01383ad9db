package progress

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
)

func TestStepLines(t *testing.T) {
	tests := map[string]struct {
		e    apply.Event
		want string
	}{
		"set": {apply.Event{Host: "xsp2", Step: apply.StepSet, Detail: "set enabled = false (restart required)", Elapsed: 800 * time.Millisecond},
			"[  0.8s] xsp2: set enabled = false (restart required)\n"},
		"sensitive set": {apply.Event{Host: "xsp2", Step: apply.StepSet, Detail: "set readCommunity = (sensitive)", Elapsed: 900 * time.Millisecond},
			"[  0.9s] xsp2: set readCommunity = (sensitive)\n"},
		"restarting": {apply.Event{Host: "xsp2", Step: apply.StepRestarting, App: "OpenClientServer", Elapsed: time.Second},
			"[  1.0s] xsp2: restarting OpenClientServer\n"},
		"healthy": {apply.Event{Host: "xsp2", Step: apply.StepHealthy, App: "OpenClientServer", Took: 1200 * time.Millisecond, Elapsed: 2200 * time.Millisecond},
			"[  2.2s] xsp2: healthy after 1.2s\n"},
		"done": {apply.Event{Host: "xsp2", Step: apply.StepDone, Detail: "changed", Elapsed: 2300 * time.Millisecond},
			"[  2.3s] xsp2: done\n"},
		"done unchanged": {apply.Event{Host: "xsp3", Step: apply.StepDone, Detail: "unchanged", Elapsed: 2300 * time.Millisecond},
			"[  2.3s] xsp3: done (unchanged)\n"},
		"stale": {apply.Event{Host: "xsp1", Step: apply.StepStale, Detail: "stale plan: xsp1 Applications/OpenClientServer/CAPProxy enabled is now false, was true when planned"},
			"[  0.0s] xsp1: stale plan: xsp1 Applications/OpenClientServer/CAPProxy enabled is now false, was true when planned\n"},
		"failed multi-line": {apply.Event{Host: "xsp1", Step: apply.StepFailed, Detail: "set serverPort 1 failed: [CLIError] Command set: Invalid value\n<serverPort>, Integer {1025 to 65535}", Elapsed: 12 * time.Second},
			"[ 12.0s] xsp1: failed: set serverPort 1 failed: [CLIError] Command set: Invalid value\n           <serverPort>, Integer {1025 to 65535}\n"},
		"untouched": {apply.Event{Host: "xsp4", Step: apply.StepUntouched, Detail: "not started: the run was interrupted", Elapsed: 1234 * time.Second},
			"[1234.0s] xsp4: untouched: not started: the run was interrupted\n"},
		"interrupted": {apply.Event{Host: "xsp1", Step: apply.StepInterrupted, Detail: "stopped after 1 change(s); the rest were not made"},
			"[  0.0s] xsp1: interrupted: stopped after 1 change(s); the rest were not made\n"},
		// A server's words (a CLI error, a live value) never reach the
		// terminal raw.
		"control characters from a server": {apply.Event{Host: "xsp1", Step: apply.StepFailed, Detail: "get /Path: server refused: \x1b]0;pwned\x07\x1b[2J evil\n\u0085next"},
			"[  0.0s] xsp1: failed: get /Path: server refused: \\x1b]0;pwned\\a\\x1b[2J evil\n           \\u0085next\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			New(&buf, Options{}).Step(tc.e)
			if buf.String() != tc.want {
				t.Errorf("wrong result\ngot: %q\nwant: %q", buf.String(), tc.want)
			}
		})
	}
}

func TestColour(t *testing.T) {
	e := apply.Event{Host: "xsp1", Step: apply.StepFailed, Detail: "boom"}
	var plain, coloured bytes.Buffer
	New(&plain, Options{}).Step(e)
	New(&coloured, Options{Color: true}).Step(e)
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("escape codes without colour: %q", plain.String())
	}
	if want := "[  0.0s] xsp1: \x1b[31mfailed: boom\x1b[0m\n"; coloured.String() != want {
		t.Errorf("wrong result\ngot: %q\nwant: %q", coloured.String(), want)
	}
}

func TestConcurrentStepsWriteWholeLines(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, Options{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			for j := range 50 {
				p.Step(apply.Event{Host: fmt.Sprintf("xsp%d", i), Step: apply.StepSet, Detail: fmt.Sprintf("set port = %d", j)})
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	re := regexp.MustCompile(`^\[  0\.0s\] xsp\d+: set port = \d+$`)
	if len(lines) != 1000 {
		t.Fatalf("wrong result\ngot: %d lines\nwant: 1000", len(lines))
	}
	for _, l := range lines {
		if !re.MatchString(l) {
			t.Fatalf("torn line: %q", l)
		}
	}
}

func TestSummary(t *testing.T) {
	tests := map[string]struct {
		r    *apply.Result
		want string
	}{
		"complete": {
			r: &apply.Result{Hosts: []*apply.HostResult{
				{Name: "xsp1", Outcome: apply.OutcomeChanged}, {Name: "xsp2", Outcome: apply.OutcomeChanged},
				{Name: "xsp3", Outcome: apply.OutcomeUnchanged}, {Name: "xsp4", Outcome: apply.OutcomeUnchanged}, {Name: "xsp5", Outcome: apply.OutcomeUnchanged},
			}, RevertPath: ".bwstate/runs/20261127T101500Z/revert.json"},
			want: "Apply complete: 2 hosts changed, 3 unchanged, 0 failed, 0 untouched.\n" +
				"Revert plan: .bwstate/runs/20261127T101500Z/revert.json\n",
		},
		"incomplete": {
			r: &apply.Result{ExitCode: apply.ExitPartial, Hosts: []*apply.HostResult{
				{Name: "xsp1", Outcome: apply.OutcomeChanged},
				{Name: "xsp2", Outcome: apply.OutcomeFailed, Changed: true, Reason: "OpenClientServer restarted but not healthy within 10m0s: OpenClientServer is Starting",
					PendingLeft: []*engine.Restart{{App: "OpenClientServer", PendingSince: "20261127T101500Z", Unhealthy: "not healthy within 10m0s: OpenClientServer is Starting", RestartedIn: "20261127T101500Z"}}},
				{Name: "xsp6", Outcome: apply.OutcomeFailed, Reason: "connect: connection refused",
					PendingLeft: []*engine.Restart{{App: "OpenClientServer", PendingSince: "20261127T101500Z"}}},
				{Name: "xsp3", Outcome: apply.OutcomeStale, Reason: "stale plan: xsp3 Applications/OpenClientServer/CAPProxy enabled is now false, was true when planned"},
				{Name: "xsp4", Outcome: apply.OutcomeUntouched, Reason: "not started: 1 host(s) failed, more than max_failures (0)"},
				{Name: "xsp5", Outcome: apply.OutcomeUnchanged, Warnings: []string{"the server asked for a restart after Interface/Weird mode changed, but which application needs it is unknown; not restarted, recorded as pending"},
					PendingLeft: []*engine.Restart{{App: "", PendingSince: "20261127T101500Z"}}},
			}},
			// xsp2 was changed before it failed: counted as changed and as
			// failed, said next to it.
			want: "Apply incomplete: 2 hosts changed, 1 unchanged, 2 failed, 1 untouched, 1 stale.\n" +
				"  xsp2 failed (changed): OpenClientServer restarted but not healthy within 10m0s: OpenClientServer is Starting\n" +
				"  xsp6 failed: connect: connection refused\n" +
				"  xsp3 stale: stale plan: xsp3 Applications/OpenClientServer/CAPProxy enabled is now false, was true when planned\n" +
				"  xsp4 untouched: not started: 1 host(s) failed, more than max_failures (0)\n" +
				"  xsp2: OpenClientServer restarted but not healthy: the next apply checks its health first and restarts it again only if needed\n" +
				"  xsp6: restart of OpenClientServer pending since run 20261127T101500Z\n" +
				"  xsp5: restart of an unknown application (restart it by hand, then clear it) pending since run 20261127T101500Z\n" +
				"  xsp5: warning: the server asked for a restart after Interface/Weird mode changed, but which application needs it is unknown; not restarted, recorded as pending\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Summary(&buf, tc.r, Options{}); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, buf.String()); d != "" {
				t.Errorf("wrong result (-want +got):\n%s", d)
			}
		})
	}
}
