package plan

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bwstate/bwstate/engine"
)

// fakeProvider is an engine.Provider over canned facts and contexts that
// counts what the planner asks of it.
type fakeProvider struct {
	facts    map[string]*engine.Facts               // by host name; xsp22 when missing
	contexts map[string]map[string]*engine.Observed // by host name, then pathKey
	openErr  map[string]error
	factsErr map[string]error
	readErr  map[string]error // by host name; fails every read
	closeErr map[string]error
	// beforeOpen, when set, runs at the start of Open; its error fails Open.
	beforeOpen func(ctx context.Context, h *engine.Host) error
	// afterOpen, when set, runs at the end of a successful Open.
	afterOpen func(ctx context.Context, h *engine.Host, open int)

	mu sync.Mutex
	// factsReqs are the facts asked of each host (ReadFacts).
	factsReqs map[string][]engine.FactsRequest
	open      int // sessions open now
	max       int // most sessions open at once
	opens     map[string]int
	closes    map[string]int
	reads     map[string]map[string]int // host, then path as asked
}

func newFakeProvider() *fakeProvider {
	return &fakeProvider{
		facts: map[string]*engine.Facts{}, contexts: map[string]map[string]*engine.Observed{},
		openErr: map[string]error{}, factsErr: map[string]error{}, readErr: map[string]error{}, closeErr: map[string]error{},
		opens: map[string]int{}, closes: map[string]int{}, reads: map[string]map[string]int{},
		factsReqs: map[string][]engine.FactsRequest{},
	}
}

func (p *fakeProvider) Open(ctx context.Context, h *engine.Host) (engine.Session, error) {
	if p.beforeOpen != nil {
		if err := p.beforeOpen(ctx, h); err != nil {
			return nil, err
		}
	}
	if err := p.openErr[h.Name]; err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.opens[h.Name]++
	p.open++
	p.max = max(p.max, p.open)
	n := p.open
	p.mu.Unlock()
	if p.afterOpen != nil {
		p.afterOpen(ctx, h, n)
	}
	return &fakeSession{p: p, host: h}, nil
}

func (p *fakeProvider) counts() (opens, closes map[string]int, reads map[string]map[string]int, maxOpen int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.opens, p.closes, p.reads, p.max
}

type fakeSession struct {
	p    *fakeProvider
	host *engine.Host
}

func (s *fakeSession) Facts(ctx context.Context) (*engine.Facts, error) {
	if err := s.p.factsErr[s.host.Name]; err != nil {
		return nil, err
	}
	if f := s.p.facts[s.host.Name]; f != nil {
		return f, nil
	}
	return xsp22, nil
}

// ReadFacts implements engine.FactsReader: the canned facts, without the
// alarms when they are not asked for.
func (s *fakeSession) ReadFacts(ctx context.Context, req engine.FactsRequest) (*engine.Facts, error) {
	s.p.mu.Lock()
	s.p.factsReqs[s.host.Name] = append(s.p.factsReqs[s.host.Name], req)
	s.p.mu.Unlock()
	f, err := s.Facts(ctx)
	if err != nil || req.Alarms {
		return f, err
	}
	cp := *f
	cp.Alarms = nil
	return &cp, nil
}

func (s *fakeSession) Read(ctx context.Context, path string, schema *engine.Context) (*engine.Observed, error) {
	s.p.mu.Lock()
	if s.p.reads[s.host.Name] == nil {
		s.p.reads[s.host.Name] = map[string]int{}
	}
	s.p.reads[s.host.Name][path]++
	s.p.mu.Unlock()
	if err := s.p.readErr[s.host.Name]; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	obs := s.p.contexts[s.host.Name][pathKey(path)]
	if obs == nil {
		return nil, &engine.CLIError{Command: "cd /" + path, Text: "Invalid command"}
	}
	return obs, nil
}

func (s *fakeSession) Exec(context.Context, engine.Op) (engine.Reply, error) {
	return engine.Reply{}, errors.New("the planner must not write")
}

func (s *fakeSession) Restart(context.Context, string) error {
	return errors.New("the planner must not restart")
}

func (s *fakeSession) Health(context.Context, string) (*engine.Health, error) {
	return nil, errors.New("not used by the planner")
}

func (s *fakeSession) WaitHealthy(context.Context, string, time.Duration) error {
	return errors.New("not used by the planner")
}

