package sshconn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

func TestUnknownHostKey(t *testing.T) {
	tests := map[string]struct {
		// prepare returns the known_hosts path to use.
		prepare     func(e *env) string
		fileMissing bool
		wantText    []string
	}{
		"host missing from known_hosts": {
			prepare: func(e *env) string {
				e.appendKnown(xknownhosts.Line([]string{"10.9.9.9:22"}, mustPub(e.t)))
				return e.knownHosts
			},
			wantText: []string{"which is not in KH", "ssh-keyscan -p PORT 127.0.0.1 >> KH"},
		},
		"known_hosts file missing": {
			prepare:     func(e *env) string { return filepath.Join(e.dir, "nope", "known_hosts") },
			fileMissing: true,
			wantText:    []string{"known_hosts file KH does not exist"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			s := newTestServer(t, serverOptions{password: "pw"})
			e.setenv("PW", "pw")
			kh := tc.prepare(e)
			d := e.dialer(Options{AcceptNewHint: "pass -accept-new-host-keys"})
			_, err := d.Dial(stepContext(t), Target{Alias: "xsp1", Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: kh})

			var uk *UnknownHostKeyError
			if !errors.As(err, &uk) {
				t.Fatalf("wrong result\ngot: %v\nwant: *UnknownHostKeyError", err)
			}
			hostKey := (*s.hostKeys.Load())[0].PublicKey()
			want := UnknownHostKeyError{
				Host: fmt.Sprintf("xsp1 (u@%s)", s.addr()), Addr: s.addr(),
				KeyType: "ssh-ed25519", Fingerprint: ssh.FingerprintSHA256(hostKey),
				KnownHostsFile: kh, FileMissing: tc.fileMissing,
			}
			if diff := cmp.Diff(want, *uk, cmp.AllowUnexported(UnknownHostKeyError{}), cmpIgnoreHint); diff != "" {
				t.Errorf("wrong error fields (-want +got):\n%s", diff)
			}
			msg := err.Error()
			for _, w := range append(tc.wantText, "ssh-ed25519 "+ssh.FingerprintSHA256(hostKey), "or pass -accept-new-host-keys") {
				w = strings.NewReplacer("KH", kh, "PORT", fmt.Sprint(s.port)).Replace(w)
				if !strings.Contains(msg, w) {
					t.Errorf("wrong result\ngot: %s\nwant it to contain: %s", msg, w)
				}
			}
			if got := s.authAttempts.Load(); got != 0 {
				t.Errorf("wrong result\ngot: %d authentication attempts\nwant: 0 (nothing may be sent to an unverified host)", got)
			}
		})
	}
}

var cmpIgnoreHint = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".hint" }, cmp.Ignore())

