package broadworks

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"github.com/google/go-cmp/cmp"
)

const ocs = "OpenClientServer"

const capEnabled = `  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }`

// TestRestartWaitHealthy is the end of the founding case: disable CAP,
// restart OpenClientServer, wait until the host is healthy again; the
// restart makes the change effective and clears the CAP alarm.
func TestRestartWaitHealthy(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_22.0_1.1123", capEnabled+"\n  restart_delay = \"1s\"")))
	sh := f.Host("xsp1")
	ctx := testCtx(t)
	p := newTestProvider(t, Options{HealthPoll: 50 * time.Millisecond}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))

	if _, err := s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: capPath, Attr: "enabled", Value: "false"}); err != nil {
		t.Fatalf("exec: %v", err)
	}
	if err := s.Restart(ctx, ocs); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if err := s.WaitHealthy(ctx, ocs, 30*time.Second); err != nil {
		t.Fatalf("wait healthy: %v", err)
	}
	if got := sh.AppState(ocs); got != sim.AppRunning {
		t.Errorf("wrong application state\ngot: %s\nwant: %s", got, sim.AppRunning)
	}
	if got := sh.RestartCount(ocs); got != 1 {
		t.Errorf("wrong restart count\ngot: %d\nwant: 1", got)
	}
	if got := sh.PendingRestarts(); len(got) != 0 {
		t.Errorf("wrong pending restarts\ngot: %v\nwant: none", got)
	}
	facts, err := s.Facts(ctx)
	if err != nil {
		t.Fatalf("facts: %v", err)
	}
	if len(facts.Alarms) != 0 {
		t.Errorf("wrong alarms after the restart\ngot: %v\nwant: none (CAP disabled)", facts.Alarms)
	}

	cmds := sh.Commands()
	wantPrefix := []string{
		"shell bwcli",
		"cli cd /" + capPath,
		"cli set enabled false",
		// restartbw is a shell tool: leave bwcli first. showrun decides
		// nothing about the restart itself.
		"cli exit",
		"cli y",
		"shell restartbw " + ocs,
		"shell healthmon -l",
	}
	if diff := cmp.Diff(wantPrefix, commandLines(cmds)[:len(wantPrefix)]); diff != "" {
		t.Errorf("wrong commands on the host (-want +got)\n%s", diff)
	}
	// Healthy needs healthmon clean, then showrun (which parses here)
	// showing the application running.
	if n := countCommand(cmds, "shell showrun"); n != 1 {
		t.Errorf("wrong number of showrun commands\ngot: %d\nwant: 1 (once healthmon is clean)", n)
	}
	if n := countCommand(cmds, "shell restartbw "+ocs); n != 1 {
		t.Errorf("wrong number of restarts sent\ngot: %d\nwant: 1", n)
	}
}

// TestHealth probes a host once: a restarting application is reported
// with the server's words.
func TestHealth(t *testing.T) {
	// The restart never completes within the test, so the probe below
	// sees it starting whatever the machine's load.
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", `  restart_delay = "1h"`)))
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))

	h, err := s.Health(ctx, ocs)
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	if diff := cmp.Diff(&engine.Health{Healthy: true, Severity: "NOTIFICATION"}, h); diff != "" {
		t.Errorf("wrong health before the restart (-want +got)\n%s", diff)
	}
	if err := s.Restart(ctx, ocs); err != nil {
		t.Fatalf("restart: %v", err)
	}
	h, err = s.Health(ctx, ocs)
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	want := &engine.Health{
		Severity: "MAJOR",
		Detail:   "severity MAJOR: Application OpenClientServer is not running (state: Starting)",
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("wrong health while restarting (-want +got)\n%s", diff)
	}
	// Another application is not concerned by the restart, but the host
	// as a whole is not healthy.
	h, err = s.Health(ctx, "WebContainer")
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	if h.Healthy {
		t.Errorf("wrong result\ngot: healthy\nwant: not healthy while OpenClientServer restarts")
	}
}

