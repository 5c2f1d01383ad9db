package sshconn

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

const testSSHConfig = `
Host xsp1
  HostName 10.1.0.11
  Port 2222
  User cfguser
  IdentityFile ~/.ssh/id_%h
  IdentityFile /keys/second
  ProxyJump bastion

Host bastion
  HostName bastion.example.net
  User ops
  Port 2200

Host 10.1.0.12
  User byaddress

Host *
  IdentityFile ~/.ssh/id_fallback
`

func TestResolve(t *testing.T) {
	home := t.TempDir()
	cfgPath := filepath.Join(home, "ssh_config")
	if err := os.WriteFile(cfgPath, []byte(testSSHConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	type want struct {
		Target     endpoint
		Jumps      []endpoint
		Identities []identity
		KnownHosts string
		Timeout    time.Duration
	}
	bastion := endpoint{name: "bastion", host: "bastion.example.net", port: 2200, user: "ops"}
	tests := map[string]struct {
		target Target
		config string // "" uses cfgPath
		want   want
	}{
		"everything from ssh_config": {
			target: Target{Alias: "xsp1"},
			want: want{
				Target:     endpoint{name: "xsp1", host: "10.1.0.11", port: 2222, user: "cfguser"},
				Jumps:      []endpoint{bastion},
				Identities: []identity{{path: home + "/.ssh/id_10.1.0.11"}, {path: "/keys/second"}, {path: home + "/.ssh/id_fallback"}},
			},
		},
		"caller values win": {
			target: Target{Alias: "xsp1", Host: "192.0.2.7", Port: 22, User: "bwadmin", IdentityFiles: []string{"~/mine"}, Jump: "none", KnownHostsFile: "/kh", Timeout: time.Second},
			want: want{
				Target:     endpoint{name: "xsp1", host: "192.0.2.7", port: 22, user: "bwadmin"},
				Identities: []identity{{path: home + "/mine", explicit: true}},
				KnownHosts: "/kh",
				Timeout:    time.Second,
			},
		},
		"explicit jump chain with partial fields": {
			target: Target{Alias: "xsp1", Jump: "bastion,admin@[::1]:2022,plain"},
			want: want{
				Target: endpoint{name: "xsp1", host: "10.1.0.11", port: 2222, user: "cfguser"},
				Jumps: []endpoint{
					bastion,
					{name: "::1", host: "::1", port: 2022, user: "admin"},
					{name: "plain", host: "plain", port: 22, user: "tester"},
				},
				Identities: []identity{{path: home + "/.ssh/id_10.1.0.11"}, {path: "/keys/second"}, {path: home + "/.ssh/id_fallback"}},
			},
		},
		"address looked up after the alias": {
			target: Target{Alias: "xsp2", Host: "10.1.0.12"},
			want: want{
				Target:     endpoint{name: "xsp2", host: "10.1.0.12", port: 22, user: "byaddress"},
				Identities: []identity{{path: home + "/.ssh/id_fallback"}},
			},
		},
		"no ssh_config": {
			target: Target{Host: "10.1.0.13"},
			config: "none",
			want: want{
				Target: endpoint{name: "10.1.0.13", host: "10.1.0.13", port: 22, user: "tester"},
				Identities: []identity{
					{path: home + "/.ssh/id_ed25519"}, {path: home + "/.ssh/id_ecdsa"}, {path: home + "/.ssh/id_rsa"},
				},
			},
		},
		"missing ssh_config file": {
			target: Target{Host: "10.1.0.13", User: "u"},
			config: filepath.Join(home, "absent"),
			want: want{
				Target: endpoint{name: "10.1.0.13", host: "10.1.0.13", port: 22, user: "u"},
				Identities: []identity{
					{path: home + "/.ssh/id_ed25519"}, {path: home + "/.ssh/id_ecdsa"}, {path: home + "/.ssh/id_rsa"},
				},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := tc.config
			if cfg == "" {
				cfg = cfgPath
			}
			d := NewDialer(Options{SSHConfigPath: cfg, HomeDir: home, Getenv: func(k string) string {
				return map[string]string{"USER": "tester"}[k]
			}})
			defer d.Close()
			r, err := d.resolve(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if w.KnownHosts == "" {
				w.KnownHosts = home + "/.ssh/known_hosts"
			}
			if w.Timeout == 0 {
				w.Timeout = DefaultTimeout
			}
			got := want{Target: r.target, Jumps: r.jumps, Identities: r.identities, KnownHosts: r.knownHosts, Timeout: r.timeout}
			if diff := cmp.Diff(w, got, cmp.AllowUnexported(endpoint{}, identity{})); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tests := map[string]struct {
		target Target
		config string
		want   string
	}{
		"no host":          {target: Target{}, want: "ssh : no host given"},
		"bad jump port":    {target: Target{Host: "h", Jump: "ops@bastion:99999"}, want: `ssh h: jump "ops@bastion:99999": invalid port "99999"`},
		"empty jump entry": {target: Target{Host: "h", Jump: "a,,b"}, want: `ssh h: jump "a,,b": empty host`},
		"bad config port":  {target: Target{Host: "h"}, config: "Host h\n  Port http\n", want: `ssh h: ssh config: invalid port "http"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			opts := Options{}
			if tc.config != "" {
				opts.SSHConfigPath = filepath.Join(e.dir, "config")
				if err := os.WriteFile(opts.SSHConfigPath, []byte(tc.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := e.dialer(opts).Dial(stepContext(t), tc.target)
			if err == nil || err.Error() != tc.want {
				t.Errorf("wrong result\ngot: %v\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestParseJump(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []jumpSpec
	}{
		"host":              {in: "bastion", want: []jumpSpec{{host: "bastion"}}},
		"user host port":    {in: "ops@bastion.example.net:2200", want: []jumpSpec{{user: "ops", host: "bastion.example.net", port: 2200}}},
		"chain":             {in: "a@one:1, two", want: []jumpSpec{{user: "a", host: "one", port: 1}, {host: "two"}}},
		"ssh url":           {in: "ssh://ops@b:22", want: []jumpSpec{{user: "ops", host: "b", port: 22}}},
		"ipv6 with port":    {in: "[2001:db8::1]:22", want: []jumpSpec{{host: "2001:db8::1", port: 22}}},
		"ipv6 bare":         {in: "2001:db8::1", want: []jumpSpec{{host: "2001:db8::1"}}},
		"user with an @ in": {in: "a@corp@b", want: []jumpSpec{{user: "a@corp", host: "b"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseJump(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(jumpSpec{})); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

// ssh_config's HostName, Port, User, IdentityFile and ProxyJump reach a real
// connection when the Target leaves them empty.
func TestSSHConfigDial(t *testing.T) {
	e := newEnv(t)
	priv, pub := newEd25519(t)
	key := e.writeKey("id_cfg", priv, "")
	j := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
	s := newTestServer(t, serverOptions{authorized: []ssh.PublicKey{pub}})
	e.trust(j)
	e.trust(s)
	cfg := fmt.Sprintf("Host xsp1\n  HostName %s\n  Port %d\n  User cfguser\n  IdentityFile %s\n  ProxyJump jumper@%s\n", s.host, s.port, key, j.addr())
	cfgPath := filepath.Join(e.dir, "config")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := e.dialer(Options{SSHConfigPath: cfgPath}).Dial(stepContext(t), Target{Alias: "xsp1", KnownHostsFile: e.knownHosts})
	if err != nil {
		t.Fatalf("wrong result\ngot: %v\nwant: a connection", err)
	}
	c.Close()
	if diff := cmp.Diff([]string{"cfguser publickey"}, s.logins()); diff != "" {
		t.Errorf("target logins (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"jumper publickey"}, j.logins()); diff != "" {
		t.Errorf("jump logins (-want +got):\n%s", diff)
	}
	if got := j.forwards.Load(); got != 1 {
		t.Errorf("wrong result\ngot: %d forwards\nwant: 1", got)
	}
	if strings.Contains(e.logs(), "ERROR") {
		t.Errorf("unexpected errors in the log:\n%s", e.logs())
	}
}
