package sessions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
)

// fakeProvider opens fakeSessions and records opens and closes.
type fakeProvider struct {
	mu     sync.Mutex
	opens  []string
	closes []string
	// calls are the redactions and reads of every session, "ID what".
	calls []string
	// plain opens sessions without Idle.
	plain bool
}

func (p *fakeProvider) Open(_ context.Context, h *engine.Host) (engine.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.opens = append(p.opens, h.Name)
	s := &fakeSession{p: p, name: h.Name, id: len(p.opens)}
	if p.plain {
		return plainSession{s}, nil
	}
	return s, nil
}

func (p *fakeProvider) log() (opens, closes []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.opens), slices.Sorted(slices.Values(p.closes))
}

type fakeSession struct {
	p    *fakeProvider
	name string
	id   int
	// dead makes Idle fail.
	dead bool
	// dies makes the first command fail and the session dead: the
	// connection ended just after the idle check.
	dies         bool
	reads, execs int
}

// die fails the command when the session dies now.
func (s *fakeSession) die() error {
	if s.dies {
		s.dies, s.dead = false, true
	}
	if s.dead {
		return errors.New("connection closed")
	}
	return nil
}

// idOf is the number of the fake session s is or wraps.
func idOf(s engine.Session) int {
	if r, ok := s.(*reused); ok {
		s = r.Session
	}
	return s.(*fakeSession).id
}

func (s *fakeSession) Idle() error {
	if s.dead {
		return errors.New("the connection ended")
	}
	return nil
}

func (s *fakeSession) Close() error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.closes = append(s.p.closes, s.name)
	return nil
}

func (s *fakeSession) Facts(context.Context) (*engine.Facts, error) { return &engine.Facts{}, nil }
func (s *fakeSession) call(what string) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.calls = append(s.p.calls, fmt.Sprintf("%d %s", s.id, what))
}

func (s *fakeSession) Redact(values ...string) { s.call("redact " + strings.Join(values, ",")) }
func (s *fakeSession) RedactAttributes(path string, names ...string) {
	s.call("redact " + path + ": " + strings.Join(names, ","))
}

func (s *fakeSession) Read(_ context.Context, path string, _ *engine.Context) (*engine.Observed, error) {
	s.call("read " + path)
	s.reads++
	if err := s.die(); err != nil {
		return nil, err
	}
	return &engine.Observed{}, nil
}
func (s *fakeSession) Exec(context.Context, engine.Op) (engine.Reply, error) {
	s.execs++
	return engine.Reply{}, s.die()
}
func (s *fakeSession) Restart(context.Context, string) error                    { return nil }
func (s *fakeSession) Health(context.Context, string) (*engine.Health, error)   { return nil, nil }
func (s *fakeSession) WaitHealthy(context.Context, string, time.Duration) error { return nil }

// plainSession hides Idle: a session that cannot tell it is still usable.
type plainSession struct{ s *fakeSession }

func (p plainSession) Facts(ctx context.Context) (*engine.Facts, error) { return p.s.Facts(ctx) }
func (p plainSession) Read(ctx context.Context, path string, c *engine.Context) (*engine.Observed, error) {
	return p.s.Read(ctx, path, c)
}
func (p plainSession) Exec(ctx context.Context, op engine.Op) (engine.Reply, error) {
	return p.s.Exec(ctx, op)
}
func (p plainSession) Restart(ctx context.Context, app string) error { return p.s.Restart(ctx, app) }
func (p plainSession) Health(ctx context.Context, app string) (*engine.Health, error) {
	return p.s.Health(ctx, app)
}
func (p plainSession) WaitHealthy(ctx context.Context, app string, d time.Duration) error {
	return p.s.WaitHealthy(ctx, app, d)
}
func (p plainSession) Close() error { return p.s.Close() }

func hosts(n int) []*engine.Host {
	var hs []*engine.Host
	for i := range n {
		hs = append(hs, &engine.Host{Name: fmt.Sprintf("xsp%d", i+1)})
	}
	return hs
}

// withWork is the plan of a host with a change.
func withWork(name string) *engine.HostPlan {
	return &engine.HostPlan{Name: name, Changes: []*engine.Change{{Path: "Applications/OpenClientServer/CAPProxy"}}}
}

// offer opens a session to name and offers it with hp; it reports whether
// the keeper took it (else it is closed, as plan.Run does).
func offer(t *testing.T, k *Keeper, p *fakeProvider, hp *engine.HostPlan) bool {
	t.Helper()
	s, err := p.Open(t.Context(), &engine.Host{Name: hp.Name})
	if err != nil {
		t.Fatal(err)
	}
	if k.Offer(hp, s) {
		return true
	}
	_ = s.Close()
	return false
}

