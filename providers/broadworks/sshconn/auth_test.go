package sshconn

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

// fakePrompter answers passphrase prompts from a list and counts them.
type fakePrompter struct {
	answers []string
	calls   atomic.Int32
	err     error
}

func (p *fakePrompter) Passphrase(string) ([]byte, error) {
	n := int(p.calls.Add(1)) - 1
	if p.err != nil {
		return nil, p.err
	}
	return []byte(p.answers[min(n, len(p.answers)-1)]), nil
}

func TestAuthMethods(t *testing.T) {
	type setup struct {
		server *testServer
		target Target
		opts   Options
		want   string // the login the server records
	}
	tests := map[string]func(t *testing.T, e *env) setup{
		"password from the named variable": func(t *testing.T, e *env) setup {
			s := newTestServer(t, serverOptions{password: "pw-7731"})
			e.trust(s)
			e.setenv("BW_SSH_PASSWORD", "pw-7731")
			return setup{server: s, target: Target{Host: s.host, Port: s.port, User: "bwadmin", PasswordEnv: "BW_SSH_PASSWORD"}, want: "bwadmin password"}
		},
		"plain identity file": func(t *testing.T, e *env) setup {
			priv, pub := newEd25519(t)
			s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
			e.trust(s)
			key := e.writeKey("id_plain", priv, "")
			return setup{server: s, target: Target{Host: s.host, Port: s.port, User: "bwadmin", IdentityFiles: []string{key}}, want: "bwadmin publickey"}
		},
		"encrypted identity file with a prompter": func(t *testing.T, e *env) setup {
			key, pub := e.writeEncryptedKey("id_enc")
			s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
			e.trust(s)
			return setup{
				server: s,
				target: Target{Host: s.host, Port: s.port, User: "bwadmin", IdentityFiles: []string{key}},
				opts:   Options{Prompter: &fakePrompter{answers: []string{encryptedPassphrase}}},
				want:   "bwadmin publickey",
			}
		},
		"identity file under ~": func(t *testing.T, e *env) setup {
			priv, pub := newEd25519(t)
			s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
			e.trust(s)
			e.writeKey("id_home", priv, "")
			return setup{server: s, target: Target{Host: s.host, Port: s.port, User: "bwadmin", IdentityFiles: []string{"~/id_home"}, KnownHostsFile: "~/known_hosts"}, want: "bwadmin publickey"}
		},
		"ssh-agent": func(t *testing.T, e *env) setup {
			priv, pub := newEd25519(t)
			s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
			e.trust(s)
			e.serveAgent(priv)
			return setup{server: s, target: Target{Host: s.host, Port: s.port, User: "bwadmin"}, want: "bwadmin publickey"}
		},
		"keyboard-interactive": func(t *testing.T, e *env) setup {
			s := newTestServer(t, serverOptions{kbdPassword: "kbd-5521"})
			e.trust(s)
			e.setenv("BW_SSH_PASSWORD", "kbd-5521")
			return setup{server: s, target: Target{Host: s.host, Port: s.port, User: "bwadmin", PasswordEnv: "BW_SSH_PASSWORD"}, want: "bwadmin keyboard-interactive"}
		},
	}
	for name, mk := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			st := mk(t, e)
			st.target.KnownHostsFile = orDefault(st.target.KnownHostsFile, e.knownHosts)
			d := e.dialer(st.opts)
			c, err := d.Dial(stepContext(t), st.target)
			if err != nil {
				t.Fatalf("wrong result\ngot: %v\nwant: a connection", err)
			}
			defer c.Close()
			// The connection is usable: a session opens.
			sess, err := c.NewSession()
			if err != nil {
				t.Fatalf("new session: %v", err)
			}
			sess.Close()
			if diff := cmp.Diff([]string{st.want}, st.server.logins()); diff != "" {
				t.Errorf("wrong logins (-want +got):\n%s", diff)
			}
		})
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// The chain tries ssh-agent, then identity files, then the password, in
// that order, and stops at the first that works.
func TestAuthChainOrder(t *testing.T) {
	e := newEnv(t)
	agentKey, agentPub := newEd25519(t)
	fileKey, filePub := newEd25519(t)
	// Neither key is authorized: only the password works.
	s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{mustPub(t)}, password: "pw-1187"})
	e.trust(s)
	e.serveAgent(agentKey)
	key := e.writeKey("id_file", fileKey, "")
	e.setenv("PW", "pw-1187")
	d := e.dialer(Options{})
	c, err := d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "ops", IdentityFiles: []string{key}, PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := []string{
		"ops publickey " + ssh.FingerprintSHA256(agentPub),
		"ops publickey " + ssh.FingerprintSHA256(filePub),
		"ops password",
	}
	if diff := cmp.Diff(want, s.attempts()); diff != "" {
		t.Errorf("wrong attempts (-want +got):\n%s", diff)
	}
}

