package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

// testCatalogue is a small catalogue in the shape of the BroadWorks one.
type testCatalogue struct{ contexts []*engine.Context }

func newTestCatalogue() *testCatalogue {
	b := func(n string) engine.Attribute { return engine.Attribute{Name: n, Type: engine.TypeBool} }
	i := func(n string) engine.Attribute {
		return engine.Attribute{Name: n, Type: engine.TypeInt, Min: 1, Max: 65535}
	}
	return &testCatalogue{contexts: []*engine.Context{
		{Path: "Applications/OpenClientServer/CAPProxy", Restart: "OpenClientServer", Attributes: []engine.Attribute{b("enabled"), i("serverPort")}},
		{Path: "Applications/OpenClientServer/GeneralSettings", Restart: "OpenClientServer", Attributes: []engine.Attribute{i("clientPort"), {Name: "systemDomain"}}},
		{Path: "Applications/AuthenticationService/CISTokenValidation", Restart: "AuthenticationService", Attributes: []engine.Attribute{
			b("enabled"), {Name: "clientSecret", Sensitive: true, Prompted: true}}},
		{Path: "Interface/SNMP/Agent", Attributes: []engine.Attribute{i("port"), {Name: "readCommunity", Sensitive: true}}},
		{Path: "System/ManagementAccessList", Kind: engine.TableContext, Attributes: []engine.Attribute{
			{Name: "host", Key: true, Column: "Host"}, {Name: "description", Column: "Description", Optional: true}}},
		{Path: "Maintenance/Scheduler", Kind: engine.TableContext, IDKeyed: true, Attributes: []engine.Attribute{
			{Name: "id", Type: engine.TypeInt, Key: true}, {Name: "name"}, {Name: "hour", Type: engine.TypeInt}}},
	}}
}

func (c *testCatalogue) Lookup(_, path string) (*engine.Context, bool) {
	for _, ctx := range c.contexts {
		if strings.EqualFold(ctx.Path, strings.Trim(path, "/")) {
			return ctx, true
		}
	}
	return nil, false
}
func (c *testCatalogue) Contexts(string) []*engine.Context    { return c.contexts }
func (c *testCatalogue) HostTypes() []string                  { return []string{"xsp"} }
func (c *testCatalogue) Advisories(string) []*engine.Advisory { return nil }

// call is one recorded provider call; seq orders calls across hosts.
type call struct {
	seq    int
	host   string
	method string
	arg    string
}

func (c call) String() string { return c.host + " " + c.method + " " + c.arg }

// fakeHost is one simulated server's state and faults.
type fakeHost struct {
	attrs map[string]map[string]string // lower path -> attr -> value
	rows  map[string][]map[string]string
	// restartWarn paths answer every write with the restart warning.
	restartWarn map[string]bool
	// cliErrOn attrs are refused with this CLI text.
	cliErrOn map[string]string
	// ignoreSet attrs are acknowledged but not stored (a server that lies).
	ignoreSet map[string]bool
	// dropAfter > 0 drops the connection on that many+1-th write.
	dropAfter int
	// dropErr is the error of the dropped write; nil means one that does
	// not name the command.
	dropErr      error
	openErr      error
	neverHealthy bool
	// alarms are the raised alarms Facts reports; a restart of
	// OpenClientServer clears them unless alarmsStay (CAP still enabled).
	alarms     []string
	alarmsStay bool
	factsErr   error
	// healthBarrier, when set, makes WaitHealthy wait until all hosts
	// sharing it are waiting: proof that they restart in one batch.
	healthBarrier *barrier
	// execStarted receives the op string when a write starts, and the
	// write waits for execRelease: lets a test act mid-command.
	execStarted chan string
	execRelease chan struct{}
	execs       int
}

type fakeFleet struct {
	mu    sync.Mutex
	seq   int
	calls []call
	hosts map[string]*fakeHost
}