func (s *fakeSession) Close() error {
	s.p.mu.Lock()
	s.p.open--
	s.p.closes[s.host.Name]++
	s.p.mu.Unlock()
	return s.p.closeErr[s.host.Name]
}

// fakeSource serves canned desired state and checks per host.
type fakeSource struct {
	desired    map[string][]*engine.Desired
	checks     map[string][]*engine.Check
	desiredErr map[string]error
	checksErr  map[string]error
}

func (s *fakeSource) Desired(h *engine.Host, f *engine.Facts) ([]*engine.Desired, error) {
	if err := s.desiredErr[h.Name]; err != nil {
		return nil, err
	}
	return s.desired[h.Name], nil
}

func (s *fakeSource) Checks(h *engine.Host, f *engine.Facts) ([]*engine.Check, error) {
	if err := s.checksErr[h.Name]; err != nil {
		return nil, err
	}
	return s.checks[h.Name], nil
}

// recordingHook records hook calls; Run serialises them.
type recordingHook struct {
	started []string
	done    []string
	doneCh  chan string
}

func (h *recordingHook) HostStart(host string) { h.started = append(h.started, host) }

// totalHook is a recordingHook told the number of hosts to read.
type totalHook struct {
	recordingHook
	totals []int
}

func (h *totalHook) Reading(hosts int) { h.totals = append(h.totals, hosts) }
func (h *recordingHook) HostDone(host string, hp *engine.HostPlan) {
	h.done = append(h.done, host)
	if h.doneCh != nil {
		h.doneCh <- host
	}
}

// fleet returns n xsp hosts named xsp1..xspN, each declaring CAPProxy
// enabled = false against a live true, so every host has one change.
func fleet(n int) ([]*engine.Host, *fakeProvider, *fakeSource) {
	p := newFakeProvider()
	src := &fakeSource{desired: map[string][]*engine.Desired{}}
	var hosts []*engine.Host
	for i := 1; i <= n; i++ {
		h := &engine.Host{Name: fmt.Sprintf("xsp%d", i), Address: fmt.Sprintf("10.1.0.%d", 10+i), Type: "xsp"}
		hosts = append(hosts, h)
		p.contexts[h.Name] = map[string]*engine.Observed{pathKey(capPath): attrsLive(capPath, "enabled", "true")}
		src.desired[h.Name] = []*engine.Desired{ctxWant("context.cap", capProxy, "", f("enabled", "false"))}
	}
	return hosts, p, src
}

func names(hps []*engine.HostPlan) []string {
	var out []string
	for _, hp := range hps {
		out = append(out, hp.Name)
	}
	return out
}

