package broadworks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// loadSSH loads a configuration with the provider's ssh block, as bwstate
// does.
func loadSSH(t *testing.T, src string) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.bw.hcl"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, diags := config.Load(dir, config.LoadOptions{Catalogue: catalog.New(), Connections: SSHBlock{}})
	if diags.HasErrors() {
		var b strings.Builder
		_ = config.WriteDiagnostics(&b, diags, c.Parser, 0, false)
		t.Fatal(b.String())
	}
	return c, dir
}

// TestSSHSettings: the top-level ssh block is every host's, a host's own
// block overrides what it names, and a port in the address overrides
// both; relative paths are the configuration directory's.
func TestSSHSettings(t *testing.T) {
	src := `
ssh {
  user                 = "bwadmin"
  port                 = 2222
  identity_file        = "~/.ssh/id_ed25519"
  known_hosts          = "lab/known_hosts"
  password_env         = "BW_SSH_PASSWORD"
  jump                 = "ops@bastion.example.net:22,jump2"
  timeout              = "45s"
  command_timeout      = "20s"
  accept_new_host_keys = true
  shell_prompt         = "bwadmin@\\S+\\$"
}
host "h1" {
  address = "10.0.0.1"
  type    = "xsp"
}
host "h2" {
  address = "127.0.0.1:2201"
  type    = "xsp"
  ssh {
    user            = "other"
    timeout         = "5s"
    command_timeout = "3s"
    shell_prompt    = "xsp\\d+:bwadmin>"
    cli_prompt      = "(?P<root>[A-Z]+_CLI)(?P<path>(/[^/>]+)*)>"
  }
}
host "h3" {
  address = "10.0.0.3"
  type    = "xsp"
  ssh {
    accept_new_host_keys = false
  }
}
`
	c, dir := loadSSH(t, src)
	abs, _ := filepath.Abs(filepath.Join(dir, "lab/known_hosts"))
	h1 := Connection{Address: "10.0.0.1", User: "bwadmin", Port: 2222, IdentityFile: "~/.ssh/id_ed25519", KnownHosts: abs,
		PasswordEnv: "BW_SSH_PASSWORD", Jump: "ops@bastion.example.net:22,jump2", Timeout: 45 * time.Second, CommandTimeout: 20 * time.Second, AcceptNewHostKeys: true,
		ShellPrompt: `bwadmin@\S+\$`}
	h2 := h1
	h2.Address, h2.User, h2.Port, h2.Timeout, h2.CommandTimeout = "127.0.0.1", "other", 2201, 5*time.Second, 3*time.Second
	h2.ShellPrompt, h2.CLIPrompt = `xsp\d+:bwadmin>`, `(?P<root>[A-Z]+_CLI)(?P<path>(/[^/>]+)*)>`
	h3 := h1
	h3.Address, h3.AcceptNewHostKeys = "10.0.0.3", false
	tests := map[string]struct {
		host string
		want Connection
	}{
		"host inherits":                   {"h1", h1},
		"host block and address override": {"h2", h2},
		"false overrides true":            {"h3", h3},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := c.Host(tc.host).Connection.(*Connection)
			if !ok {
				t.Fatalf("wrong result\ngot: %T\nwant: *Connection", c.Host(tc.host).Connection)
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
	if got := c.Host("h2").Address; got != "127.0.0.1" {
		t.Errorf("wrong result\ngot: %q\nwant: %q", got, "127.0.0.1")
	}
}

// TestConnectionServer: what plans print as a host's address and what
// names a server for the duplicate check.
func TestConnectionServer(t *testing.T) {
	tests := map[string]struct {
		c                   Connection
		endpoint, key, desc string
	}{
		"default port": {c: Connection{Address: "10.1.0.11"},
			endpoint: "10.1.0.11", key: "10.1.0.11:22 via ", desc: "10.1.0.11:22"},
		"port 22 given": {c: Connection{Address: "10.1.0.11", Port: 22},
			endpoint: "10.1.0.11", key: "10.1.0.11:22 via ", desc: "10.1.0.11:22"},
		"other port": {c: Connection{Address: "127.0.0.1", Port: 2201},
			endpoint: "127.0.0.1:2201", key: "127.0.0.1:2201 via ", desc: "127.0.0.1:2201"},
		"host name in another case": {c: Connection{Address: "BW1.Example.NET"},
			endpoint: "BW1.Example.NET", key: "bw1.example.net:22 via ", desc: "bw1.example.net:22"},
		"IPv6 in canonical form": {c: Connection{Address: "2001:db8:0::1", Port: 2201},
			endpoint: "[2001:db8:0::1]:2201", key: "[2001:db8::1]:2201 via ", desc: "[2001:db8::1]:2201"},
		"through a jump host": {c: Connection{Address: "10.1.0.11", Jump: "Ops@Bastion:22"},
			endpoint: "10.1.0.11", key: "10.1.0.11:22 via ops@bastion:22", desc: "10.1.0.11:22 through the jump host Ops@Bastion:22"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			key, desc := tc.c.Server()
			if got := tc.c.Endpoint(); got != tc.endpoint || key != tc.key || desc != tc.desc {
				t.Errorf("wrong result\ngot:  %q, %q, %q\nwant: %q, %q, %q", got, key, desc, tc.endpoint, tc.key, tc.desc)
			}
		})
	}
}

// otherConnection is the settings of some other provider.
type otherConnection struct{}

func (otherConnection) Endpoint() string                  { return "x" }
func (otherConnection) Server() (key, description string) { return "x", "x" }

// TestOpenWithoutSettings: a host built without a configuration is reached
// with defaults; settings of another provider are refused by name, before
// any connection is tried.
func TestOpenWithoutSettings(t *testing.T) {
	h := &engine.Host{Name: "xsp1", Address: "10.1.0.11", Type: "xsp"}
	c, err := connection(h)
	if err != nil || *c != (Connection{Address: "10.1.0.11"}) {
		t.Errorf("wrong result\ngot: %+v, %v\nwant: defaults for 10.1.0.11", c, err)
	}
	h.Connection = otherConnection{}
	p := newTestProvider(t, Options{}, nil)
	_, err = p.Open(testCtx(t), h)
	if err == nil || !strings.Contains(err.Error(), "host xsp1: the BroadWorks provider cannot use connection settings of type broadworks.otherConnection") {
		t.Errorf("wrong result\ngot: %v\nwant: an error naming the host and the settings' type", err)
	}
}
