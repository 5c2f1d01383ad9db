package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// importLab gives every kind of catalogue context non-default content, so
// an import that dropped or mistyped anything would show as a change.
const importLab = `
sim_host "xsp1" {
  listen  = "127.0.0.1:0"
  type    = "xsp"
  release = "Rel_24.0_1.944"
  context "Applications/OpenClientServer/CAPProxy" {
    enabled        = true
    serverPort     = 2306
    numConnections = 3
  }
  context "Applications/OpenClientServer/GeneralSettings" {
    systemDomain = "voip.example.net"
  }
  context "Applications/OpenClientServer/OCIProxy" {
    enableLoginLevelScreening = true
    messageQueueCapacity      = 500
  }
  context "Interface/SNMP/Agent" {
    port          = 8161
    readCommunity = "s3cr3t-read"
  }
  table "Applications/OpenClientServer/OCIProxy/LoginLevelAllowed" {
    row { loginLevel = "System" }
    row { loginLevel = "Provisioning" }
  }
  table "Interface/SNMP/TrapTable" {
    row {
      ipAddress   = "10.0.0.9"
      port        = 162
      version     = "v1"
      description = "NMS primary"
    }
  }
  table "Maintenance/ContainerOptions" {
    row {
      container = "OpenClientServer"
      name      = "maxHeap"
      value     = "2048m"
    }
  }
  table "Maintenance/Scheduler" {
    row {
      name      = "nightly backup"
      frequency = "daily"
      hour      = 2
      minute    = 30
    }
    row {
      name      = "healthmon"
      frequency = "minute"
      minute    = 30
      offset    = 1
    }
  }
}
sim_host "adp1" {
  listen  = "127.0.0.1:0"
  type    = "adp"
  release = "Rel_2022.11_1.273"
  context "Applications/OpenClientServer/NSOCIProxy" {
    enabled = true
  }
}
sim_host "as1" {
  listen  = "127.0.0.1:0"
  type    = "as"
  release = "Rel_24.0_1.944"
  context "Interface/SIP" {
    sipPort   = 5070
    transport = "TCP"
  }
  table "System/NetworkAccessLists/OCI/Provisioning" {
    row {
      address     = "10.20.0.10"
      description = "OSS north"
    }
  }
}
`

// inventory writes an inventory for fleet into dir.
func inventory(t *testing.T, dir string, fleet *sim.Fleet) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "ssh {\n  user = \"bwadmin\"\n  identity_file = %q\n  known_hosts = %q\n}\n",
		fleet.ClientKeyPath(), fleet.KnownHostsPath())
	for _, h := range fleet.Hosts() {
		fmt.Fprintf(&b, "host %q {\n  address = %q\n  type = %q\n}\n", h.Name(), h.Addr(), h.Type())
	}
	if err := os.WriteFile(filepath.Join(dir, "inventory.bw.hcl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportRoundTrip imports every catalogue context of an XSP, an ADP and
// an AS from the simulator, then plans the imported configuration against
// the same hosts: no changes, and the hosts received only reads.
func TestImportRoundTrip(t *testing.T) {
	fleet := simtest.Start(t, importLab)
	dir := t.TempDir()
	inventory(t, dir, fleet)
	ctx := context.Background()
	vars := map[string]string{}
	for _, h := range fleet.Hosts() {
		var stdout, stderr lockedBuffer
		// The variables of hosts imported before are needed to load the
		// configuration, as they would be for an operator.
		code := run(testEnv(ctx, &stdout, &stderr, vars), []string{"-chdir=" + dir, "import", "-host", h.Name(), "-all"})
		if code != exitOK {
			t.Fatalf("import %s exited %d: %s", h.Name(), code, stderr.String())
		}
		out := stdout.String()
		if strings.Contains(out, "s3cr3t") {
			t.Fatalf("import printed a sensitive value:\n%s", out)
		}
		if err := os.WriteFile(filepath.Join(dir, h.Name()+".bw.hcl"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		// Each sensitive value is named on stderr; supply the live one.
		for _, line := range strings.Split(stderr.String(), "\n") {
			_, after, ok := strings.Cut(line, "supply it as BWSTATE_VAR_")
			if !ok {
				continue
			}
			name, _, _ := strings.Cut(after, " ")
			path, attr := sensitiveSource(t, line)
			v, _ := h.Value(path, attr)
			vars["BWSTATE_VAR_"+name] = v
		}
	}
	if vars["BWSTATE_VAR_xsp1_agent_read_community"] != "s3cr3t-read" {
		t.Fatalf("the SNMP read community was not offered as a variable: %v", vars)
	}
	before := len(fleet.Commands())
	var stdout, stderr lockedBuffer
	code := run(testEnv(ctx, &stdout, &stderr, vars), []string{"-chdir=" + dir, "plan", "-detailed-exitcode"})
	if code != exitOK {
		t.Fatalf("plan of the imported configuration exited %d, want 0 (no changes)\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "No changes. 3 hosts in the desired state.") {
		t.Errorf("wrong plan:\n%s", stdout.String())
	}
	for _, c := range fleet.Commands()[before:] {
		verb := strings.Fields(c.Line + " x")[0]
		switch verb {
		case "set", "clear", "add", "delete", "restartbw":
			t.Errorf("plan sent a write to %s: %s", c.Host, c.Line)
		}
	}
}

// sensitiveSource reads "bwstate import: PATH ATTR of HOST is sensitive..."
func sensitiveSource(t *testing.T, line string) (path, attr string) {
	t.Helper()
	f := strings.Fields(strings.TrimPrefix(line, "bwstate import: "))
	if len(f) < 2 {
		t.Fatalf("unexpected hint %q", line)
	}
	return f[0], f[1]
}

// TestImportErrors shows the messages of mistakes a user can make.
func TestImportErrors(t *testing.T) {
	fleet := simtest.Start(t, `sim_host "xsp1" {
  listen  = "127.0.0.1:0"
  type    = "xsp"
  release = "Rel_22.0_1.1123"
}`)
	dir := t.TempDir()
	inventory(t, dir, fleet)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no host", []string{"import", "-all"}, "-host is required"},
		{"neither path nor all", []string{"import", "-host", "xsp1"}, "give either -path PATH (repeatable) or -all"},
		{"both", []string{"import", "-host", "xsp1", "-all", "-path", "Interface/SNMP/Agent"}, "give either -path PATH (repeatable) or -all"},
		{"name with two paths", []string{"import", "-host", "xsp1", "-name", "x", "-path", "Interface/SNMP/Agent", "-path", "Interface/SIP"}, "-name needs exactly one -path"},
		{"unknown host", []string{"import", "-host", "xsp9", "-all"}, `host "xsp9" is not in the inventory`},
		{"path the host lacks", []string{"import", "-host", "xsp1", "-path", "Interface/SIP"}, "xsp1: read Interface/SIP:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr lockedBuffer
			code := run(testEnv(context.Background(), &stdout, &stderr, nil), append([]string{"-chdir=" + dir}, tc.args...))
			if code != exitError {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("wrong message\ngot:  %s\nwant: ...%s...", stderr.String(), tc.want)
			}
		})
	}
}