func newFleet(names ...string) *fakeFleet {
	f := &fakeFleet{hosts: map[string]*fakeHost{}}
	for _, n := range names {
		f.hosts[n] = &fakeHost{
			attrs: map[string]map[string]string{
				"applications/openclientserver/capproxy":                {"enabled": "true", "serverPort": "2206"},
				"applications/openclientserver/generalsettings":         {"clientPort": "2208", "systemDomain": ""},
				"applications/authenticationservice/cistokenvalidation": {"enabled": "false", "clientSecret": "********"},
				"interface/snmp/agent":                                  {"port": "8001", "readCommunity": "public"},
				"interface/weird":                                       {"mode": "a"},
			},
			rows: map[string][]map[string]string{
				"system/managementaccesslist": {{"host": "10.9.0.99", "description": "old"}},
			},
			restartWarn: map[string]bool{
				"applications/openclientserver/capproxy":                true,
				"applications/openclientserver/generalsettings":         true,
				"applications/authenticationservice/cistokenvalidation": true,
				"interface/weird": true,
			},
			cliErrOn:  map[string]string{},
			ignoreSet: map[string]bool{},
		}
	}
	return f
}

func (f *fakeFleet) record(host, method, arg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	f.calls = append(f.calls, call{seq: f.seq, host: host, method: method, arg: arg})
}

// Calls returns the recorded calls, optionally only of some methods.
func (f *fakeFleet) Calls(methods ...string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if len(methods) == 0 || slices.Contains(methods, c.method) {
			out = append(out, c.String())
		}
	}
	return out
}

// seqOf returns the sequence numbers of a host's calls of one method.
func (f *fakeFleet) seqOf(host, method string) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for _, c := range f.calls {
		if c.host == host && c.method == method {
			out = append(out, c.seq)
		}
	}
	return out
}

func (f *fakeFleet) Open(ctx context.Context, h *engine.Host) (engine.Session, error) {
	f.record(h.Name, "open", "")
	f.mu.Lock()
	fh := f.hosts[h.Name]
	f.mu.Unlock()
	if fh == nil {
		return nil, fmt.Errorf("dial %s: no such host", h.Name)
	}
	if fh.openErr != nil {
		return nil, fh.openErr
	}
	return &fakeSession{f: f, name: h.Name, h: fh}, nil
}

type fakeSession struct {
	f    *fakeFleet
	name string
	h    *fakeHost
}

func (s *fakeSession) Facts(context.Context) (*engine.Facts, error) {
	s.f.record(s.name, "facts", "")
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if s.h.factsErr != nil {
		return nil, s.h.factsErr
	}
	return &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("22.0"), Alarms: slices.Clone(s.h.alarms)}, nil
}

// ReadFacts implements engine.FactsReader: the facts asked for, recorded
// as "facts" with what was asked ("release", "alarms", both or none).
func (s *fakeSession) ReadFacts(_ context.Context, req engine.FactsRequest) (*engine.Facts, error) {
	var asked []string
	if req.Release {
		asked = append(asked, "release")
	}
	if req.Alarms {
		asked = append(asked, "alarms")
	}
	s.f.record(s.name, "facts", strings.Join(asked, ","))
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if s.h.factsErr != nil {
		return nil, s.h.factsErr
	}
	f := &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp"}
	if req.Release {
		f.Release = engine.MustParseRelease("22.0")
	}
	if req.Alarms {
		f.Alarms = slices.Clone(s.h.alarms)
		if f.Alarms == nil {
			f.Alarms = []string{}
		}
	}
	return f, nil
}

func (s *fakeSession) Read(ctx context.Context, path string, schema *engine.Context) (*engine.Observed, error) {
	s.f.record(s.name, "read", path)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	k := strings.ToLower(path)
	if rows, ok := s.h.rows[k]; ok || (schema != nil && schema.Kind == engine.TableContext) {
		o := &engine.Observed{Path: path, Kind: engine.TableContext}
		for _, r := range rows {
			o.Rows = append(o.Rows, maps.Clone(r))
		}
		return o, nil
	}
	a, ok := s.h.attrs[k]
	if !ok {
		return nil, &engine.CLIError{Command: "cd /" + path, Text: "Invalid command"}
	}
	return &engine.Observed{Path: path, Attrs: maps.Clone(a)}, nil
}

func opString(op engine.Op) string {
	var kv []string
	for _, f := range op.Key {
		kv = append(kv, f.Value)
	}
	switch op.Kind {
	case engine.OpSet, engine.OpClear:
		return fmt.Sprintf("%s %s %s=%s", op.Kind, op.Path, op.Attr, op.Value)
	case engine.OpSetRow:
		return fmt.Sprintf("set-row %s %s %s=%s", op.Path, strings.Join(kv, ","), op.Attr, op.Value)
	case engine.OpAddRow:
		var fv []string
		for _, f := range op.Fields {
			fv = append(fv, f.Name+"="+f.Value)
		}
		return fmt.Sprintf("add %s %s %s", op.Path, strings.Join(kv, ","), strings.Join(fv, ","))
	}
	return fmt.Sprintf("delete %s %s", op.Path, strings.Join(kv, ","))
}