func TestOfferKeepsHostsWithWorkEarliestFirst(t *testing.T) {
	p := &fakeProvider{}
	k := New(p, 2, hosts(4))
	for _, tc := range []struct {
		hp   *engine.HostPlan
		kept bool
	}{
		{&engine.HostPlan{Name: "xsp4"}, false},                          // nothing to apply
		{&engine.HostPlan{Name: "xsp4", Error: "unreachable: x"}, false}, // failed
		{withWork("xsp4"), true},
		{withWork("xsp3"), true},
		{withWork("xsp1"), true}, // earlier than xsp4, which makes room
		{&engine.HostPlan{Name: "xsp2", Restarts: []*engine.Restart{{App: "OpenClientServer", Pending: true}}}, true}, // a pending restart; xsp3 makes room
		{withWork("xsp9"), false}, // not in the plan's order: never in place of a planned host
	} {
		if got := offer(t, k, p, tc.hp); got != tc.kept {
			t.Errorf("%s: kept %v, want %v", tc.hp.Name, got, tc.kept)
		}
	}
	if d := cmp.Diff([]string{"xsp1", "xsp2"}, slices.Sorted(slices.Values(k.Kept()))); d != "" {
		t.Errorf("wrong hosts kept (-want +got):\n%s", d)
	}
	if _, closes := p.log(); !cmp.Equal(closes, []string{"xsp3", "xsp4", "xsp4", "xsp4", "xsp9"}) {
		t.Errorf("wrong sessions closed\ngot:  %q\nwant: xsp3, xsp4 (three times), xsp9", closes)
	}
	if got, want := k.Stats(), (Stats{Kept: 4, Closed: 2}); got != want {
		t.Errorf("wrong stats\ngot:  %+v\nwant: %+v", got, want)
	}
}

func TestOfferRefusesSessionsThatCannotTellTheyAreIdle(t *testing.T) {
	p := &fakeProvider{plain: true}
	k := New(p, 5, hosts(1))
	if offer(t, k, p, withWork("xsp1")) {
		t.Error("kept a session without Idle")
	}
	if k := New(p, 0, hosts(1)); offer(t, k, p, withWork("xsp1")) {
		t.Error("kept a session with a limit of 0")
	}
}

