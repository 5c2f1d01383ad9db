// Package sessions keeps hosts' sessions from a plan's read pass open for
// the apply that follows it in the same process (`bwstate apply` without a
// plan file). Connecting and starting the CLI is the dearest part of a host
// (on a real server bwcli is a JVM that takes seconds to start), so a host
// the apply changes first is better served by the session its plan opened
// than by a second one.
//
// A Keeper takes sessions offered by plan.Run (plan.Options.Keep), at most
// its limit, preferring hosts early in plan order, since apply starts with
// them; Retain then closes those whose turn is far away; apply.Run opens
// hosts through the Keeper, which hands out a kept session when it is
// still idle (engine.IdleSession) and opens a new one otherwise, so a
// session that died while the operator read the plan is replaced without
// anyone noticing. Close closes what was never used.
package sessions

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/bwstate/bwstate/engine"
)

// Stats count what a Keeper did.
type Stats struct {
	// Kept is how many sessions were taken from the plan; Reused how many
	// of them the apply used; Reopened how many it found no longer idle
	// and replaced; Closed how many were closed unused (Retain, Close, or
	// made room for a host earlier in plan order).
	Kept, Reused, Reopened, Closed int
}

// Keeper keeps sessions between a plan and an apply. It implements
// engine.Provider over the provider it wraps. Safe for concurrent use.
type Keeper struct {
	p     engine.Provider
	limit int
	order map[string]int

	mu    sync.Mutex
	kept  map[string]engine.Session
	stats Stats
}

// New returns a Keeper opening sessions with p and keeping at most limit of
// them; hosts is the plan's host order (earlier hosts are kept first).
func New(p engine.Provider, limit int, hosts []*engine.Host) *Keeper {
	k := &Keeper{p: p, limit: limit, order: map[string]int{}, kept: map[string]engine.Session{}}
	for i, h := range hosts {
		k.order[h.Name] = i
	}
	return k
}

// Offer is plan.Options.Keep: it takes the session of a host whose plan has
// something to apply (changes or restarts) when the session can tell it is
// still usable later (engine.IdleSession), while fewer than the limit are
// kept, or in place of a kept host later in plan order (whose session it
// closes). It returns false when it does not take the session.
func (k *Keeper) Offer(hp *engine.HostPlan, s engine.Session) bool {
	if _, ok := s.(engine.IdleSession); !ok || k.limit < 1 || hp.Error != "" || len(hp.Changes) == 0 && len(hp.Restarts) == 0 {
		return false
	}
	k.mu.Lock()
	if _, dup := k.kept[hp.Name]; dup {
		k.mu.Unlock()
		return false
	}
	var evicted engine.Session
	if len(k.kept) >= k.limit {
		last, lastPos := "", -1
		for name := range k.kept {
			if pos := k.order[name]; pos > lastPos {
				last, lastPos = name, pos
			}
		}
		if pos, ok := k.order[hp.Name]; !ok || pos > lastPos {
			k.mu.Unlock()
			return false
		}
		evicted = k.kept[last]
		delete(k.kept, last)
		k.stats.Closed++
	}
	k.kept[hp.Name] = s
	k.stats.Kept++
	k.mu.Unlock()
	if evicted != nil {
		_ = evicted.Close()
	}
	return true
}

// Retain closes the kept sessions of every host not in names (the hosts the
// apply starts first, apply.FirstHosts), at once: the others would sit idle
// until their turn.
func (k *Keeper) Retain(names []string) {
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	k.mu.Lock()
	var drop []engine.Session
	for name, s := range k.kept {
		if !keep[name] {
			drop = append(drop, s)
			delete(k.kept, name)
			k.stats.Closed++
		}
	}
	k.mu.Unlock()
	closeAll(drop)
}

// Open implements engine.Provider: the kept session of h when it is still
// idle, else a new one from the wrapped provider. A kept session that is
// not idle is closed (it sends nothing more) and replaced.
func (k *Keeper) Open(ctx context.Context, h *engine.Host) (engine.Session, error) {
	k.mu.Lock()
	s, ok := k.kept[h.Name]
	delete(k.kept, h.Name)
	k.mu.Unlock()
	if ok {
		if err := s.(engine.IdleSession).Idle(); err == nil {
			k.count(func(st *Stats) { st.Reused++ })
			return &reused{Session: s, k: k, h: h, first: true}, nil
		}
		_ = s.Close()
		k.count(func(st *Stats) { st.Reopened++ })
	}
	return k.p.Open(ctx, h)
}

