package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bwstate/bwstate/engine"
)

// DefaultParallelism is how many hosts are read at once when
// Options.Parallelism is not set (`-parallelism`, docs/cli.md).
const DefaultParallelism = engine.DefaultParallelism

// Source is what the planner needs from the configuration; engine/config
// implements it. Both methods are called once per host, after the host's
// facts are known, possibly from several goroutines at once.
type Source interface {
	// Desired returns the resources that apply to the host, evaluated
	// against its facts, in declaration order.
	Desired(h *engine.Host, f *engine.Facts) ([]*engine.Desired, error)
	// Checks evaluates the check blocks that apply to the host.
	Checks(h *engine.Host, f *engine.Facts) ([]*engine.Check, error)
}

// Hook receives progress while Run reads hosts. Run serialises the calls,
// so an implementation needs no locking of its own, and must return quickly.
// A host never started because ctx was cancelled gets neither call.
type Hook interface {
	// HostStart is called when Run starts reading a host.
	HostStart(host string)
	// HostDone is called with the host's plan (possibly failed) when it is done.
	HostDone(host string, hp *engine.HostPlan)
}

// TotalHook is an optional extension of Hook for progress displays: Run
// calls Reading once, before the first HostStart, with the number of hosts
// it will read (the selected hosts less those left alone).
type TotalHook interface {
	Hook
	Reading(hosts int)
}

// Options configure Run.
type Options struct {
	// Hosts are the selected hosts, in inventory order; the plan keeps it.
	Hosts    []*engine.Host
	Source   Source
	Provider engine.Provider
	// Catalogue supplies the schema of a declared context when the
	// configuration left Desired.Schema nil, and the advisories checked on
	// every host (optional; required with Drift).
	Catalogue engine.Catalogue
	// Drift also reads every catalogue context of each host's type that its
	// release has, that is not read-only and that no desired resource
	// manages, and lists in HostPlan.Drift what differs from the catalogue
	// defaults (plan -drift). Drift is information: it is never applied.
	Drift bool
	// Parallelism caps the hosts read at once; 0 means DefaultParallelism.
	Parallelism int
	// Pending lists, per host name, the restarts earlier runs left pending
	// (from the journal).
	Pending map[string][]*engine.Restart
	// Secrets are the configuration's sensitive values that no host's
	// desired state shows (the raw values of sensitive variables): with
	// the host's own sensitive desired values, a drift entry whose value
	// holds one shows neither value (engine.HoldsSecret).
	Secrets []string
	// SecretMatches reports whether a prompted password's last applied
	// value (the journal keeps its hash) equals value; nil means every
	// prompted attribute is a change.
	SecretMatches SecretMatcher
	// Concerns reports whether a resource or check of the configuration
	// applies to the host. A host that none concerns, that no advisory of
	// the Catalogue concerns (by its declared type) and that has nothing
	// pending is not contacted: it is listed in Plan.LeftAlone. With Drift
	// every host is read. nil means every host is concerned.
	Concerns func(h *engine.Host) bool
	// NeedsAlarms reports whether the host's evaluation uses the raised
	// alarms (host.alarms in a when, a value or a check): only then does
	// the read pass read the alarms table, a cd and a list per host. No
	// catalogue advisory needs them (advisories test context values). nil
	// means every host needs them.
	NeedsAlarms func(h *engine.Host) bool
	// Keep, when set, is offered the session of every host planned
	// without error once its plan is made; when it returns true it owns
	// the session and Run does not close it (`bwstate apply` keeps the
	// sessions of the hosts it applies first, engine/sessions).
	Keep func(hp *engine.HostPlan, s engine.Session) bool
	// Hook reports progress (optional).
	Hook Hook
	// ConfigHash identifies the configuration files the plan came from.
	ConfigHash string
	// Now is the clock for Plan.CreatedAt; nil means time.Now.
	Now func() time.Time
}