func TestRetainOpenAndClose(t *testing.T) {
	p := &fakeProvider{}
	k := New(p, 10, hosts(4))
	for _, n := range []string{"xsp1", "xsp2", "xsp3", "xsp4"} {
		offer(t, k, p, withWork(n))
	}
	k.Retain([]string{"xsp1", "xsp2", "xsp3", "xsp9"})
	if _, closes := p.log(); !cmp.Equal(closes, []string{"xsp4"}) {
		t.Errorf("Retain closed %q, want xsp4", closes)
	}
	k.kept["xsp2"].(*fakeSession).dead = true

	ctx := t.Context()
	s1, err := k.Open(ctx, &engine.Host{Name: "xsp1"})
	if err != nil {
		t.Fatal(err)
	}
	if id := idOf(s1); id != 1 {
		t.Errorf("xsp1: got session %d, want the kept one (1)", id)
	}
	// xsp2's kept session died while idle: it is closed, and a new one
	// opened in its place.
	s2, err := k.Open(ctx, &engine.Host{Name: "xsp2"})
	if err != nil {
		t.Fatal(err)
	}
	if id := idOf(s2); id != 5 {
		t.Errorf("xsp2: got session %d, want a new one (5)", id)
	}
	// Opening xsp1 again gets a new session: the kept one is handed out once.
	if s, _ := k.Open(ctx, &engine.Host{Name: "xsp1"}); idOf(s) != 6 {
		t.Errorf("xsp1 again: got session %d, want a new one (6)", idOf(s))
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	opens, closes := p.log()
	if d := cmp.Diff([]string{"xsp1", "xsp2", "xsp3", "xsp4", "xsp2", "xsp1"}, opens); d != "" {
		t.Errorf("wrong opens (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"xsp2", "xsp3", "xsp4"}, closes); d != "" {
		t.Errorf("wrong closes (-want +got):\n%s", d)
	}
	if got, want := k.Stats(), (Stats{Kept: 4, Reused: 1, Reopened: 1, Closed: 2}); got != want {
		t.Errorf("wrong stats\ngot:  %+v\nwant: %+v", got, want)
	}
	if len(k.Kept()) != 0 {
		t.Errorf("sessions still kept after Close: %q", k.Kept())
	}
}

// TestConcurrentOffers: plan offers from one goroutine per host; the
// limit holds and every session not kept is closed once.
func TestConcurrentOffers(t *testing.T) {
	const n, limit = 50, 7
	p := &fakeProvider{}
	k := New(p, limit, hosts(n))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { offer(t, k, p, withWork(fmt.Sprintf("xsp%d", i+1))) })
	}
	wg.Wait()
	kept := k.Kept()
	if len(kept) != limit {
		t.Fatalf("%d sessions kept, want %d", len(kept), limit)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	opens, closes := p.log()
	if !cmp.Equal(slices.Sorted(slices.Values(opens)), closes) {
		t.Errorf("sessions opened and closed differ\nopened: %q\nclosed: %q", opens, closes)
	}
}

// TestReusedSessionDiesAtOnce: a kept session whose connection ends just
// after the idle check fails its first command; a first read is made again
// on a new session, a first write never is (the server may have it).
func TestReusedSessionDiesAtOnce(t *testing.T) {
	p := &fakeProvider{}
	k := New(p, 10, hosts(2))
	offer(t, k, p, withWork("xsp1"))
	offer(t, k, p, withWork("xsp2"))
	k.kept["xsp1"].(*fakeSession).dies = true
	k.kept["xsp2"].(*fakeSession).dies = true
	ctx := t.Context()

	s1, _ := k.Open(ctx, &engine.Host{Name: "xsp1"})
	if _, err := s1.Read(ctx, "Applications/OpenClientServer/CAPProxy", nil); err != nil {
		t.Fatalf("first read not made again: %v", err)
	}
	if id := idOf(s1); id != 3 {
		t.Errorf("xsp1: session %d after the read, want a new one (3)", id)
	}
	// Only the first command is made again: the session is known good.
	s1.(*reused).Session.(*fakeSession).dies = true
	if _, err := s1.Read(ctx, "Interface/SNMP/Agent", nil); err == nil {
		t.Error("a later read was made again")
	}

	s2, _ := k.Open(ctx, &engine.Host{Name: "xsp2"})
	if _, err := s2.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: "Applications/OpenClientServer/CAPProxy", Attr: "enabled", Value: "false"}); err == nil {
		t.Error("a write on a dead session succeeded")
	}
	if id := idOf(s2); id != 2 {
		t.Errorf("xsp2: session %d after the write, want the kept one (2): a write is never made again", id)
	}
	if got, want := k.Stats(), (Stats{Kept: 2, Reused: 1, Reopened: 1}); got != want {
		t.Errorf("wrong stats\ngot:  %+v\nwant: %+v", got, want)
	}
	if opens, _ := p.log(); !cmp.Equal(opens, []string{"xsp1", "xsp2", "xsp1"}) {
		t.Errorf("wrong opens: %q", opens)
	}
}

// TestReusedSessionRedacts: what apply tells a reused session to mask
// reaches the session it wraps, and the session that replaces it is told
// all of it again before the read is made again, so that its transcript
// masks the same secrets.
func TestReusedSessionRedacts(t *testing.T) {
	p := &fakeProvider{}
	k := New(p, 10, hosts(1))
	offer(t, k, p, withWork("xsp1"))
	k.kept["xsp1"].(*fakeSession).dies = true
	ctx := t.Context()
	s, _ := k.Open(ctx, &engine.Host{Name: "xsp1"})
	engine.RedactChanges(s, []*engine.Change{{Path: "Interface/SNMP/Agent",
		Attrs: []*engine.AttrChange{{Name: "readCommunity", After: "s3cret", Sensitive: true}}}},
		func(ac *engine.AttrChange) string { return ac.After })
	if _, err := s.Read(ctx, "Interface/SNMP/Agent", nil); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	got := slices.Clone(p.calls)
	p.mu.Unlock()
	var told []string
	for _, c := range got {
		if strings.HasPrefix(c, "1 redact") {
			told = append(told, strings.TrimPrefix(c, "1 "))
		}
	}
	if len(told) == 0 {
		t.Fatalf("the kept session was told nothing: %q", got)
	}
	var want []string
	for _, r := range told {
		want = append(want, "2 "+r)
	}
	want = append(want, "2 read Interface/SNMP/Agent")
	if d := cmp.Diff(want, got[len(got)-len(want):]); d != "" {
		t.Errorf("wrong calls on the new session (-want +got):\n%s\nall: %q", d, got)
	}
}