func (s *fakeSession) Exec(ctx context.Context, op engine.Op) (engine.Reply, error) {
	s.f.record(s.name, "exec", opString(op))
	if s.h.execStarted != nil {
		s.h.execStarted <- opString(op)
		select {
		case <-s.h.execRelease:
		case <-ctx.Done():
			return engine.Reply{}, ctx.Err()
		}
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	h := s.h
	h.execs++
	if h.dropAfter > 0 && h.execs > h.dropAfter {
		if h.dropErr != nil {
			return engine.Reply{}, h.dropErr
		}
		return engine.Reply{}, errors.New("ssh: connection lost")
	}
	if text, ok := h.cliErrOn[op.Attr]; ok {
		return engine.Reply{}, &engine.CLIError{Command: "set " + op.Attr + " " + op.Value, Text: text}
	}
	k := strings.ToLower(op.Path)
	match := func(r map[string]string) bool {
		for _, f := range op.Key {
			if r[f.Name] != f.Value {
				return false
			}
		}
		return true
	}
	switch op.Kind {
	case engine.OpSet, engine.OpClear:
		if _, ok := h.attrs[k]; !ok {
			return engine.Reply{}, &engine.CLIError{Command: "cd /" + op.Path, Text: "Invalid command"}
		}
		if !h.ignoreSet[op.Attr] {
			v := op.Value
			if op.Prompted {
				v = "********"
			}
			h.attrs[k][op.Attr] = v
		}
	case engine.OpAddRow:
		for _, r := range h.rows[k] {
			// Keyless adds (server-numbered rows) are never duplicates.
			if len(op.Key) > 0 && match(r) {
				return engine.Reply{}, &engine.CLIError{Command: "add", Text: "[Error] Add failed: entry is already present in list"}
			}
		}
		row := map[string]string{}
		for _, f := range append(slices.Clone(op.Key), op.Fields...) {
			row[f.Name] = f.Value
		}
		h.rows[k] = append(h.rows[k], row)
	case engine.OpSetRow:
		found := false
		for _, r := range h.rows[k] {
			if match(r) {
				r[op.Attr] = op.Value
				found = true
			}
		}
		if !found {
			return engine.Reply{}, &engine.CLIError{Command: "set", Text: "[Error] Entry not found"}
		}
	case engine.OpDeleteRow:
		var keep []map[string]string
		for _, r := range h.rows[k] {
			if !match(r) {
				keep = append(keep, r)
			}
		}
		if len(keep) == len(h.rows[k]) {
			return engine.Reply{}, &engine.CLIError{Command: "delete", Text: "[Error] Entry not found"}
		}
		if k == "maintenance/scheduler" {
			// The server renumbers ids after a delete.
			for i, r := range keep {
				r["id"] = fmt.Sprint(i + 1)
			}
		}
		h.rows[k] = keep
	}
	if h.restartWarn[k] {
		return engine.Reply{Kind: engine.ReplyRestart, Text: "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***"}, nil
	}
	return engine.Reply{Kind: engine.ReplyDone, Text: "...Done"}, nil
}

func (s *fakeSession) Restart(ctx context.Context, app string) error {
	s.f.record(s.name, "restart", app)
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if app == "OpenClientServer" && !s.h.alarmsStay {
		s.h.alarms = nil
	}
	return nil
}

func (s *fakeSession) Health(_ context.Context, app string) (*engine.Health, error) {
	s.f.record(s.name, "health", app)
	if s.h.neverHealthy {
		return &engine.Health{Severity: "MAJOR", Detail: "severity MAJOR: Application " + app + " is not running (state: Starting)"}, nil
	}
	return &engine.Health{Healthy: true, Severity: "NOTIFICATION"}, nil
}

func (s *fakeSession) WaitHealthy(ctx context.Context, app string, timeout time.Duration) error {
	s.f.record(s.name, "wait", app)
	if s.h.healthBarrier != nil {
		if err := s.h.healthBarrier.wait(ctx); err != nil {
			return err
		}
	}
	if s.h.neverHealthy {
		// The fake's deadline passes at once: no test waits for real time.
		return fmt.Errorf("%s: %w: Application %s is not running (state: Starting)", s.name, engine.ErrHealthTimeout, app)
	}
	s.f.record(s.name, "healthy", app)
	return nil
}

func (s *fakeSession) Close() error {
	s.f.record(s.name, "close", "")
	return nil
}

// barrier releases its waiters once n of them wait; a deadline turns a
// missing party (hosts not in one batch) into an error instead of a hang.
type barrier struct {
	mu      sync.Mutex
	n       int
	arrived int
	done    chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, done: make(chan struct{})} }