// Run reads every selected host and returns the plan, hosts in the order of
// Options.Hosts. A host that fails anywhere gets HostPlan.Error and the
// others are still planned; an error is returned only for misuse of Run
// (no provider, no source, duplicate hosts).
//
// When ctx is cancelled, Run starts no new host; hosts being read fail with
// the cancellation and hosts never started carry "not planned: ..." errors.
// Callers tell an interrupted plan from a failed one by ctx.Err().
func Run(ctx context.Context, opts Options) (*engine.Plan, error) {
	if opts.Provider == nil {
		return nil, errors.New("plan: Options.Provider is nil")
	}
	if opts.Source == nil {
		return nil, errors.New("plan: Options.Source is nil")
	}
	if opts.Drift && opts.Catalogue == nil {
		return nil, errors.New("plan: Options.Drift needs Options.Catalogue")
	}
	names := make(map[string]bool, len(opts.Hosts))
	for i, h := range opts.Hosts {
		if h == nil {
			return nil, fmt.Errorf("plan: Options.Hosts[%d] is nil", i)
		}
		if names[h.Name] {
			return nil, fmt.Errorf("plan: host %s is selected twice", h.Name)
		}
		names[h.Name] = true
	}
	limit := opts.Parallelism
	if limit <= 0 {
		limit = DefaultParallelism
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var read []*engine.Host
	var leftAlone []string
	for _, h := range opts.Hosts {
		if concerned(opts, h) {
			read = append(read, h)
		} else {
			leftAlone = append(leftAlone, h.Name)
		}
	}
	p := &engine.Plan{
		FormatVersion: engine.PlanFormatVersion,
		ConfigHash:    opts.ConfigHash,
		CreatedAt:     now().UTC().Format(time.RFC3339),
		Hosts:         make([]*engine.HostPlan, len(read)),
		Mode:          engine.ModeNormal,
		LeftAlone:     leftAlone,
	}
	r := &runner{opts: opts}
	if th, ok := opts.Hook.(TotalHook); ok {
		th.Reading(len(read))
	}

	var g errgroup.Group
	g.SetLimit(limit)
	for i, h := range read {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			// Go may have waited for a free slot while ctx was cancelled.
			if ctx.Err() != nil {
				return nil
			}
			p.Hosts[i] = r.host(ctx, h)
			return nil
		})
	}
	_ = g.Wait() // host failures live in HostPlan.Error; the goroutines return nil
	for i, hp := range p.Hosts {
		if hp == nil {
			cause := "context canceled"
			if err := ctx.Err(); err != nil {
				cause = err.Error()
			}
			p.Hosts[i] = failed(read[i], nil, "not planned: "+cause)
		}
	}
	return p, nil
}

// concerned decides whether Run reads a host (Options.Concerns).
func concerned(opts Options, h *engine.Host) bool {
	switch {
	case opts.Concerns == nil || opts.Drift || opts.Concerns(h):
		return true
	case len(opts.Pending[h.Name]) > 0:
		return true
	case opts.Catalogue != nil && len(opts.Catalogue.Advisories(h.Type)) > 0:
		return true
	}
	return false
}

// runner is the state of one Run shared by its host goroutines.
type runner struct {
	opts   Options
	hookMu sync.Mutex
}

func (r *runner) host(ctx context.Context, h *engine.Host) *engine.HostPlan {
	if r.opts.Hook != nil {
		r.hookMu.Lock()
		r.opts.Hook.HostStart(h.Name)
		r.hookMu.Unlock()
	}
	hp := r.read(ctx, h)
	if r.opts.Hook != nil {
		r.hookMu.Lock()
		r.opts.Hook.HostDone(h.Name, hp)
		r.hookMu.Unlock()
	}
	return hp
}