// reused is a kept session handed to the apply. Its connection may end
// between the idle check and the first command: when that first command is
// a read and fails while the session is no longer idle, the read is made
// again on a new session. Writes and restarts are never made again: the
// server may have received them.
type reused struct {
	engine.Session
	k     *Keeper
	h     *engine.Host
	first bool
	// redactions are what the session was told to mask (engine.Redactor),
	// told again to a session that replaces it.
	redactions []func(engine.Redactor)
}

var (
	_ engine.FactsReader = (*reused)(nil)
	_ engine.IdleSession = (*reused)(nil)
	_ engine.Redactor    = (*reused)(nil)
)

// Redact implements engine.Redactor for the session it wraps.
func (r *reused) Redact(values ...string) {
	r.redact(func(red engine.Redactor) { red.Redact(values...) })
}

// RedactAttributes implements engine.Redactor for the session it wraps.
func (r *reused) RedactAttributes(path string, names ...string) {
	r.redact(func(red engine.Redactor) { red.RedactAttributes(path, names...) })
}

func (r *reused) redact(f func(engine.Redactor)) {
	r.redactions = append(r.redactions, f)
	if red, ok := r.Session.(engine.Redactor); ok {
		f(red)
	}
}

// again reports whether a failed first read is to be made again, after
// replacing the session.
func (r *reused) again(ctx context.Context, err error) bool {
	first := r.first
	r.first = false
	if err == nil || !first || r.Session.(engine.IdleSession).Idle() == nil {
		return false
	}
	s, oerr := r.k.p.Open(ctx, r.h)
	if oerr != nil {
		return false
	}
	_ = r.Session.Close()
	r.Session = s
	if red, ok := s.(engine.Redactor); ok {
		for _, f := range r.redactions {
			f(red)
		}
	}
	r.k.count(func(st *Stats) { st.Reused--; st.Reopened++ })
	return true
}

func (r *reused) Facts(ctx context.Context) (*engine.Facts, error) {
	f, err := r.Session.Facts(ctx)
	if r.again(ctx, err) {
		return r.Session.Facts(ctx)
	}
	return f, err
}

func (r *reused) ReadFacts(ctx context.Context, req engine.FactsRequest) (*engine.Facts, error) {
	f, err := engine.ReadFacts(ctx, r.Session, req)
	if r.again(ctx, err) {
		return engine.ReadFacts(ctx, r.Session, req)
	}
	return f, err
}

func (r *reused) Read(ctx context.Context, path string, schema *engine.Context) (*engine.Observed, error) {
	o, err := r.Session.Read(ctx, path, schema)
	if r.again(ctx, err) {
		return r.Session.Read(ctx, path, schema)
	}
	return o, err
}

func (r *reused) Health(ctx context.Context, app string) (*engine.Health, error) {
	hl, err := r.Session.Health(ctx, app)
	if r.again(ctx, err) {
		return r.Session.Health(ctx, app)
	}
	return hl, err
}

func (r *reused) Exec(ctx context.Context, op engine.Op) (engine.Reply, error) {
	r.first = false
	return r.Session.Exec(ctx, op)
}

func (r *reused) Restart(ctx context.Context, app string) error {
	r.first = false
	return r.Session.Restart(ctx, app)
}

func (r *reused) WaitHealthy(ctx context.Context, app string, timeout time.Duration) error {
	r.first = false
	return r.Session.WaitHealthy(ctx, app, timeout)
}

// Idle implements engine.IdleSession.
func (r *reused) Idle() error { return r.Session.(engine.IdleSession).Idle() }

// Kept names the hosts whose session is kept now.
func (k *Keeper) Kept() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	names := make([]string, 0, len(k.kept))
	for n := range k.kept {
		names = append(names, n)
	}
	return names
}

// Stats returns what the Keeper did so far.
func (k *Keeper) Stats() Stats {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stats
}

func (k *Keeper) count(f func(*Stats)) {
	k.mu.Lock()
	f(&k.stats)
	k.mu.Unlock()
}

// Close closes every session still kept (an apply that was cancelled, or
// hosts it never started). It does not close the wrapped provider.
func (k *Keeper) Close() error {
	k.mu.Lock()
	var all []engine.Session
	for name, s := range k.kept {
		all = append(all, s)
		delete(k.kept, name)
		k.stats.Closed++
	}
	k.mu.Unlock()
	return closeAll(all)
}

// closeAll closes sessions in parallel: each leaves its CLI, a round trip.
func closeAll(ss []engine.Session) error {
	errs := make([]error, len(ss))
	var wg sync.WaitGroup
	for i, s := range ss {
		wg.Go(func() { errs[i] = s.Close() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