func mustPub(t testing.TB) ssh.PublicKey {
	_, pub := newEd25519(t)
	return pub
}

// A passphrase is asked once per Dialer however many hosts use the key,
// including hosts dialled concurrently.
func TestPassphraseAskedOnce(t *testing.T) {
	e := newEnv(t)
	key, pub := e.writeEncryptedKey("id_enc")
	var servers []*testServer
	for range 4 {
		s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
		e.trust(s)
		servers = append(servers, s)
	}
	p := &fakePrompter{answers: []string{encryptedPassphrase}}
	d := e.dialer(Options{Prompter: p})
	errs := make(chan error, len(servers))
	for _, s := range servers {
		go func() {
			c, err := d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", IdentityFiles: []string{key}, KnownHostsFile: e.knownHosts})
			if err == nil {
				c.Close()
			}
			errs <- err
		}()
	}
	for range servers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := p.calls.Load(); got != 1 {
		t.Errorf("wrong result\ngot: %d prompts\nwant: 1", got)
	}
}

func TestAuthFailures(t *testing.T) {
	const password = "pw-secret-9914"
	const wrongGuess = "wrong-guess-5521"
	type setup struct {
		target Target
		opts   Options
		server *testServer
	}
	tests := map[string]struct {
		setup func(t *testing.T, e *env) setup
		// want are substrings of the message.
		want []string
		// noConnection means the failure is found before dialling.
		noConnection bool
	}{
		"wrong password": {
			setup: func(t *testing.T, e *env) setup {
				s := newTestServer(t, serverOptions{password: "other"})
				e.setenv("BW_PW", password)
				return setup{server: s, target: Target{User: "bwadmin", PasswordEnv: "BW_PW"}}
			},
			want: []string{"authentication as bwadmin failed", "bwadmin@127.0.0.1:", "tried password (from BW_PW)", "server accepts password"},
		},
		"encrypted key and no prompter": {
			setup: func(t *testing.T, e *env) setup {
				key, pub := e.writeEncryptedKey("id_enc")
				s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
				return setup{server: s, target: Target{User: "bwadmin", IdentityFiles: []string{key}}}
			},
			want: []string{"id_enc is encrypted", "no terminal", "ssh-add", "ssh-agent"},
		},
		"encrypted key and a prompter without a terminal": {
			setup: func(t *testing.T, e *env) setup {
				key, pub := e.writeEncryptedKey("id_enc")
				s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
				notTTY, err := os.Open(key)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { notTTY.Close() })
				return setup{server: s, target: Target{User: "bwadmin", IdentityFiles: []string{key}}, opts: Options{Prompter: &TerminalPrompter{In: notTTY}}}
			},
			want: []string{"id_enc is encrypted", "no terminal", "ssh-add"},
		},
		"wrong passphrase": {
			setup: func(t *testing.T, e *env) setup {
				key, pub := e.writeEncryptedKey("id_enc")
				s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
				return setup{server: s, target: Target{User: "bwadmin", IdentityFiles: []string{key}}, opts: Options{Prompter: &fakePrompter{answers: []string{wrongGuess}}}}
			},
			want: []string{"id_enc: wrong passphrase (3 attempts)"},
		},
		"key not authorized": {
			setup: func(t *testing.T, e *env) setup {
				priv, _ := newEd25519(t)
				s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{mustPub(t)}})
				key := e.writeKey("id_other", priv, "")
				return setup{server: s, target: Target{User: "bwadmin", IdentityFiles: []string{key}}}
			},
			want: []string{"tried publickey (", "id_other)", "server accepts publickey"},
		},
		"keyboard-interactive question that is not a password": {
			setup: func(t *testing.T, e *env) setup {
				s := newTestServer(t, serverOptions{kbdPassword: password, kbdQuestion: "Token code: "})
				e.setenv("BW_PW", password)
				return setup{server: s, target: Target{User: "bwadmin", PasswordEnv: "BW_PW"}}
			},
			want: []string{"cannot answer the server's question \"Token code:\""},
		},
		"no method available": {
			setup: func(t *testing.T, e *env) setup {
				s := newTestServer(t, serverOptions{password: password})
				return setup{server: s, target: Target{User: "bwadmin", PasswordEnv: "BW_PW"}}
			},
			want:         []string{"no authentication method available for user bwadmin", "SSH_AUTH_SOCK is not set", "environment variable BW_PW is empty or unset"},
			noConnection: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			st := tc.setup(t, e)
			e.trust(st.server)
			st.target.Host, st.target.Port, st.target.KnownHostsFile = st.server.host, st.server.port, e.knownHosts
			d := e.dialer(st.opts)
			_, err := d.Dial(stepContext(t), st.target)
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("wrong result\ngot: %v\nwant: *AuthError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("wrong result\ngot: %s\nwant it to contain: %s", err, w)
				}
			}
			for _, secret := range []string{password, encryptedPassphrase, wrongGuess} {
				if strings.Contains(err.Error(), secret) || strings.Contains(e.logs(), secret) {
					t.Errorf("secret %q leaked into the error or the log:\n%s\n%s", secret, err, e.logs())
				}
			}
			if got := st.server.conns.Load(); tc.noConnection && got != 0 {
				t.Errorf("wrong result\ngot: %d connections\nwant: 0", got)
			}
		})
	}
}

