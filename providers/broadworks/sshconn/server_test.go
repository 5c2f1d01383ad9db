package sshconn

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// serverOptions choose what a testServer accepts.
type serverOptions struct {
	hostKeys    []ssh.Signer // one new ed25519 key when empty
	password    string       // accepted password; none when empty
	kbdPassword string       // keyboard-interactive "Password: " answer
	kbdQuestion string       // question asked instead of "Password: "
	authorized  []ssh.PublicKey
}

// testServer is a small SSH server: password, public key and
// keyboard-interactive auth, an echoing shell on a PTY, direct-tcpip
// forwarding (for jump host tests) and keepalive replies that can be
// switched off. It counts what it sees so that tests can assert on it.
type testServer struct {
	t    testing.TB
	ln   net.Listener
	host string
	port int
	opts serverOptions

	hostKeys atomic.Pointer[[]ssh.Signer]

	conns          atomic.Int32 // TCP connections accepted
	active         atomic.Int32 // TCP connections not yet closed
	authAttempts   atomic.Int32 // every auth request, "none" included
	keepalives     atomic.Int32
	dropKeepalives atomic.Bool
	forwards       atomic.Int32 // direct-tcpip channels opened

	mu      sync.Mutex
	log     []string // "user method [fingerprint]" per attempt
	success []string // "user method" per successful login
	ptys    []ptyReq
	open    map[net.Conn]struct{}
	wg      sync.WaitGroup
}

type ptyReq struct {
	Term       string
	Cols, Rows uint32
}

func newTestServer(t testing.TB, opts serverOptions) *testServer {
	t.Helper()
	if len(opts.hostKeys) == 0 {
		opts.hostKeys = []ssh.Signer{newSigner(t)}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, ln: ln, opts: opts, open: map[net.Conn]struct{}{}}
	s.hostKeys.Store(&opts.hostKeys)
	s.host = "127.0.0.1"
	s.port = ln.Addr().(*net.TCPAddr).Port
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *testServer) addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// setHostKeys changes the keys presented to later connections, as a
// reinstalled host would.
func (s *testServer) setHostKeys(keys ...ssh.Signer) { s.hostKeys.Store(&keys) }

func (s *testServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *testServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.conns.Add(1)
		s.active.Add(1)
		s.mu.Lock()
		s.open[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
			c.Close()
			s.mu.Lock()
			delete(s.open, c)
			s.mu.Unlock()
			s.active.Add(-1)
		}()
	}
}

func (s *testServer) config() *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		AuthLogCallback: func(m ssh.ConnMetadata, method string, err error) {
			s.authAttempts.Add(1)
			if err == nil {
				s.mu.Lock()
				s.success = append(s.success, m.User()+" "+method)
				s.mu.Unlock()
			}
		},
	}
	if s.opts.password != "" {
		cfg.PasswordCallback = func(m ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			s.record(m.User() + " password")
			if string(pw) == s.opts.password {
				return nil, nil
			}
			return nil, fmt.Errorf("wrong password")
		}
	}
	if len(s.opts.authorized) > 0 {
		cfg.PublicKeyCallback = func(m ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			s.record(m.User() + " publickey " + ssh.FingerprintSHA256(key))
			for _, k := range s.opts.authorized {
				if bytes.Equal(k.Marshal(), key.Marshal()) {
					return nil, nil
				}
			}
			return nil, fmt.Errorf("key not authorized")
		}
	}
	if s.opts.kbdPassword != "" {
		cfg.KeyboardInteractiveCallback = func(m ssh.ConnMetadata, challenge ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			s.record(m.User() + " keyboard-interactive")
			q := s.opts.kbdQuestion
			if q == "" {
				q = "Password: "
			}
			answers, err := challenge("", "", []string{q}, []bool{false})
			if err != nil {
				return nil, err
			}
			if len(answers) == 1 && answers[0] == s.opts.kbdPassword {
				return nil, nil
			}
			return nil, fmt.Errorf("wrong answer")
		}
	}
	for _, k := range *s.hostKeys.Load() {
		cfg.AddHostKey(k)
	}
	return cfg
}

func (s *testServer) record(entry string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, entry)
}

