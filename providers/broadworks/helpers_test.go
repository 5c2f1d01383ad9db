package broadworks

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/internal/leaktest"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
)

// testTimeout bounds every operation of a test, so a hung session fails
// the test instead of the whole package run.
const testTimeout = 60 * time.Second

// testCtx returns a context that ends with the test or after testTimeout.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// fakeEnv is a map-backed Getenv, so tests never see the real environment
// (SSH_AUTH_SOCK of the developer's agent, USER, password variables).
func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// newTestProvider returns a provider that reads neither ~/.ssh/config nor
// the process environment, closed when the test ends.
func newTestProvider(t testing.TB, opts Options, env map[string]string) *Provider {
	t.Helper()
	opts.SSHConfigPath = "none"
	opts.Getenv = fakeEnv(env)
	p := New(opts)
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close provider: %v", err)
		}
	})
	return p
}

// hostOf builds the inventory entry for a simulated host: its actual
// address and port, the lab's key and known_hosts.
func hostOf(t testing.TB, f *sim.Fleet, name string) *engine.Host {
	t.Helper()
	sh := f.Host(name)
	if sh == nil {
		t.Fatalf("no simulated host %s", name)
	}
	ip, portText, err := net.SplitHostPort(sh.Addr())
	if err != nil {
		t.Fatalf("host %s: address %q: %v", name, sh.Addr(), err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatalf("host %s: port %q: %v", name, portText, err)
	}
	return &engine.Host{
		Name:    name,
		Address: ip,
		Type:    sh.Type(),
		Connection: &Connection{
			Address:      ip,
			User:         "bwadmin",
			Port:         port,
			IdentityFile: f.ClientKeyPath(),
			KnownHosts:   f.KnownHostsPath(),
			Timeout:      20 * time.Second,
		},
	}
}

// conn returns the connection settings of a host made by hostOf, to
// change for a test.
func conn(h *engine.Host) *Connection { return h.Connection.(*Connection) }

// openSession opens a session and closes it when the test ends (a second
// Close by the test itself is harmless).
func openSession(t testing.TB, ctx context.Context, p *Provider, h *engine.Host) engine.Session {
	t.Helper()
	s, err := p.Open(ctx, h)
	if err != nil {
		t.Fatalf("open %s: %v", h.Name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// schemaOf returns the catalogue's schema of path for a host type.
func schemaOf(t testing.TB, hostType, path string) *engine.Context {
	t.Helper()
	c, ok := catalog.New().Lookup(hostType, path)
	if !ok {
		t.Fatalf("catalogue has no %s context %s", hostType, path)
	}
	return c
}

// commandLines renders a host's recorded commands as "shell LINE" or
// "cli LINE", the form the expected lists use.
func commandLines(cmds []sim.Command) []string {
	out := make([]string, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, c.Kind+" "+c.Line)
	}
	return out
}

// commandsSince returns what a host received after the first n commands.
func commandsSince(h *sim.Host, n int) []string {
	all := commandLines(h.Commands())
	if n > len(all) {
		return nil
	}
	return all[n:]
}

// countCommand counts the recorded commands equal to line ("shell bwshowver").
func countCommand(cmds []sim.Command, line string) int {
	n := 0
	for _, c := range commandLines(cmds) {
		if c == line {
			n++
		}
	}
	return n
}

// goroutineBaseline records the goroutines running now and returns a
// check that fails the test when others are still running 10 s after it is
// called: connections end asynchronously on both sides.
func goroutineBaseline(t testing.TB) func() {
	t.Helper()
	return leaktest.Baseline(t, 10*time.Second)
}

// lab builds lab-file source from host blocks.
func lab(blocks ...string) string { return strings.Join(blocks, "\n") }

// simHost renders one sim_host block with a free port; body is extra lab
// syntax inside the block.
func simHost(name, typ, release, body string) string {
	return fmt.Sprintf("sim_host %q {\n  listen = \"127.0.0.1:0\"\n  type = %q\n  release = %q\n%s\n}\n", name, typ, release, body)
}