func TestRunPlansEveryHost(t *testing.T) {
	hosts, p, src := fleet(2)
	// xsp1 declares CAPProxy twice in different spellings, a sensitive
	// attribute and a table: each distinct path is read once.
	p.contexts["xsp1"][pathKey(snmpPath)] = attrsLive(snmpPath, "readCommunity", "public")
	p.contexts["xsp1"][pathKey(aclPath)] = rowsLive(aclPath)
	src.desired["xsp1"] = []*engine.Desired{
		ctxWant("context.cap", capProxy, "", f("enabled", "false")),
		{Resource: "context.cap_port", Path: "/applications/openclientserver/capproxy", Kind: engine.AttributeContext, Attrs: []engine.Field{f("serverPort", "2206")}},
		ctxWant("context.snmp", snmpAgent, "", f("readCommunity", "s3cr3t")),
		tableWant("table.acl", mgmtACL, "", false, row(f("host", "10.9.0.5"))),
	}
	p.contexts["xsp1"][pathKey(capPath)] = attrsLive(capPath, "enabled", "true", "serverPort", "2206")
	src.checks = map[string][]*engine.Check{"xsp2": {{Resource: "check.no_cap_alarms", Passed: false, Message: "CAP connection alarms are still raised"}}}
	pending := map[string][]*engine.Restart{"xsp2": {pendingRestart("OpenClientServer", "20261127T101500Z")}}
	hook := &recordingHook{}
	now := time.Date(2026, 11, 27, 11, 15, 0, 0, time.FixedZone("CET", 3600))

	plan, err := Run(t.Context(), Options{
		Hosts: hosts, Source: src, Provider: p, Catalogue: testCatalogue{pathKey(capPath): capProxy},
		Pending: pending, Hook: hook, ConfigHash: "abc123", Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}

	if plan.FormatVersion != "1.0" || plan.ConfigHash != "abc123" || plan.CreatedAt != "2026-11-27T10:15:00Z" || plan.Mode != "normal" {
		t.Errorf("wrong plan header\ngot:  %q %q %q %q\nwant: \"1.0\" \"abc123\" \"2026-11-27T10:15:00Z\" \"normal\"", plan.FormatVersion, plan.ConfigHash, plan.CreatedAt, plan.Mode)
	}
	// Plans hash nothing: a saved plan's hashes are made when it is
	// written, with the state directory's key (engine/planfile).
	if plan.Salt != "" {
		t.Errorf("wrong nonce\ngot:  %q\nwant: none (planfile makes it)", plan.Salt)
	}
	hashed := &engine.AttrChange{Name: "readCommunity", Before: "public", After: "s3cr3t", Sensitive: true}
	want := []*engine.HostPlan{
		{
			Name: "xsp1", Address: "10.1.0.11", Type: "xsp", Release: "Rel_22.0_1.1123", Facts: xsp22,
			Changes: []*engine.Change{
				upd("context.cap", capPath, nil, ac("enabled", "true", "false", "OpenClientServer")),
				upd("context.snmp", snmpPath, nil, hashed),
				create("table.acl", aclPath, key("host", "10.9.0.5")),
			},
			Restarts: []*engine.Restart{restart("OpenClientServer", "CAPProxy changed")},
		},
		{
			Name: "xsp2", Address: "10.1.0.12", Type: "xsp", Release: "Rel_22.0_1.1123", Facts: xsp22,
			Changes:  []*engine.Change{upd("context.cap", capPath, nil, ac("enabled", "true", "false", "OpenClientServer"))},
			Restarts: []*engine.Restart{pendingRestart("OpenClientServer", "20261127T101500Z", "CAPProxy changed")},
			Checks:   []*engine.Check{{Resource: "check.no_cap_alarms", Passed: false, Message: "CAP connection alarms are still raised"}},
		},
	}
	if diff := cmp.Diff(want, plan.Hosts, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("wrong hosts (-want +got):\n%s", diff)
	}

	opens, closes, reads, _ := p.counts()
	wantReads := map[string]map[string]int{
		"xsp1": {capPath: 1, snmpPath: 1, aclPath: 1},
		"xsp2": {capPath: 1},
	}
	if diff := cmp.Diff(wantReads, reads); diff != "" {
		t.Errorf("wrong reads (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"xsp1": 1, "xsp2": 1}, opens); diff != "" {
		t.Errorf("wrong opens (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(opens, closes); diff != "" {
		t.Errorf("wrong result: a session was left open (-opens +closes):\n%s", diff)
	}
	if len(hook.started) != 2 || len(hook.done) != 2 {
		t.Errorf("wrong hook calls\ngot:  started %v, done %v\nwant: both hosts started and done", hook.started, hook.done)
	}
}

func TestRunParallelism(t *testing.T) {
	tests := map[string]struct {
		hosts, parallelism, want int
	}{
		"capped at the option":   {hosts: 40, parallelism: 5, want: 5},
		"default":                {hosts: DefaultParallelism + 10, parallelism: 0, want: DefaultParallelism},
		"one at a time":          {hosts: 4, parallelism: 1, want: 1},
		"fewer hosts than slots": {hosts: 3, parallelism: 10, want: 3},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			hosts, p, src := fleet(tc.hosts)
			// Every session waits until tc.want are open at once, which
			// proves the planner uses its parallelism; from then on they
			// run freely and the maximum shows whether the cap held.
			gate := make(chan struct{})
			var once sync.Once
			p.afterOpen = func(ctx context.Context, h *engine.Host, open int) {
				if open >= tc.want {
					once.Do(func() { close(gate) })
				}
				select {
				case <-gate:
				case <-ctx.Done():
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			plan, err := Run(ctx, Options{Hosts: hosts, Source: src, Provider: p, Parallelism: tc.parallelism})
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, maxOpen := p.counts()
			if maxOpen != tc.want {
				t.Errorf("wrong result: most sessions open at once\ngot:  %d\nwant: %d", maxOpen, tc.want)
			}
			for _, hp := range plan.Hosts {
				if hp.Error != "" || len(hp.Changes) != 1 {
					t.Errorf("wrong result for %s\ngot:  error %q, %d changes\nwant: no error, 1 change", hp.Name, hp.Error, len(hp.Changes))
				}
			}
		})
	}
}

func TestRunHostFailures(t *testing.T) {
	refused := errors.New("dial tcp 10.1.0.12:22: connect: connection refused")
	tests := map[string]struct {
		setup func(p *fakeProvider, src *fakeSource)
		want  string
		// opened is whether the failing host got a session (which must be closed).
		opened bool
	}{
		"unreachable": {
			setup: func(p *fakeProvider, src *fakeSource) { p.openErr["xsp2"] = refused },
			want:  "unreachable: dial tcp 10.1.0.12:22: connect: connection refused",
		},
		"facts": {
			setup: func(p *fakeProvider, src *fakeSource) {
				p.factsErr["xsp2"] = errors.New("bwshowver: command not found")
			},
			want:   "read facts: bwshowver: command not found",
			opened: true,
		},
		"type mismatch": {
			setup: func(p *fakeProvider, src *fakeSource) {
				p.facts["xsp2"] = &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123"}
				src.desired["xsp2"] = nil
			},
			want:   "declared type as but the server's CLI is XSP_CLI",
			opened: true,
		},
		"configuration": {
			setup: func(p *fakeProvider, src *fakeSource) {
				src.desiredErr = map[string]error{"xsp2": errors.New("main.bw.hcl:12: host.vars.port is not a number")}
			},
			want:   "evaluate configuration: main.bw.hcl:12: host.vars.port is not a number",
			opened: true,
		},
		"read": {
			setup: func(p *fakeProvider, src *fakeSource) {
				p.readErr["xsp2"] = &engine.CLIError{Command: "cd /Interface/SIP", Text: "Invalid command"}
			},
			want:   "read Applications/OpenClientServer/CAPProxy: cd /Interface/SIP: Invalid command",
			opened: true,
		},
		"diff": {
			setup: func(p *fakeProvider, src *fakeSource) {
				p.contexts["xsp2"][pathKey(capPath)] = attrsLive(capPath, "serverPort", "2206")
			},
			want:   "context.cap: the server does not print Applications/OpenClientServer/CAPProxy.enabled (Rel_22.0_1.1123 may not have it)",
			opened: true,
		},
		"checks": {
			setup: func(p *fakeProvider, src *fakeSource) {
				src.checksErr = map[string]error{"xsp2": errors.New("alarms is unknown")}
			},
			want:   "evaluate checks: alarms is unknown",
			opened: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			hosts, p, src := fleet(3)
			hosts[1].Type = "as"
			if name != "type mismatch" {
				p.facts["xsp2"] = &engine.Facts{TypeShown: "AS_CLI", TypeShownBy: "the server's CLI", Type: "as", Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123"}
			}
			tc.setup(p, src)
			plan, err := Run(t.Context(), Options{Hosts: hosts, Source: src, Provider: p, Parallelism: 2})
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.Hosts[1].Error; got != tc.want {
				t.Errorf("wrong error\ngot:  %q\nwant: %q", got, tc.want)
			}
			if plan.Hosts[1].HasChanges() {
				t.Errorf("wrong result: the failed host has changes: %+v", plan.Hosts[1].Changes)
			}
			for _, i := range []int{0, 2} {
				if hp := plan.Hosts[i]; hp.Error != "" || len(hp.Changes) != 1 {
					t.Errorf("wrong result for %s\ngot:  error %q, %d changes\nwant: planned with 1 change", hp.Name, hp.Error, len(hp.Changes))
				}
			}
			opens, closes, _, _ := p.counts()
			if diff := cmp.Diff(opens, closes); diff != "" {
				t.Errorf("wrong result: a session was left open (-opens +closes):\n%s", diff)
			}
			if got := opens["xsp2"]; (got == 1) != tc.opened {
				t.Errorf("wrong result: sessions opened to the failing host\ngot:  %d\nwant opened: %v", got, tc.opened)
			}
		})
	}
}

func TestRunCloseErrorIsAWarning(t *testing.T) {
	hosts, p, src := fleet(1)
	p.closeErr["xsp1"] = errors.New("exit: connection reset")
	plan, err := Run(t.Context(), Options{Hosts: hosts, Source: src, Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	hp := plan.Hosts[0]
	if hp.Error != "" || len(hp.Changes) != 1 {
		t.Fatalf("wrong result\ngot:  error %q, %d changes\nwant: planned with 1 change", hp.Error, len(hp.Changes))
	}
	if diff := cmp.Diff([]string{"close session: exit: connection reset"}, hp.Warnings); diff != "" {
		t.Errorf("wrong warnings (-want +got):\n%s", diff)
	}
}

// TestRunOrder finishes hosts in a random order and checks the plan keeps
// the inventory's.
func TestRunOrder(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			const n = 12
			hosts, p, src := fleet(n)
			release := map[string]chan struct{}{}
			for _, h := range hosts {
				release[h.Name] = make(chan struct{})
			}
			started := make(chan string, n)
			p.beforeOpen = func(ctx context.Context, h *engine.Host) error {
				started <- h.Name
				select {
				case <-release[h.Name]:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			hook := &recordingHook{doneCh: make(chan string, n)}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			type result struct {
				plan *engine.Plan
				err  error
			}
			res := make(chan result, 1)
			go func() {
				plan, err := Run(ctx, Options{Hosts: hosts, Source: src, Provider: p, Parallelism: n, Hook: hook})
				res <- result{plan, err}
			}()
			for range n {
				select {
				case <-started:
				case <-ctx.Done():
					t.Fatal("hosts did not all start")
				}
			}
			order := make([]string, n)
			for i, h := range hosts {
				order[i] = h.Name
			}
			rand.New(rand.NewPCG(seed, seed)).Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
			var finished []string
			for _, name := range order {
				close(release[name])
				select {
				case done := <-hook.doneCh:
					finished = append(finished, done)
				case <-ctx.Done():
					t.Fatalf("host %s did not finish", name)
				}
			}
			r := <-res
			if r.err != nil {
				t.Fatal(r.err)
			}
			if diff := cmp.Diff(order, finished); diff != "" {
				t.Fatalf("wrong result: hosts did not finish in the release order (-want +got):\n%s", diff)
			}
			want := []string{"xsp1", "xsp2", "xsp3", "xsp4", "xsp5", "xsp6", "xsp7", "xsp8", "xsp9", "xsp10", "xsp11", "xsp12"}
			if diff := cmp.Diff(want, names(r.plan.Hosts)); diff != "" {
				t.Errorf("wrong order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunCancel(t *testing.T) {
	hosts, p, src := fleet(4)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	started := make(chan struct{})
	p.beforeOpen = func(ctx context.Context, h *engine.Host) error {
		close(started) // only one host may ever start: a second close panics
		<-ctx.Done()
		return fmt.Errorf("dial tcp %s:22: %w", h.Address, ctx.Err())
	}
	hook := &recordingHook{}
	go func() {
		<-started
		cancel()
	}()
	plan, err := Run(ctx, Options{Hosts: hosts, Source: src, Provider: p, Parallelism: 1, Hook: hook})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"unreachable: dial tcp 10.1.0.11:22: context canceled",
		"not planned: context canceled",
		"not planned: context canceled",
		"not planned: context canceled",
	}
	var got []string
	for _, hp := range plan.Hosts {
		got = append(got, hp.Error)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"xsp1", "xsp2", "xsp3", "xsp4"}, names(plan.Hosts)); diff != "" {
		t.Errorf("wrong order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"xsp1"}, hook.started); diff != "" {
		t.Errorf("wrong hosts started (-want +got):\n%s", diff)
	}
}

func TestRunMisuse(t *testing.T) {
	hosts, p, src := fleet(2)
	tests := map[string]struct {
		opts Options
		want string
	}{
		"no provider":               {opts: Options{Hosts: hosts, Source: src}, want: "plan: Options.Provider is nil"},
		"no source":                 {opts: Options{Hosts: hosts, Provider: p}, want: "plan: Options.Source is nil"},
		"duplicate host":            {opts: Options{Hosts: []*engine.Host{hosts[0], hosts[1], hosts[0]}, Source: src, Provider: p}, want: "plan: host xsp1 is selected twice"},
		"nil host":                  {opts: Options{Hosts: []*engine.Host{hosts[0], nil}, Source: src, Provider: p}, want: "plan: Options.Hosts[1] is nil"},
		"drift without a catalogue": {opts: Options{Hosts: hosts, Source: src, Provider: p, Drift: true}, want: "plan: Options.Drift needs Options.Catalogue"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Run(t.Context(), tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Errorf("wrong error\ngot:  %v\nwant: %s", err, tc.want)
			}
		})
	}
	opens, _, _, _ := p.counts()
	if len(opens) != 0 {
		t.Errorf("wrong result: misuse opened sessions: %v", opens)
	}
}

// TestRunLeavesUnconcernedHostsAlone: a host that no resource or check
// concerns, that no advisory concerns by its type and that has nothing
// pending is not contacted; it is listed in Plan.LeftAlone. Pending
// restarts, advisories of the host's type and -drift each make it read.
func TestRunLeavesUnconcernedHostsAlone(t *testing.T) {
	hosts, p, src := fleet(2) // xsp1, xsp2: managed
	as1 := &engine.Host{Name: "as1", Address: "10.2.0.21", Type: "as"}
	as2 := &engine.Host{Name: "as2", Address: "10.2.0.22", Type: "as"}
	adp1 := &engine.Host{Name: "adp1", Address: "10.3.0.31", Type: "adp"}
	hosts = append(hosts, as1, as2, adp1)
	concerns := func(h *engine.Host) bool { return h.Type == "xsp" }
	cat := &fullCatalogue{advisories: []*engine.Advisory{{ID: "a", HostTypes: []string{"adp"}, Path: capPath, Attr: "enabled", Value: "true"}}}
	p.contexts["adp1"] = map[string]*engine.Observed{pathKey(capPath): attrsLive(capPath, "enabled", "false")}
	tests := map[string]struct {
		opts      Options
		wantRead  []string
		wantAlone []string
	}{
		"only what the configuration concerns, and advisories by type": {
			opts:      Options{Concerns: concerns, Catalogue: cat},
			wantRead:  []string{"xsp1", "xsp2", "adp1"},
			wantAlone: []string{"as1", "as2"},
		},
		"a pending restart concerns its host": {
			opts: Options{Concerns: concerns, Catalogue: cat,
				Pending: map[string][]*engine.Restart{"as2": {{App: "ExecutionServer", Pending: true, PendingSince: "r1"}}}},
			wantRead:  []string{"xsp1", "xsp2", "as2", "adp1"},
			wantAlone: []string{"as1"},
		},
		"no Concerns: every host": {
			opts:     Options{Catalogue: cat},
			wantRead: []string{"xsp1", "xsp2", "as1", "as2", "adp1"},
		},
		"drift reads every host": {
			opts:     Options{Concerns: concerns, Catalogue: cat, Drift: true},
			wantRead: []string{"xsp1", "xsp2", "as1", "as2", "adp1"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pr := newFakeProvider()
			pr.contexts = p.contexts
			hook := &totalHook{}
			tc.opts.Hosts, tc.opts.Source, tc.opts.Provider, tc.opts.Hook = hosts, src, pr, hook
			plan, err := Run(t.Context(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			// A progress display counts to the hosts read, not to the
			// hosts selected.
			if diff := cmp.Diff([]int{len(tc.wantRead)}, hook.totals); diff != "" {
				t.Errorf("wrong Reading calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantRead, hook.started, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("wrong hosts started (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantRead, names(plan.Hosts)); diff != "" {
				t.Errorf("wrong hosts in the plan (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantAlone, plan.LeftAlone); diff != "" {
				t.Errorf("wrong hosts left alone (-want +got):\n%s", diff)
			}
			opens, _, _, _ := pr.counts()
			for _, n := range tc.wantAlone {
				if opens[n] != 0 {
					t.Errorf("wrong result: %s was contacted (%d sessions), want none", n, opens[n])
				}
			}
		})
	}
}

// TestRunReadsAlarmsOnlyWhenUsed: the read pass asks for the alarms of the
// hosts Options.NeedsAlarms names, and of every host without it.
func TestRunReadsAlarmsOnlyWhenUsed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		needs func(*engine.Host) bool
		want  map[string][]engine.FactsRequest
	}{
		{"nil: every host", nil, map[string][]engine.FactsRequest{
			"xsp1": {{Release: true, Alarms: true}}, "xsp2": {{Release: true, Alarms: true}}}},
		{"xsp2 only", func(h *engine.Host) bool { return h.Name == "xsp2" }, map[string][]engine.FactsRequest{
			"xsp1": {{Release: true}}, "xsp2": {{Release: true, Alarms: true}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hosts, p, src := fleet(2)
			alarmed := *xsp22
			alarmed.Alarms = []string{"bwOpenClientServerASConnFailed"}
			p.facts["xsp1"], p.facts["xsp2"] = &alarmed, &alarmed
			plan, err := Run(t.Context(), Options{Hosts: hosts, Source: src, Provider: p, NeedsAlarms: tc.needs})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, p.factsReqs); diff != "" {
				t.Errorf("wrong facts asked for (-want +got):\n%s", diff)
			}
			for _, hp := range plan.Hosts {
				asked := tc.needs == nil || tc.needs(&engine.Host{Name: hp.Name})
				if got := hp.Facts.Alarms != nil; got != asked {
					t.Errorf("%s: alarms in the plan's facts: %v, want %v", hp.Name, got, asked)
				}
			}
		})
	}
}

// TestRunKeep: Options.Keep is offered every host planned without error,
// with its finished plan; Run leaves the sessions it takes open and closes
// the others.
func TestRunKeep(t *testing.T) {
	hosts, p, src := fleet(3)
	p.openErr["xsp3"] = errors.New("connection refused")
	var mu sync.Mutex
	offered := map[string]bool{}
	_, err := Run(t.Context(), Options{Hosts: hosts, Source: src, Provider: p,
		Keep: func(hp *engine.HostPlan, s engine.Session) bool {
			mu.Lock()
			defer mu.Unlock()
			if hp.Facts == nil || len(hp.Changes) == 0 {
				t.Errorf("%s offered before its plan was made: %+v", hp.Name, hp)
			}
			offered[hp.Name] = true
			return hp.Name == "xsp1"
		}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]bool{"xsp1": true, "xsp2": true}, offered); d != "" {
		t.Errorf("wrong hosts offered (-want +got):\n%s", d)
	}
	_, closes, _, _ := p.counts()
	if d := cmp.Diff(map[string]int{"xsp2": 1}, closes); d != "" {
		t.Errorf("wrong sessions closed (-want +got):\n%s", d)
	}
}

// redactingSession is a fakeSession that is an engine.Redactor, logging
// what it is told and read, in order.
type redactingSession struct {
	*fakeSession
	log *[]string
}

func (s redactingSession) Redact(values ...string) {
	*s.log = append(*s.log, "redact "+strings.Join(values, ","))
}

func (s redactingSession) RedactAttributes(path string, names ...string) {
	*s.log = append(*s.log, "redact "+path+": "+strings.Join(names, ","))
}

func (s redactingSession) Read(ctx context.Context, path string, schema *engine.Context) (*engine.Observed, error) {
	*s.log = append(*s.log, "read "+path)
	return s.fakeSession.Read(ctx, path, schema)
}

type redactingProvider struct {
	*fakeProvider
	log []string
}

func (p *redactingProvider) Open(ctx context.Context, h *engine.Host) (engine.Session, error) {
	s, err := p.fakeProvider.Open(ctx, h)
	if err != nil {
		return nil, err
	}
	return redactingSession{fakeSession: s.(*fakeSession), log: &p.log}, nil
}

// TestRunTellsSessionsTheSecrets: before the first read of a host, the
// planner tells a session that records (an engine.Redactor) the sensitive
// values the configuration declares there and the attributes holding
// them, so the read of the context is masked in its transcript.
func TestRunTellsSessionsTheSecrets(t *testing.T) {
	hosts, fp, src := fleet(1)
	src.desired["xsp1"] = []*engine.Desired{ctxWant("context.cap", capProxy, "",
		f("enabled", "false"), engine.Field{Name: "serverPort", Value: "2207", Sensitive: true})}
	p := &redactingProvider{fakeProvider: fp}
	if _, err := Run(t.Context(), Options{Hosts: hosts, Source: src, Provider: p}); err != nil {
		t.Fatal(err)
	}
	want := []string{"redact 2207", "redact " + capProxy.Path + ": serverPort", "read " + capProxy.Path}
	if d := cmp.Diff(want, p.log); d != "" {
		t.Errorf("wrong calls (-want +got):\n%s", d)
	}
}
