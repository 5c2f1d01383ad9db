package broadworks

import (
	"bufio"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"github.com/bwstate/bwstate/providers/broadworks/sshconn"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// knownFingerprint returns the SHA256 fingerprint the lab's known_hosts
// holds for a host.
func knownFingerprint(t *testing.T, f *sim.Fleet, name string) string {
	t.Helper()
	ip, port, _ := net.SplitHostPort(f.Host(name).Addr())
	want := "[" + ip + "]:" + port
	file, err := os.Open(f.KnownHostsPath())
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		_, hosts, key, _, _, err := ssh.ParseKnownHosts(sc.Bytes())
		if err != nil {
			t.Fatalf("known_hosts: %v", err)
		}
		if slices.Contains(hosts, want) {
			return ssh.FingerprintSHA256(key)
		}
	}
	t.Fatalf("known_hosts has no entry for %s", want)
	return ""
}

// TestHostKeys: an unknown and a changed host key are distinct typed
// errors that name the host and the fingerprint, and nothing reaches the
// host's shell.
func TestHostKeys(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
	sh := f.Host("xsp1")
	fp := knownFingerprint(t, f, "xsp1")

	t.Run("unknown", func(t *testing.T) {
		ctx := testCtx(t)
		empty := filepath.Join(t.TempDir(), "known_hosts")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		h := hostOf(t, f, "xsp1")
		conn(h).KnownHosts = empty
		p := newTestProvider(t, Options{AcceptNewHint: "set accept_new_host_keys = true"}, nil)
		_, err := p.Open(ctx, h)
		var unknown *sshconn.UnknownHostKeyError
		if !errors.As(err, &unknown) {
			t.Fatalf("wrong error\ngot: %T %v\nwant: *sshconn.UnknownHostKeyError", err, err)
		}
		var changed *sshconn.HostKeyChangedError
		if errors.As(err, &changed) {
			t.Errorf("an unknown key also reads as a changed key: %v", err)
		}
		if unknown.Fingerprint != fp || unknown.KnownHostsFile != empty || unknown.FileMissing {
			t.Errorf("wrong result\ngot: %s in %s (missing %v)\nwant: %s in %s", unknown.Fingerprint, unknown.KnownHostsFile, unknown.FileMissing, fp, empty)
		}
		for _, want := range []string{"unknown host key for xsp1 (bwadmin@" + sh.Addr() + ")", fp, "set accept_new_host_keys = true"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("wrong message\ngot: %s\nwant: it to contain %q", err, want)
			}
		}
		// The file is still empty: nothing is trusted without the opt-in.
		if b, _ := os.ReadFile(empty); len(b) != 0 {
			t.Errorf("known_hosts was written without the opt-in:\n%s", b)
		}
	})

	t.Run("changed", func(t *testing.T) {
		ctx := testCtx(t)
		sh.SetFaults(sim.Faults{WrongHostKey: true})
		t.Cleanup(func() { sh.SetFaults(sim.Faults{}) })
		p := newTestProvider(t, Options{}, nil)
		_, err := p.Open(ctx, hostOf(t, f, "xsp1"))
		var changed *sshconn.HostKeyChangedError
		if !errors.As(err, &changed) {
			t.Fatalf("wrong error\ngot: %T %v\nwant: *sshconn.HostKeyChangedError", err, err)
		}
		var unknown *sshconn.UnknownHostKeyError
		if errors.As(err, &unknown) {
			t.Errorf("a changed key also reads as an unknown key: %v", err)
		}
		if changed.KnownFingerprint != fp || changed.Fingerprint == fp || !strings.HasPrefix(changed.Fingerprint, "SHA256:") {
			t.Errorf("wrong result\ngot: presented %s, known %s\nwant: presented another key, known %s", changed.Fingerprint, changed.KnownFingerprint, fp)
		}
		for _, want := range []string{"host key changed for xsp1 (bwadmin@" + sh.Addr() + ")", changed.Fingerprint, fp, "man in the middle"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("wrong message\ngot: %s\nwant: it to contain %q", err, want)
			}
		}
	})

	// No shell, no CLI: the connection never got past the key check, and
	// was not retried into a session either.
	if got := commandLines(sh.Commands()); len(got) != 0 {
		t.Errorf("wrong result\ngot: %q\nwant: no command on the host", got)
	}
}

// countingAgent is an in-process ssh-agent that counts signatures, to
// prove the agent (and not some key file) authenticated the session.
type countingAgent struct {
	agent.Agent
	signs atomic.Int32
}

func (a *countingAgent) Sign(key ssh.PublicKey, data []byte) (*ssh.Signature, error) {
	a.signs.Add(1)
	return a.Agent.Sign(key, data)
}