// A changed key fails with its own error, is never retried and is not
// bypassed by AcceptNewHostKeys.
func TestChangedHostKey(t *testing.T) {
	for _, acceptNew := range []bool{false, true} {
		t.Run(fmt.Sprintf("accept new %t", acceptNew), func(t *testing.T) {
			e := newEnv(t)
			s := newTestServer(t, serverOptions{password: "pw"})
			e.setenv("PW", "pw")
			old := mustPub(t)
			e.appendKnown("# fleet")
			e.appendKnown(xknownhosts.Line([]string{s.addr()}, old))
			before, err := os.ReadFile(e.knownHosts)
			if err != nil {
				t.Fatal(err)
			}
			var attempts atomic.Int32
			d := e.dialer(Options{DialAttempts: 3, RetryDelay: 1, DialContext: countingDial(&attempts)})
			_, err = d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts, AcceptNewHostKeys: acceptNew})

			var ch *HostKeyChangedError
			if !errors.As(err, &ch) {
				t.Fatalf("wrong result\ngot: %v\nwant: *HostKeyChangedError", err)
			}
			presented := (*s.hostKeys.Load())[0].PublicKey()
			want := HostKeyChangedError{
				Host: "u@" + s.addr(), Addr: s.addr(),
				KeyType: "ssh-ed25519", Fingerprint: ssh.FingerprintSHA256(presented),
				KnownHostsFile: e.knownHosts, Line: 2,
				KnownKeyType: "ssh-ed25519", KnownFingerprint: ssh.FingerprintSHA256(old),
			}
			if diff := cmp.Diff(want, *ch); diff != "" {
				t.Errorf("wrong error fields (-want +got):\n%s", diff)
			}
			wantText := fmt.Sprintf("%s:2 holds ssh-ed25519 %s", e.knownHosts, ssh.FingerprintSHA256(old))
			if !strings.Contains(err.Error(), wantText) {
				t.Errorf("wrong result\ngot: %s\nwant it to contain: %s", err, wantText)
			}
			if got := s.conns.Load(); got != 1 || attempts.Load() != 1 {
				t.Errorf("wrong result\ngot: %d connections, %d dials\nwant: 1 and 1 (a changed key is never retried)", got, attempts.Load())
			}
			if got := s.authAttempts.Load(); got != 0 {
				t.Errorf("wrong result\ngot: %d authentication attempts\nwant: 0", got)
			}
			after, _ := os.ReadFile(e.knownHosts)
			if diff := cmp.Diff(string(before), string(after)); diff != "" {
				t.Errorf("known_hosts changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestAcceptNewHostKeys(t *testing.T) {
	tests := map[string]struct {
		existing   func(e *env) // entries of other hosts
		wantHashed bool
	}{
		"empty file":     {existing: func(*env) {}},
		"missing file":   {existing: func(e *env) { os.Remove(e.knownHosts) }},
		"plain entries":  {existing: func(e *env) { e.appendKnown(xknownhosts.Line([]string{"10.9.9.9:22"}, mustPub(e.t))) }},
		"hashed entries": {existing: func(e *env) { e.appendKnown(hashedLine("10.9.9.9", mustPub(e.t))) }, wantHashed: true},
		"no final newline": {existing: func(e *env) {
			os.WriteFile(e.knownHosts, []byte(xknownhosts.Line([]string{"10.9.9.9"}, mustPub(e.t))), 0o600)
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			s := newTestServer(t, serverOptions{password: "pw"})
			e.setenv("PW", "pw")
			tc.existing(e)
			before, _ := os.ReadFile(e.knownHosts)
			target := Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts, AcceptNewHostKeys: true}

			c, err := e.dialer(Options{}).Dial(stepContext(t), target)
			if err != nil {
				t.Fatalf("wrong result\ngot: %v\nwant: a connection", err)
			}
			c.Close()

			after, err := os.ReadFile(e.knownHosts)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(after), string(before)) {
				t.Fatalf("existing entries were not kept:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			added := strings.TrimPrefix(string(after), string(before))
			added = strings.TrimPrefix(added, "\n")
			lines := strings.Split(strings.TrimSuffix(added, "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("wrong result\ngot: %q\nwant: one new line", added)
			}
			if hashed := strings.HasPrefix(lines[0], "|1|"); hashed != tc.wantHashed {
				t.Errorf("wrong result\ngot: %q\nwant hashed=%t", lines[0], tc.wantHashed)
			}

			// A strict dial now verifies against the recorded key.
			target.AcceptNewHostKeys = false
			c, err = e.dialer(Options{}).Dial(stepContext(t), target)
			if err != nil {
				t.Fatalf("strict dial after recording\ngot: %v\nwant: a connection", err)
			}
			c.Close()

			// The host is reinstalled: its new key is refused even with the
			// opt-in.
			s.setHostKeys(newSigner(t))
			target.AcceptNewHostKeys = true
			_, err = e.dialer(Options{}).Dial(stepContext(t), target)
			var ch *HostKeyChangedError
			if !errors.As(err, &ch) {
				t.Fatalf("wrong result\ngot: %v\nwant: *HostKeyChangedError", err)
			}
		})
	}
}

func hashedLine(host string, key ssh.PublicKey) string {
	return xknownhosts.HashHostname(xknownhosts.Normalize(host)) + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}

// Concurrent dials that record keys, to one host and to several, leave a
// file with exactly one valid entry per host.
func TestAcceptNewConcurrent(t *testing.T) {
	e := newEnv(t)
	e.setenv("PW", "pw")
	var servers []*testServer
	for range 4 {
		servers = append(servers, newTestServer(t, serverOptions{password: "pw"}))
	}
	d := e.dialer(Options{})
	errs := make(chan error, 3*len(servers))
	for _, s := range servers {
		for range 3 {
			go func() {
				c, err := d.Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts, AcceptNewHostKeys: true})
				if err == nil {
					c.Close()
				}
				errs <- err
			}()
		}
	}
	for range 3 * len(servers) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	content, err := os.ReadFile(e.knownHosts)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range servers {
		want = append(want, xknownhosts.Line([]string{s.addr()}, (*s.hostKeys.Load())[0].PublicKey()))
	}
	got := strings.Split(strings.TrimSuffix(string(content), "\n"), "\n")
	if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
		t.Errorf("wrong known_hosts (-want +got):\n%s", diff)
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// A host known by one key type is asked for that type, not reported as
// changed when it presents the type x/crypto prefers (ECDSA before RSA and
// ed25519): the case OpenSSH servers with several host keys hit.
func TestKnownHostsOneKeyType(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner, err := ssh.NewSignerFromKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecSigner, err := ssh.NewSignerFromKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	edSigner := newSigner(t)
	tests := map[string]ssh.Signer{
		"only the RSA key is known":     rsaSigner,
		"only the ed25519 key is known": edSigner,
	}
	for name, known := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			s := newTestServer(t, serverOptions{password: "pw", hostKeys: []ssh.Signer{edSigner, ecSigner, rsaSigner}})
			e.setenv("PW", "pw")
			e.appendKnown(xknownhosts.Line([]string{s.addr()}, known.PublicKey()))
			c, err := e.dialer(Options{}).Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
			if err != nil {
				t.Fatalf("wrong result\ngot: %v\nwant: a connection", err)
			}
			c.Close()
		})
	}
}

func TestUnreadableKnownHosts(t *testing.T) {
	tests := map[string]struct {
		prepare func(e *env)
		want    string
	}{
		"a directory": {
			prepare: func(e *env) {
				os.Remove(e.knownHosts)
				os.Mkdir(e.knownHosts, 0o700)
			},
			want: "read known_hosts file KH: read: is a directory",
		},
		"malformed": {
			prepare: func(e *env) { e.appendKnown("10.0.0.1 ssh-ed25519 !!!notbase64") },
			want:    "read known_hosts file KH: knownhosts: KH: no valid entries, line 1: illegal base64 data",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			s := newTestServer(t, serverOptions{password: "pw"})
			e.setenv("PW", "pw")
			tc.prepare(e)
			_, err := e.dialer(Options{}).Dial(stepContext(t), Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts})
			want := strings.ReplaceAll(tc.want, "KH", e.knownHosts)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("wrong result\ngot: %v\nwant: ...%s", err, want)
			}
			if got := s.conns.Load(); got != 0 {
				t.Errorf("wrong result\ngot: %d connections\nwant: 0", got)
			}
		})
	}
}