func (s *testServer) attempts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *testServer) logins() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.success...)
}

func (s *testServer) handle(c net.Conn) {
	sc, chans, reqs, err := ssh.NewServerConn(c, s.config())
	if err != nil {
		return
	}
	defer sc.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for r := range reqs {
			if r.Type == "keepalive@openssh.com" {
				s.keepalives.Add(1)
				if s.dropKeepalives.Load() {
					continue // a hung peer: the request is never answered
				}
			}
			r.Reply(false, nil)
		}
	}()
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			wg.Add(1)
			go func() { defer wg.Done(); s.session(nc) }()
		case "direct-tcpip":
			s.forwards.Add(1)
			wg.Add(1)
			go func() { defer wg.Done(); s.forward(nc, sc) }()
		default:
			nc.Reject(ssh.UnknownChannelType, "unsupported")
		}
	}
}

// session serves a shell that answers each line with "out: LINE" on stdout
// and "err: LINE" on stderr, and ends on "exit".
func (s *testServer) session(nc ssh.NewChannel) {
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	shell := make(chan struct{})
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for r := range reqs {
			switch r.Type {
			case "pty-req":
				var p struct {
					Term       string
					Cols, Rows uint32
					W, H       uint32
					Modes      string
				}
				if err := ssh.Unmarshal(r.Payload, &p); err != nil {
					r.Reply(false, nil)
					continue
				}
				s.mu.Lock()
				s.ptys = append(s.ptys, ptyReq{Term: p.Term, Cols: p.Cols, Rows: p.Rows})
				s.mu.Unlock()
				r.Reply(true, nil)
			case "shell":
				r.Reply(true, nil)
				close(shell)
			default:
				r.Reply(false, nil)
			}
		}
	}()
	select {
	case <-shell:
	case <-gone:
		return
	}
	sc := bufio.NewScanner(ch)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "exit" {
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
			return
		}
		fmt.Fprintf(ch, "out: %s\r\n", line)
		fmt.Fprintf(ch.Stderr(), "err: %s\r\n", line)
	}
}

func (s *testServer) forward(nc ssh.NewChannel, sc *ssh.ServerConn) {
	var p struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
		nc.Reject(ssh.ConnectionFailed, "bad payload")
		return
	}
	target, err := net.DialTimeout("tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))), 5*time.Second)
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		target.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	done := make(chan struct{}, 2)
	go func() { io.Copy(target, ch); target.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(ch, target); ch.CloseWrite(); done <- struct{}{} }()
	// Either side ending, or the SSH connection ending, ends the forward.
	select {
	case <-done:
	case <-waitConn(sc):
	}
	ch.Close()
	target.Close()
	<-done
}

func waitConn(sc *ssh.ServerConn) <-chan struct{} {
	c := make(chan struct{})
	go func() { sc.Wait(); close(c) }()
	return c
}

// stallListener accepts TCP connections and never says a word, like a
// host whose sshd is hung.
type stallListener struct {
	ln       net.Listener
	accepted atomic.Int32
	mu       sync.Mutex
	conns    []net.Conn
	done     chan struct{}
}

func newStallListener(t testing.TB) *stallListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &stallListener{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.mu.Lock()
			l.conns = append(l.conns, c)
			l.mu.Unlock()
			l.accepted.Add(1)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-l.done
		l.mu.Lock()
		for _, c := range l.conns {
			c.Close()
		}
		l.mu.Unlock()
	})
	return l
}

func (l *stallListener) port() int { return l.ln.Addr().(*net.TCPAddr).Port }

// env is one test's world: a temp home with known_hosts, keys, an injected
// environment and a captured log.
type env struct {
	t          testing.TB
	dir        string
	knownHosts string
	vars       map[string]string
	mu         sync.Mutex
	logBuf     bytes.Buffer
}

// newEnv must be called first in a test: its goroutine check runs after
// every other cleanup.
func newEnv(t testing.TB) *env {
	t.Helper()
	checkGoroutines(t)
	dir := t.TempDir()
	e := &env{t: t, dir: dir, knownHosts: filepath.Join(dir, "known_hosts"), vars: map[string]string{"USER": "tester"}}
	if err := os.WriteFile(e.knownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) setenv(k, v string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vars[k] = v
}

func (e *env) getenv(k string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.vars[k]
}

func (e *env) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.logBuf.Write(p)
}

