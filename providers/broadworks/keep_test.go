package broadworks

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/sessions"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// TestKeptSessionReopened: a session kept after a plan (engine/sessions)
// is handed to the apply while it is idle; once the server has dropped it
// (while the operator read the plan), it says so without sending anything,
// is closed without an exit, and a new session takes its place.
func TestKeptSessionReopened(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_22.0_1.1123", ""), simHost("xsp2", "xsp", "Rel_22.0_1.1123", "")))
	p := newTestProvider(t, Options{}, nil)
	ctx := testCtx(t)
	h1, h2 := hostOf(t, f, "xsp1"), hostOf(t, f, "xsp2")
	k := sessions.New(p, 10, []*engine.Host{h1, h2})
	t.Cleanup(func() { _ = k.Close() })
	schema := schemaOf(t, "xsp", capPath)
	planned := func(h *engine.Host) *session {
		s, err := p.Open(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(ctx, capPath, schema); err != nil {
			t.Fatal(err)
		}
		if !k.Offer(&engine.HostPlan{Name: h.Name, Changes: []*engine.Change{{Path: capPath}}}, s) {
			t.Fatalf("%s: session not kept", h.Name)
		}
		return s.(*session)
	}
	planned(h1)
	kept2 := planned(h2)

	// xsp2's server drops the connection while the plan is read.
	sh2 := f.Host("xsp2")
	if n := sh2.DropConnections(); n != 1 {
		t.Fatalf("dropped %d connections of xsp2, want 1", n)
	}
	before := len(sh2.Commands())
	// The drop reaches the client asynchronously: the operator is still
	// reading the plan.
	select {
	case <-kept2.client.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not see the connection end")
	}

	s1, err := k.Open(ctx, h1)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := k.Open(ctx, h2)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []engine.Session{s1, s2} {
		if _, err := s.Read(ctx, capPath, schema); err != nil {
			t.Fatalf("read through the apply's session: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := k.Stats(); got.Reused != 1 || got.Reopened != 1 {
		t.Errorf("wrong stats\ngot:  %+v\nwant: xsp1 reused, xsp2 reopened", got)
	}
	// xsp1: one session, one bwcli. xsp2: a second session; nothing was
	// sent on the dropped one.
	if n := countCommand(f.Host("xsp1").Commands(), "shell bwcli"); n != 1 {
		t.Errorf("xsp1: bwcli started %d times, want 1", n)
	}
	want := []string{"shell bwcli", "cli cd /" + capPath, "cli get", "cli exit", "cli y"}
	if d := cmp.Diff(want, commandsSince(sh2, before)); d != "" {
		t.Errorf("xsp2: wrong commands after the drop (-want +got):\n%s", d)
	}
}

// TestIdleAfterDrop: Idle tells a dropped connection without sending
// anything, and Close then sends nothing either.
func TestIdleAfterDrop(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_22.0_1.1123", "")))
	p := newTestProvider(t, Options{}, nil)
	ctx := testCtx(t)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))
	if _, err := s.Read(ctx, capPath, schemaOf(t, "xsp", capPath)); err != nil {
		t.Fatal(err)
	}
	idle := s.(engine.IdleSession)
	if err := idle.Idle(); err != nil {
		t.Fatalf("Idle of a session just used: %v", err)
	}
	sh := f.Host("xsp1")
	sh.DropConnections()
	before := len(sh.Commands())
	var err error
	for deadline := time.Now().Add(10 * time.Second); err == nil && time.Now().Before(deadline); {
		if err = idle.Idle(); err == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err == nil || !(errors.Is(err, bwcli.ErrNotIdle) || strings.Contains(err.Error(), "ended")) {
		t.Fatalf("wrong error\ngot:  %v\nwant: the connection ended", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after the drop: %v", err)
	}
	if got := commandsSince(sh, before); len(got) != 0 {
		t.Errorf("sent after the drop: %q", got)
	}
}