// TestWaitHealthyTimeout: a host that never becomes healthy gives an error
// wrapping engine.ErrHealthTimeout that says what was wrong last.
func TestWaitHealthyTimeout(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", `  restart_delay = "0s"
  fault {
    never_healthy = true
  }`)))
	ctx := testCtx(t)
	p := newTestProvider(t, Options{HealthPoll: 50 * time.Millisecond}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))

	if err := s.Restart(ctx, ocs); err != nil {
		t.Fatalf("restart: %v", err)
	}
	err := s.WaitHealthy(ctx, ocs, 1500*time.Millisecond)
	if !errors.Is(err, engine.ErrHealthTimeout) {
		t.Fatalf("wrong error\ngot: %v\nwant: one wrapping engine.ErrHealthTimeout", err)
	}
	want := "OpenClientServer on xsp1 after 1.5s (last: severity MAJOR: Application OpenClientServer is not running (state: Starting)): not healthy before the health timeout"
	if err.Error() != want {
		t.Errorf("wrong message\ngot: %s\nwant: %s", err, want)
	}
	if n := countCommand(f.Host("xsp1").Commands(), "shell healthmon -l"); n < 1 {
		t.Errorf("wrong result\ngot: %d health probes\nwant: at least one", n)
	}
}

// TestRestartErrors shows the messages of restarts that cannot be made.
func TestRestartErrors(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))
	tests := []struct {
		name, app, wantErr string
	}{
		{name: "whole server", app: "", wantErr: "no application named; bwstate never restarts a whole server"},
		{
			// The server's own answer refuses the name.
			name:    "unknown application",
			app:     "NoSuchApp",
			wantErr: "restartbw NoSuchApp: server refused: restartbw: unknown application NoSuchApp (this server runs WebContainer, OpenClientServer, Xsi-Actions, Xsi-Events, AuthenticationService)",
		},
		{
			// Refused before anything is sent.
			name:    "unsafe name",
			app:     "OCS;reboot",
			wantErr: `restartbw: unsafe application name "OCS;reboot": contains ';', which BWCLI treats as a command separator (byte 3)`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Restart(ctx, tc.app)
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("wrong error\ngot: %v\nwant: %s", err, tc.wantErr)
			}
		})
	}
	for _, c := range f.Host("xsp1").Commands() {
		if strings.HasPrefix(c.Line, "restartbw") && c.Line != "restartbw NoSuchApp" || strings.Contains(c.Line, "reboot") {
			t.Errorf("wrong result\ngot: %q sent to the host\nwant: no restart at all", c.Line)
		}
	}
	if got := f.Host("xsp1").RestartCount(ocs); got != 0 {
		t.Errorf("wrong restart count\ngot: %d\nwant: 0", got)
	}
}

// TestHealthShowrunOnlyWhenUnderstood: healthmon decides; showrun counts
// only when it parses and lists the application with a state the driver
// knows. Anything else is a warning, never a refusal or an endless wait.
func TestHealthShowrunOnlyWhenUnderstood(t *testing.T) {
	tests := map[string]struct {
		showrun     string
		wantHealthy bool
		wantDetail  string
		wantWarning string
	}{
		"running": {showrun: fakeShowrun, wantHealthy: true},
		"starting": {
			showrun:    "Application       State\n-----------------------\nOpenClientServer  Starting\n",
			wantDetail: "OpenClientServer is Starting",
		},
		"absent": {
			showrun:     "-bash: showrun: command not found\n",
			wantHealthy: true, wantWarning: "showrun is not usable on xsp1 (-bash: showrun: command not found): health decided by healthmon -l alone",
		},
		"unparseable": {
			showrun:     "Application  State\n-----\nOpenClientServer\n",
			wantHealthy: true, wantWarning: "showrun output on xsp1 is not understood",
		},
		"a process listing": {
			showrun:     "BroadWorks process monitor\n======\n[ up ] OpenClientServer (pid 4242)\n",
			wantHealthy: true, wantWarning: "showrun output on xsp1 is not understood",
		},
		"application not listed": {
			showrun:     "Application  State\n-------------------\nbwcorba      Running\n",
			wantHealthy: true, wantWarning: "showrun on xsp1 does not list OpenClientServer: health decided by healthmon -l alone",
		},
		"unknown state word": {
			showrun:     "Application       State\n-----------------------\nOpenClientServer  Green\n",
			wantHealthy: true, wantWarning: `showrun on xsp1 shows OpenClientServer as "Green", a state bwstate does not know`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, f := startTermFake(t, func(f *termFake) { f.reply = replyTo("showrun", tc.showrun) })
			h, err := s.Health(testCtx(t), ocs)
			closeSession(s)
			<-f.done
			if err != nil {
				t.Fatalf("health: %v", err)
			}
			if h.Healthy != tc.wantHealthy || h.Detail != tc.wantDetail {
				t.Errorf("wrong health\ngot:  healthy %v, %q\nwant: healthy %v, %q", h.Healthy, h.Detail, tc.wantHealthy, tc.wantDetail)
			}
			switch {
			case tc.wantWarning == "" && len(h.Warnings) > 0:
				t.Errorf("wrong warnings\ngot:  %q\nwant: none", h.Warnings)
			case tc.wantWarning != "" && (len(h.Warnings) != 1 || !strings.Contains(h.Warnings[0], tc.wantWarning)):
				t.Errorf("wrong warnings\ngot:  %q\nwant: one containing %q", h.Warnings, tc.wantWarning)
			}
		})
	}
}