func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n {
		close(b.done)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("barrier: the other hosts of the batch never restarted concurrently")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recHook records events.
type recHook struct {
	mu     sync.Mutex
	events []Event
}

func (h *recHook) Step(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, e)
}

func (h *recHook) lines(host string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		if e.Host == host {
			s := string(e.Step)
			if e.App != "" {
				s += " " + e.App
			}
			if e.Detail != "" {
				s += ": " + e.Detail
			}
			out = append(out, s)
		}
	}
	return out
}

// harness wires a fleet, a journal and a hook for one test.
type harness struct {
	fleet *fakeFleet
	j     *journal.Journal
	hook  *recHook
	hosts map[string]*engine.Host
	cat   *testCatalogue
}

func newHarness(t *testing.T, names ...string) *harness {
	t.Helper()
	j, err := openJournal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	h := &harness{fleet: newFleet(names...), j: j, hook: &recHook{}, hosts: map[string]*engine.Host{}, cat: newTestCatalogue()}
	for _, n := range names {
		h.hosts[n] = &engine.Host{Name: n, Address: "127.0.0.1", Type: "xsp"}
	}
	return h
}

func (h *harness) options(p *engine.Plan, ro engine.Rollout) Options {
	return Options{Plan: p, Hosts: h.hosts, Provider: h.fleet, Catalogue: h.cat, Rollout: ro, Journal: h.j, Hook: h.hook}
}

func (h *harness) run(t *testing.T, opts Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := h.j.Verify(); err != nil {
		t.Fatalf("journal does not verify after %d records: %v", n, err)
	}
	return res
}

func (h *harness) result(res *Result, name string) *HostResult {
	for _, hr := range res.Hosts {
		if hr.Name == name {
			return hr
		}
	}
	return nil
}

// Plan builders.

const (
	capPath = "Applications/OpenClientServer/CAPProxy"
	gsPath  = "Applications/OpenClientServer/GeneralSettings"
	macl    = "System/ManagementAccessList"
	snmp    = "Interface/SNMP/Agent"
	cisPath = "Applications/AuthenticationService/CISTokenValidation"
)

func update(path string, attrs ...*engine.AttrChange) *engine.Change {
	return &engine.Change{Resource: "context.x", Path: path, Action: engine.Update, Attrs: attrs}
}

func attr(name, before, after, restart string) *engine.AttrChange {
	return &engine.AttrChange{Name: name, Before: before, After: after, Restart: restart}
}

func capOff() *engine.Change {
	return update(capPath, attr("enabled", "true", "false", "OpenClientServer"))
}

func ocsRestart(reasons ...string) *engine.Restart {
	if len(reasons) == 0 {
		reasons = []string{"CAPProxy changed"}
	}
	return &engine.Restart{App: "OpenClientServer", Reasons: reasons}
}

func hostPlan(name string, changes []*engine.Change, restarts ...*engine.Restart) *engine.HostPlan {
	if restarts == nil {
		restarts = []*engine.Restart{}
	}
	return &engine.HostPlan{Name: name, Address: "127.0.0.1", Type: "xsp", Changes: changes, Restarts: restarts}
}

func plan(hosts ...*engine.HostPlan) *engine.Plan {
	return &engine.Plan{FormatVersion: engine.PlanFormatVersion, ConfigHash: "cfg", CreatedAt: "2026-11-27T10:15:00Z", Hosts: hosts}
}

func now() engine.Rollout {
	ro := engine.DefaultRollout()
	return ro
}

func openJournal(dir string) (*journal.Journal, error) {
	return journal.Open(dir, journal.Options{Operator: "tester@ctl"})
}
