package sim

import (
	"fmt"
	"hash/fnv"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// testIP derives a loopback address from the test name and the process id,
// so parallel test processes do not collide on ports (simtest does the same
// for other packages; it cannot be imported here without a cycle).
func testIP(t testing.TB) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", t.Name(), os.Getpid())
	v := h.Sum32()
	return fmt.Sprintf("127.%d.%d.%d", 10+v%200, (v>>8)%256, 1+(v>>16)%254)
}

// startTestFleet serves a lab on a test-unique loopback IP.
func startTestFleet(t testing.TB, src string, opts Options) *Fleet {
	t.Helper()
	return startLab(t, parseTestLab(t, src), opts)
}

// startLab serves a parsed lab on a test-unique loopback IP.
func startLab(t testing.TB, lab *Lab, opts Options) *Fleet {
	t.Helper()
	opts.StateDir = t.TempDir()
	opts.BindIP = testIP(t)
	f, err := Start(lab, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return f
}

func passwordAuth() ssh.AuthMethod { return ssh.Password(labPassword) }

func keyAuth(t testing.TB, f *Fleet) ssh.AuthMethod {
	t.Helper()
	data, err := os.ReadFile(f.ClientKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return ssh.PublicKeys(signer)
}

func clientConfig(t testing.TB, f *Fleet, auth ...ssh.AuthMethod) *ssh.ClientConfig {
	t.Helper()
	cb, err := knownhosts.New(f.KnownHostsPath())
	if err != nil {
		t.Fatal(err)
	}
	return &ssh.ClientConfig{User: labUser, Auth: auth, HostKeyCallback: cb, Timeout: 10 * time.Second}
}

// dialTest connects to a host, verifying its key against the fleet's
// known_hosts; the client is closed at the end of the test.
func dialTest(t testing.TB, f *Fleet, h *Host, auth ...ssh.AuthMethod) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial("tcp", h.Addr(), clientConfig(t, f, auth...))
	if err != nil {
		t.Fatalf("dial %s: %v", h.Name(), err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// syncBuffer collects output written by another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until the output after offset contains want, failing the
// test at the deadline. It returns the offset just past the match.
func waitFor(t testing.TB, buf *syncBuffer, offset int, want string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := buf.String()
		if offset > len(s) {
			offset = len(s)
		}
		if i := strings.Index(s[offset:], want); i >= 0 {
			return offset + i + len(want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q; output after offset %d:\n%s", want, offset, s[offset:])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// freeAddr reports whether nothing listens on addr (used to check Close).
func freeAddr(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	_ = c.Close()
	return false
}
