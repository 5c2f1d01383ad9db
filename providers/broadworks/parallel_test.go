package broadworks

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// TestParallelSessions runs 50 sessions at once through one provider, one
// per simulated host, as a plan of 50 hosts does: each reads its own facts
// and CAPProxy, all are closed, and no goroutine is left.
func TestParallelSessions(t *testing.T) {
	const n = 50
	var blocks []string
	for i := range n {
		// Every other host has CAP disabled, so a session that read
		// another host's answer would show.
		enabled := i%2 == 0
		blocks = append(blocks, simHost(fmt.Sprintf("xsp%02d", i), "xsp", "Rel_24.0_1.944",
			fmt.Sprintf("  context %q {\n    enabled = %t\n    serverPort = %d\n  }", capPath, enabled, 2000+i)))
	}
	f := simtest.Start(t, lab(blocks...))
	ctx := testCtx(t)
	leaks := goroutineBaseline(t)
	p := New(Options{SSHConfigPath: "none", Getenv: fakeEnv(nil)})

	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		name := fmt.Sprintf("xsp%02d", i)
		h := hostOf(t, f, name)
		wg.Go(func() {
			errs[i] = func() error {
				s, err := p.Open(ctx, h)
				if err != nil {
					return err
				}
				defer s.Close()
				facts, err := s.Facts(ctx)
				if err != nil {
					return err
				}
				wantAlarms := []string{}
				if i%2 == 0 {
					wantAlarms = []string{capAlarm}
				}
				if !cmp.Equal(facts.Alarms, wantAlarms) || facts.Release != engine.MustParseRelease("24.0") {
					return fmt.Errorf("wrong facts\ngot: %+v\nwant: release 24, alarms %v", facts, wantAlarms)
				}
				obs, err := s.Read(ctx, capPath, nil)
				if err != nil {
					return err
				}
				want := map[string]string{"enabled": fmt.Sprint(i%2 == 0), "serverPort": fmt.Sprint(2000 + i), "numConnections": "1"}
				if diff := cmp.Diff(want, obs.Attrs); diff != "" {
					return fmt.Errorf("wrong read (-want +got)\n%s", diff)
				}
				return s.Close()
			}()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("xsp%02d: %v", i, err)
		}
	}
	// Closing each session released everything it held: the provider has
	// nothing left to close.
	leaks()
	if err := p.Close(); err != nil {
		t.Errorf("close provider: %v", err)
	}

	want := []string{
		"shell bwshowver", "shell bwcli", "cli cd /Monitoring/Alarm/AlarmsTable", "cli list",
		"cli cd /" + capPath, "cli get", "cli exit", "cli y",
	}
	for _, h := range f.Hosts() {
		if diff := cmp.Diff(want, commandLines(h.Commands())); diff != "" {
			t.Errorf("%s: wrong commands (-want +got)\n%s", h.Name(), diff)
		}
	}
	// Every host was used by exactly one session.
	if got := countCommand(f.Commands(), "shell bwshowver"); got != n {
		t.Errorf("wrong result\ngot: %d sessions\nwant: %d", got, n)
	}
}