// serveAgent serves a keyring holding the lab's client key on a unix
// socket in a temporary directory, until the test ends.
func serveAgent(t *testing.T, f *sim.Fleet) (sock string, a *countingAgent) {
	t.Helper()
	pem, err := os.ReadFile(f.ClientKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	kr := agent.NewKeyring()
	if err := kr.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
		t.Fatal(err)
	}
	a = &countingAgent{Agent: kr}
	// Unix socket paths are short (108 bytes); t.TempDir's fit.
	sock = filepath.Join(t.TempDir(), "agent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { _ = agent.ServeAgent(a, c) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return sock, a
}

// TestAuthMethods logs in by each method the provider offers. HOME points
// at an empty directory so that no default key of the machine's user can
// stand in for the method under test.
func TestAuthMethods(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	f := simtest.Start(t, lab(
		simHost("xsp1", "xsp", "Rel_24.0_1.944", ""),
		// Like an sshd with PasswordAuthentication no: the password is
		// only taken at a keyboard-interactive prompt.
		simHost("kbd", "xsp", "Rel_24.0_1.944", `  auth_methods = ["keyboard-interactive"]`),
	))
	sock, ag := serveAgent(t, f)

	noKey := func(h *engine.Host) { conn(h).IdentityFile = "" }
	tests := []struct {
		name     string
		hostName string // default xsp1
		host     func(*engine.Host)
		env      map[string]string
		check    func(t *testing.T)
	}{
		{
			name:     "keyboard-interactive answered with the password",
			hostName: "kbd",
			host:     func(h *engine.Host) { noKey(h); conn(h).PasswordEnv = "BW_SSH_PASSWORD" },
			env:      map[string]string{"BW_SSH_PASSWORD": "bwadmin"},
		},
		{name: "key file"},
		{
			name: "password from password_env",
			host: func(h *engine.Host) { noKey(h); conn(h).PasswordEnv = "BW_SSH_PASSWORD" },
			env:  map[string]string{"BW_SSH_PASSWORD": "bwadmin"},
		},
		{
			name: "ssh-agent",
			host: noKey,
			env:  map[string]string{"SSH_AUTH_SOCK": sock},
			check: func(t *testing.T) {
				if ag.signs.Load() == 0 {
					t.Errorf("wrong result\ngot: no signature from the agent\nwant: the agent authenticated the session")
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			name := tc.hostName
			if name == "" {
				name = "xsp1"
			}
			sh := f.Host(name)
			h := hostOf(t, f, name)
			if tc.host != nil {
				tc.host(h)
			}
			p := newTestProvider(t, Options{}, tc.env)
			before := len(sh.Commands())
			s := openSession(t, ctx, p, h)
			facts, err := s.Facts(ctx)
			if err != nil {
				t.Fatalf("facts: %v", err)
			}
			if facts.Type != "xsp" {
				t.Errorf("wrong result\ngot: %s\nwant: xsp", facts.Type)
			}
			if got := commandsSince(sh, before); len(got) == 0 || got[0] != "shell bwshowver" {
				t.Errorf("wrong commands\ngot: %q\nwant: the session's bwshowver first", got)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

// TestAuthFailures shows the authentication errors an operator can cause:
// each is an *sshconn.AuthError saying what was tried.
func TestAuthFailures(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	f := simtest.Start(t, lab(
		simHost("xsp1", "xsp", "Rel_24.0_1.944", ""),
		simHost("locked", "xsp", "Rel_24.0_1.944", "  fault {\n    reject_auth = true\n  }"),
	))
	tests := []struct {
		name      string
		host      string
		password  string // the value of BW_SSH_PASSWORD, "" = unset
		key       bool
		wantTried []string
		wantMsg   []string
	}{
		{
			// A wrong password: password, then keyboard-interactive (the
			// server offers it; the sim asks one `Password:` question)
			// with the same password. Both are refused.
			name: "wrong password", host: "xsp1", password: "Wr0ng-pass-4d1",
			wantTried: []string{"password (from BW_SSH_PASSWORD)", "keyboard-interactive (password from BW_SSH_PASSWORD)"},
			wantMsg:   []string{"authentication as bwadmin failed at xsp1", "server accepts password, publickey, keyboard-interactive"},
		},
		{
			name: "password variable unset", host: "xsp1",
			wantTried: nil,
			wantMsg:   []string{"environment variable BW_SSH_PASSWORD is empty or unset"},
		},
		{
			name: "host refuses every method", host: "locked", key: true, password: "bwadmin",
			wantTried: []string{"publickey (" + f.ClientKeyPath() + ")", "password (from BW_SSH_PASSWORD)", "keyboard-interactive (password from BW_SSH_PASSWORD)"},
			wantMsg:   []string{"authentication as bwadmin failed at locked"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			h := hostOf(t, f, tc.host)
			if !tc.key {
				conn(h).IdentityFile = ""
			}
			conn(h).PasswordEnv = "BW_SSH_PASSWORD"
			env := map[string]string{}
			if tc.password != "" {
				env["BW_SSH_PASSWORD"] = tc.password
			}
			p := newTestProvider(t, Options{}, env)
			_, err := p.Open(ctx, h)
			var ae *sshconn.AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("wrong error\ngot: %T %v\nwant: *sshconn.AuthError", err, err)
			}
			if diff := cmp.Diff(tc.wantTried, ae.Tried); diff != "" {
				t.Errorf("wrong methods tried (-want +got)\n%s", diff)
			}
			for _, want := range tc.wantMsg {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("wrong message\ngot: %s\nwant: it to contain %q", err, want)
				}
			}
			// The lab password is also the user name; any other must not show.
			if tc.password != "" && tc.password != "bwadmin" && strings.Contains(err.Error(), tc.password) {
				t.Errorf("the message holds the password: %s", err)
			}
			if got := commandLines(f.Host(tc.host).Commands()); len(got) != 0 {
				t.Errorf("wrong result\ngot: %q\nwant: no command on the host", got)
			}
		})
	}
}

// TestSimKeyboardInteractive checks the simulator's side of the
// keyboard-interactive login the provider falls back to after password:
// one `Password:` question, answered with the lab password.
func TestSimKeyboardInteractive(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
	var questions []string
	cfg := &ssh.ClientConfig{
		User: "bwadmin",
		Auth: []ssh.AuthMethod{ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
			questions = append(questions, qs...)
			answers := make([]string, len(qs))
			for i := range answers {
				answers[i] = "bwadmin"
			}
			return answers, nil
		})},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // the key is not what this test is about
		Timeout:         20 * time.Second,
	}
	c, err := ssh.Dial("tcp", f.Host("xsp1").Addr(), cfg)
	if err != nil {
		t.Fatalf("keyboard-interactive login: %v", err)
	}
	_ = c.Close()
	if diff := cmp.Diff([]string{"Password: "}, questions); diff != "" {
		t.Errorf("wrong questions (-want +got)\n%s", diff)
	}
}

// TestJumpHost reaches a host through a second simulated host acting as
// bastion: the target runs the session, the bastion only forwards.
func TestJumpHost(t *testing.T) {
	f := simtest.Start(t, lab(
		simHost("bastion", "xsp", "Rel_24.0_1.944", ""),
		simHost("xsp1", "xsp", "Rel_22.0_1.1123", capEnabled),
	))
	bastion, target := f.Host("bastion"), f.Host("xsp1")

	t.Run("through the bastion", func(t *testing.T) {
		ctx := testCtx(t)
		leaks := goroutineBaseline(t)
		h := hostOf(t, f, "xsp1")
		conn(h).Jump = "bwadmin@" + bastion.Addr()
		p := New(Options{SSHConfigPath: "none", Getenv: fakeEnv(nil)})
		s, err := p.Open(ctx, h)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		facts, err := s.Facts(ctx)
		if err != nil {
			t.Fatalf("facts: %v", err)
		}
		if facts.ReleaseString != "Rel_22.0_1.1123" {
			t.Errorf("wrong host\ngot: %s\nwant: xsp1's Rel_22.0_1.1123", facts.ReleaseString)
		}
		obs, err := s.Read(ctx, capPath, nil)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if obs.Attrs["enabled"] != "true" {
			t.Errorf("wrong result\ngot: %v\nwant: enabled = true", obs.Attrs)
		}
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		// The shared bastion connection lives until the provider closes.
		if err := p.Close(); err != nil {
			t.Errorf("close provider: %v", err)
		}
		leaks()
	})
	want := []string{
		"shell bwshowver", "shell bwcli", "cli cd /Monitoring/Alarm/AlarmsTable", "cli list",
		"cli cd /" + capPath, "cli get", "cli exit", "cli y",
	}
	if diff := cmp.Diff(want, commandLines(target.Commands())); diff != "" {
		t.Errorf("wrong commands on the target (-want +got)\n%s", diff)
	}
	if got := commandLines(bastion.Commands()); len(got) != 0 {
		t.Errorf("wrong result\ngot: %q on the bastion\nwant: nothing (it only forwards)", got)
	}

	// Control: with the bastion refusing connections the target cannot be
	// reached, so the session above really went through it.
	t.Run("bastion down", func(t *testing.T) {
		ctx := testCtx(t)
		bastion.SetFaults(sim.Faults{Refuse: true})
		t.Cleanup(func() { bastion.SetFaults(sim.Faults{}) })
		h := hostOf(t, f, "xsp1")
		conn(h).Jump = "bwadmin@" + bastion.Addr()
		p := newTestProvider(t, Options{}, nil)
		_, err := p.Open(ctx, h)
		if err == nil || !strings.Contains(err.Error(), "ssh xsp1 (bwadmin@"+target.Addr()+"): jump host") {
			t.Errorf("wrong error\ngot: %v\nwant: ssh xsp1 (bwadmin@%s): jump host ...", err, target.Addr())
		}
	})
}