func (e *env) logs() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.logBuf.String()
}

// dialer returns a Dialer that reads nothing of the real user's: its
// environment, home and ssh_config are the test's.
func (e *env) dialer(opts Options) *Dialer {
	if opts.Getenv == nil {
		opts.Getenv = e.getenv
	}
	if opts.SSHConfigPath == "" {
		opts.SSHConfigPath = "none"
	}
	if opts.HomeDir == "" {
		opts.HomeDir = e.dir
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(e, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	d := NewDialer(opts)
	e.t.Cleanup(func() { d.Close() })
	return d
}

// trust adds s's host keys to known_hosts.
func (e *env) trust(s *testServer) {
	e.t.Helper()
	for _, k := range *s.hostKeys.Load() {
		e.appendKnown(xknownhosts.Line([]string{s.addr()}, k.PublicKey()))
	}
}

func (e *env) appendKnown(line string) {
	e.t.Helper()
	f, err := os.OpenFile(e.knownHosts, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, line); err != nil {
		e.t.Fatal(err)
	}
}

// writeKey stores key as an OpenSSH private key file, encrypted when
// passphrase is set, and returns its path.
func (e *env) writeKey(name string, key crypto.PrivateKey, passphrase string) string {
	e.t.Helper()
	var block *pem.Block
	var err error
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(key, "test")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(key, "test", []byte(passphrase))
	}
	if err != nil {
		e.t.Fatal(err)
	}
	path := filepath.Join(e.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// encryptedPassphrase protects the key encryptedKey makes.
const encryptedPassphrase = "phrase-secret-2231"

// encryptedKey is made once per test binary: bcrypt-pbkdf, which OpenSSH
// key encryption uses, takes seconds under -race.
var encryptedKey = sync.OnceValues(func() (ssh.PublicKey, []byte) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(encryptedPassphrase))
	if err != nil {
		panic(err)
	}
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		panic(err)
	}
	return pub, pem.EncodeToMemory(block)
})

// writeEncryptedKey stores the shared encrypted key and returns its path
// and public key.
func (e *env) writeEncryptedKey(name string) (string, ssh.PublicKey) {
	e.t.Helper()
	pub, data := encryptedKey()
	path := filepath.Join(e.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return path, pub
}

// serveAgent serves an in-process ssh-agent holding keys on a unix socket
// and points SSH_AUTH_SOCK at it.
func (e *env) serveAgent(keys ...crypto.PrivateKey) {
	e.t.Helper()
	kr := agent.NewKeyring()
	for _, k := range keys {
		if err := kr.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			e.t.Fatal(err)
		}
	}
	sock := filepath.Join(e.dir, "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		e.t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); agent.ServeAgent(kr, c); c.Close() }()
		}
	}()
	e.t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	e.setenv("SSH_AUTH_SOCK", sock)
}

func newEd25519(t testing.TB) (ed25519.PrivateKey, ssh.PublicKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

func newSigner(t testing.TB) ssh.Signer {
	t.Helper()
	priv, _ := newEd25519(t)
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitFor polls cond until it holds or a generous deadline passes; tests
// wait on outcomes, never on fixed sleeps.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// returnsSoon runs f and fails the test if it has not returned within a
// generous deadline: a hang is the bug these tests look for.
func returnsSoon[T any](t testing.TB, f func() T) T {
	t.Helper()
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("did not return")
		panic("unreachable")
	}
}

// checkGoroutines fails the test if goroutines of this package or of
// x/crypto/ssh outlive it.
func checkGoroutines(t testing.TB) {
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			leaked := leakedGoroutines()
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("goroutines left behind:\n%s", strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func leakedGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // this goroutine
		}
		if strings.Contains(g, "golang.org/x/crypto/ssh") || strings.Contains(g, "sshconn.(*") ||
			strings.Contains(g, "sshconn.OpenShell") || strings.Contains(g, "sshconn.openShell") {
			out = append(out, g)
		}
	}
	return out
}

// dialTimeout is a context for one test step.
func stepContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