// failed is the plan of a host that could not be planned.
func failed(h *engine.Host, f *engine.Facts, msg string) *engine.HostPlan {
	hp := &engine.HostPlan{
		Name:     h.Name,
		Address:  h.Endpoint(),
		Type:     h.Type,
		Error:    msg,
		Changes:  []*engine.Change{},
		Restarts: []*engine.Restart{},
		Facts:    f,
	}
	if f != nil {
		hp.Release = f.ReleaseString
	}
	return hp
}

// read is the read pass of one host: one session, facts (the alarms only
// when something uses them), every declared
// context once, then the pure diff; then the contexts of the advisories
// and, with Options.Drift, every unmanaged context, each read at most once
// and reusing the declared reads.
func (r *runner) read(ctx context.Context, h *engine.Host) (hp *engine.HostPlan) {
	sess, err := r.opts.Provider.Open(ctx, h)
	if err != nil {
		return failed(h, nil, "unreachable: "+err.Error())
	}
	defer func() {
		if hp.Error == "" && ctx.Err() == nil && r.opts.Keep != nil && r.opts.Keep(hp, sess) {
			return
		}
		if err := sess.Close(); err != nil && hp.Error == "" {
			hp.Warnings = append(hp.Warnings, "close session: "+err.Error())
		}
	}()
	req := engine.FactsRequest{Release: true, Alarms: r.opts.NeedsAlarms == nil || r.opts.NeedsAlarms(h)}
	facts, err := engine.ReadFacts(ctx, sess, req)
	if err != nil {
		return failed(h, nil, "read facts: "+err.Error())
	}
	if !strings.EqualFold(h.Type, facts.Type) {
		return failed(h, facts, engine.TypeMismatch(h, facts))
	}
	desired, err := r.opts.Source.Desired(h, facts)
	if err != nil {
		return failed(h, facts, "evaluate configuration: "+err.Error())
	}
	desired = r.withSchemas(facts.Type, desired)
	// The session masks the host's sensitive values in what it records
	// from now on: a read of a context holding one shows ********.
	engine.RedactDesired(sess, desired)
	observed := make(map[string]*engine.Observed)
	for _, want := range desired {
		k := pathKey(want.Path)
		if _, done := observed[k]; done {
			continue
		}
		obs, err := sess.Read(ctx, want.Path, want.Schema)
		if err != nil {
			return failed(h, facts, fmt.Sprintf("read %s: %v", strings.Trim(want.Path, "/"), err))
		}
		observed[k] = obs
	}
	hp = DiffHost(h, facts, desired, observed, r.opts.Pending[h.Name], r.opts.SecretMatches)
	if hp.Error != "" {
		return hp
	}
	checks, err := r.opts.Source.Checks(h, facts)
	if err != nil {
		return failed(h, facts, "evaluate checks: "+err.Error())
	}
	hp.Checks = checks
	x := &extraReads{sess: sess, observed: observed, failed: map[string]error{}}
	hp.Warnings = append(hp.Warnings, r.advise(ctx, x, facts, hp)...)
	if r.opts.Drift {
		drift, warnings := r.drift(ctx, x, facts, desired)
		hideSecrets(drift, append(slices.Clone(r.opts.Secrets), engine.SensitiveValues(desired)...))
		hp.Drift = drift
		hp.Warnings = append(hp.Warnings, warnings...)
	}
	return hp
}

// withSchemas fills in the catalogue's schema for declarations that came
// without one, on copies: the Source's values are not the planner's to change.
func (r *runner) withSchemas(hostType string, desired []*engine.Desired) []*engine.Desired {
	if r.opts.Catalogue == nil {
		return desired
	}
	out := make([]*engine.Desired, len(desired))
	for i, want := range desired {
		out[i] = want
		if want.Schema != nil {
			continue
		}
		if c, ok := r.opts.Catalogue.Lookup(hostType, want.Path); ok && c.Kind == want.Kind {
			cp := *want
			cp.Schema = c
			out[i] = &cp
		}
	}
	return out
}
