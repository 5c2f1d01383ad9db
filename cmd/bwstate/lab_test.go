package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// lockedBuffer collects a command's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const twoHostLab = `
sim_host "xsp1" {
  listen  = "127.0.0.1:0"
  type    = "xsp"
  release = "Rel_22.0_1.1123"
  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
}

sim_host "as1" {
  listen  = "127.0.0.1:0"
  type    = "as"
  release = "Rel_24.0_1.944"
}
`

// TestLabServe runs `bwstate -chdir=DIR lab serve lab.hcl -bind IP`: it
// reports readiness, writes its files beside the lab file, serves SSH with
// the key it wrote, logs commands, and exits 0 when interrupted.
func TestLabServe(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lab.hcl"), []byte(twoHostLab), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, ctx: ctx}
	ip := simtest.UniqueLoopbackIP(t)
	done := make(chan int, 1)
	go func() { done <- run(e, []string{"-chdir=" + dir, "lab", "serve", "lab.hcl", "-bind", ip}) }()

	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stdout.String(), "lab ready: 2 hosts\n") {
		select {
		case code := <-done:
			t.Fatalf("lab serve exited early with %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no readiness line\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	state := filepath.Join(dir, ".lab")
	kh, err := os.ReadFile(filepath.Join(state, "known_hosts"))
	if err != nil {
		t.Fatal(err)
	}
	khLine := regexp.MustCompile(`^\[` + regexp.QuoteMeta(ip) + `\]:(\d+) ssh-ed25519 AAAA\S+$`)
	lines := strings.Split(strings.TrimSpace(string(kh)), "\n")
	if len(lines) != 2 || !khLine.MatchString(lines[0]) || !khLine.MatchString(lines[1]) {
		t.Fatalf("wrong known_hosts\ngot: %q\nwant: two [%s]:PORT ssh-ed25519 lines", kh, ip)
	}
	port := khLine.FindStringSubmatch(lines[0])[1]
	if st, err := os.Stat(filepath.Join(state, "id_ed25519")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("client key missing or not 0600: %v", err)
	}
	if _, err := os.Stat(filepath.Join(state, "id_ed25519.pub")); err != nil {
		t.Fatal(err)
	}

	key, err := os.ReadFile(filepath.Join(state, "id_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(filepath.Join(state, "known_hosts"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", ip+":"+port, &ssh.ClientConfig{
		User: "bwadmin", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: cb, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("bwshowver")
	_ = c.Close()
	if err != nil || !strings.HasPrefix(string(out), "XSP version Rel_22.0_1.1123") {
		t.Fatalf("wrong result\ngot: %q %v\nwant: xsp1's bwshowver", out, err)
	}
	log, err := os.ReadFile(filepath.Join(state, "commands.log"))
	if err != nil || string(log) != "xsp1 shell bwshowver\n" {
		t.Errorf("wrong commands.log\ngot: %q %v\nwant: \"xsp1 shell bwshowver\\n\"", log, err)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("wrong exit code after interrupt\ngot: %d\nwant: 0\nstderr: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("lab serve did not stop after its context was cancelled")
	}
}

func TestLabServeErrors(t *testing.T) {
	dir := t.TempDir()
	bad := "sim_host \"xsp1\" {\n  listen  = \"127.0.0.1:0\"\n  type    = \"xsp\"\n  release = \"Rel_22.0_1.1123\"\n" +
		"  context \"Applications/OpenClientServer/CAPProxy\" {\n    serverPort = 80\n  }\n}\n"
	// Two hosts on different IPs but the same port: -bind puts them on one
	// address, so the second cannot listen.
	clash := `
sim_host "a" {
  listen  = "127.0.0.1:2201"
  type    = "xsp"
  release = "Rel_22.0_1.1123"
}
sim_host "b" {
  listen  = "127.0.0.2:2201"
  type    = "xsp"
  release = "Rel_22.0_1.1123"
}
`
	for name, src := range map[string]string{"bad.hcl": bad, "ok.hcl": twoHostLab, "clash.hcl": clash} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]struct {
		args []string
		want []string
	}{
		"bad lab file": {
			args: []string{"lab", "serve", "bad.hcl"},
			want: []string{"Error: Invalid value", "on bad.hcl line 6:", "6:     serverPort = 80", "<serverPort>, Integer {1025 to 65535}"},
		},
		"missing file":   {args: []string{"lab", "serve", "nope.hcl"}, want: []string{"bwstate lab serve: open ", "nope.hcl: no such file or directory"}},
		"no subcommand":  {args: []string{"lab"}, want: []string{"Usage: bwstate lab serve LABFILE"}},
		"no lab file":    {args: []string{"lab", "serve"}, want: []string{"want exactly one LABFILE, got 0"}},
		"two lab files":  {args: []string{"lab", "serve", "a.hcl", "b.hcl"}, want: []string{"want exactly one LABFILE, got 2"}},
		"unknown flag":   {args: []string{"lab", "serve", "ok.hcl", "-port", "1"}, want: []string{"flag provided but not defined: -port"}},
		"flag no value":  {args: []string{"lab", "serve", "ok.hcl", "-state-dir"}, want: []string{"flag needs an argument: -state-dir"}},
		"bad bind":       {args: []string{"lab", "serve", "ok.hcl", "-bind", "nowhere"}, want: []string{`bind address "nowhere" is not an IP address`}},
		"listen clashes": {args: []string{"lab", "serve", "clash.hcl", "-bind", simtest.UniqueLoopbackIP(t)}, want: []string{"start lab: host b: listen tcp"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr lockedBuffer
			e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
				getenv: func(string) string { return "" }, ctx: context.Background()}
			args := append([]string{"-chdir=" + dir}, tc.args...)
			if tc.args[len(tc.args)-1] != "-state-dir" {
				args = append(args, "-state-dir", t.TempDir())
			}
			if code := run(e, args); code != exitError {
				t.Fatalf("wrong exit code\ngot: %d\nwant: %d\nstderr: %s", code, exitError, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if strings.Contains(stdout.String(), "lab ready") {
				t.Errorf("a failed lab reported readiness: %s", stdout.String())
			}
		})
	}
}

// TestLabUsageDocumentsFlags: `bwstate help lab` names every flag.
func TestLabUsageDocumentsFlags(t *testing.T) {
	var stdout, stderr lockedBuffer
	e := &env{stdout: &stdout, stderr: &stderr, ctx: context.Background(), getenv: func(string) string { return "" }}
	if code := run(e, []string{"help", "lab"}); code != exitOK {
		t.Fatalf("help lab exited %d: %s", code, stderr.String())
	}
	for _, flag := range []string{"-state-dir DIR", "-bind IP", "LABFILE", "lab ready: N hosts"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("usage lacks %q:\n%s", flag, stdout.String())
		}
	}
}