// An identity file the caller names must be readable; the failure is
// reported before any connection.
func TestUnreadableIdentityFile(t *testing.T) {
	e := newEnv(t)
	s := newTestServer(t, serverOptions{password: "x"})
	e.trust(s)
	missing := filepath.Join(e.dir, "id_missing")
	d := e.dialer(Options{})
	_, err := d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", IdentityFiles: []string{missing}, KnownHostsFile: e.knownHosts})
	want := "identity file " + missing + ": open: no such file or directory"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("wrong result\ngot: %v\nwant: ...%s", err, want)
	}
	if got := s.conns.Load(); got != 0 {
		t.Errorf("wrong result\ngot: %d connections\nwant: 0", got)
	}
}

func TestIsPasswordPrompt(t *testing.T) {
	tests := map[string]bool{
		"Password: ":                true,
		"bwadmin@xsp1's password: ": true,
		"Password for bwadmin:":     true,
		"Enter PASSCODE:":           true,
		"Token code: ":              false,
		"New password: ":            false,
		"Retype new password: ":     false,
		"Verification code:":        false,
	}
	for q, want := range tests {
		t.Run(q, func(t *testing.T) {
			if got := isPasswordPrompt(q); got != want {
				t.Errorf("wrong result\ngot: %v\nwant: %v", got, want)
			}
		})
	}
}

// When the agent's key works, an encrypted identity file is never
// decrypted: the operator is not asked for a passphrase.
func TestAgentBeforePassphrase(t *testing.T) {
	e := newEnv(t)
	agentKey, agentPub := newEd25519(t)
	key, filePub := e.writeEncryptedKey("id_enc")
	s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{agentPub, filePub}})
	e.trust(s)
	e.serveAgent(agentKey)
	p := &fakePrompter{answers: []string{encryptedPassphrase}}
	c, err := e.dialer(Options{Prompter: p}).Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", IdentityFiles: []string{key}, KnownHostsFile: e.knownHosts})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := p.calls.Load(); got != 0 {
		t.Errorf("wrong result\ngot: %d prompts\nwant: 0", got)
	}
}

// slowPrompter answers like an operator who takes a while to type.
type slowPrompter struct{ delay time.Duration }

func (p slowPrompter) Passphrase(string) ([]byte, error) {
	time.Sleep(p.delay) // the operator typing, not synchronisation
	return []byte(encryptedPassphrase), nil
}

// Typing a passphrase does not count against the handshake timeout.
func TestPassphrasePromptStopsTheClock(t *testing.T) {
	e := newEnv(t)
	key, pub := e.writeEncryptedKey("id_enc")
	s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
	e.trust(s)
	const timeout = time.Second
	d := e.dialer(Options{Prompter: slowPrompter{delay: timeout + timeout/2}})
	c, err := d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", IdentityFiles: []string{key}, KnownHostsFile: e.knownHosts, Timeout: timeout})
	if err != nil {
		t.Fatalf("wrong result\ngot: %v\nwant: a connection", err)
	}
	c.Close()
}
