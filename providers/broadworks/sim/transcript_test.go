package sim

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
	"golang.org/x/crypto/ssh"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/transcripts")

// testClock is the fixed time every transcript runs at.
var testClock = time.Date(2026, time.November, 27, 10, 15, 0, 0, time.UTC)

func fixedNow() time.Time { return testClock }

// defaultTranscriptLab is used by transcripts without a lab.hcl section.
const defaultTranscriptLab = `
sim_host "xsp1" {
  listen        = "127.0.0.1:0"
  type          = "xsp"
  release       = "Rel_22.0_1.1123"
  restart_delay = "0s"
}
`

// keyNames are the keys a transcript's input names in braces.
var keyNames = strings.NewReplacer(
	"{ctrl-c}", "\x03", "{ctrl-d}", "\x04", "{bs}", "\x7f", "{ctrl-u}", "\x15",
	"{ctrl-a}", "\x01", "{ctrl-e}", "\x05", "{ctrl-k}", "\x0b", "{ctrl-w}", "\x17",
	"{up}", "\x1b[A", "{down}", "\x1b[B", "{right}", "\x1b[C", "{left}", "\x1b[D",
	"{home}", "\x1b[H", "{end}", "\x1b[F", "{del}", "\x1b[3~", "{esc}", "\x1b",
)

// transcript is one testdata/transcripts/NAME.txtar file: options in the
// comment (`host: NAME`, `pty: false`, `exec: COMMAND`, `ssh: true`), an
// optional lab.hcl section, the input typed, in which keyNames stand for
// control and cursor keys, and any other section as a file beside lab.hcl
// (a replay transcript).
type transcript struct {
	name  string
	lab   string
	input string
	host  string
	pty   bool
	exec  string
	ssh   bool
	files map[string][]byte
}

// parse parses the transcript's lab, writing its files beside it first.
func (tr *transcript) parse(t testing.TB) *Lab {
	t.Helper()
	dir := t.TempDir()
	for name, data := range tr.files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lab, diags := ParseLab([]byte(tr.lab), filepath.Join(dir, "lab.hcl"))
	if diags.HasErrors() {
		t.Fatalf("lab: %s", diags.Error())
	}
	return lab
}

func loadTranscripts(t *testing.T) []*transcript {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "transcripts", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts found: %v", err)
	}
	var list []*transcript
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		tr := &transcript{name: strings.TrimSuffix(filepath.Base(file), ".txtar"), lab: defaultTranscriptLab, pty: true}
		for _, line := range strings.Split(string(ar.Comment), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch strings.TrimSpace(k) {
			case "host":
				tr.host = v
			case "pty":
				tr.pty = v != "false"
			case "exec":
				tr.exec = v
			case "ssh":
				tr.ssh = v == "true"
			}
		}
		for _, f := range ar.Files {
			switch f.Name {
			case "lab.hcl":
				tr.lab = string(f.Data)
			case "input":
				tr.input = string(f.Data)
			default:
				if tr.files == nil {
					tr.files = map[string][]byte{}
				}
				tr.files[f.Name] = f.Data
			}
		}
		tr.input = keyNames.Replace(tr.input)
		list = append(list, tr)
	}
	return list
}

func parseTestLab(t testing.TB, src string) *Lab {
	t.Helper()
	lab, diags := ParseLab([]byte(src), "lab.hcl")
	if diags.HasErrors() {
		t.Fatalf("lab: %s", diags.Error())
	}
	return lab
}

// memoryFleet builds a fleet that does not listen; sessions run on
// in-memory terminals.
func memoryFleet(t testing.TB, src string) *Fleet {
	t.Helper()
	f, err := newFleet(parseTestLab(t, src), Options{now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// memorySession runs a login shell (or one exec command) on h with the
// given input and returns what it printed on stdout and stderr.
func memorySession(h *Host, input string, pty bool, exec string) (string, string, int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := &connState{host: h, ctx: ctx, clientIP: "192.0.2.10", drop: cancel}
	var out, errOut bytes.Buffer
	s := newSession(cs, newTerminal(strings.NewReader(input), &out, &errOut, pty))
	status := s.run(exec != "", exec)
	return out.String(), errOut.String(), status
}

func (tr *transcript) hostOf(t *testing.T, f *Fleet) *Host {
	if tr.host == "" {
		return f.Hosts()[0]
	}
	h := f.Host(tr.host)
	if h == nil {
		t.Fatalf("no host %q in the transcript's lab", tr.host)
	}
	return h
}

// render is what a golden file holds: the output with CRLF turned into LF,
// stderr (only without a PTY), the exit status and the commands the host
// recorded.
func render(out, errOut string, status int, cmds []Command) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(out, "\r\n", "\n"))
	if errOut != "" {
		fmt.Fprintf(&b, "\n-- stderr --\n%s", errOut)
	}
	fmt.Fprintf(&b, "\n-- exit status %d --\n-- commands --\n", status)
	for _, c := range cmds {
		fmt.Fprintf(&b, "%s %s %s\n", c.Host, c.Kind, c.Line)
	}
	return b.String()
}

func goldenPath(name string) string {
	return filepath.Join("testdata", "transcripts", name+".golden")
}

// TestTranscripts drives every transcript through an in-memory terminal
// and compares the session with its golden file (-update rewrites them).
func TestTranscripts(t *testing.T) {
	for _, tr := range loadTranscripts(t) {
		t.Run(tr.name, func(t *testing.T) {
			f, err := newFleet(tr.parse(t), Options{now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = f.Close() })
			h := tr.hostOf(t, f)
			out, errOut, status := memorySession(h, tr.input, tr.pty, tr.exec)
			if tr.pty && strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
				t.Errorf("PTY output has a bare LF:\n%q", out)
			}
			got := render(out, errOut, status, f.Commands())
			if *update {
				if err := os.WriteFile(goldenPath(tr.name), []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath(tr.name))
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("wrong transcript (-want +got):\n%s", diff)
			}
		})
	}
}

var lastLogin = regexp.MustCompile(`(Last login: .*) from \S+`)

// TestTranscriptsOverSSH runs the transcripts marked `ssh: true` through
// real SSH sessions and checks they print exactly what the in-memory
// terminal printed: the interpreters do not depend on the transport.
func TestTranscriptsOverSSH(t *testing.T) {
	for _, tr := range loadTranscripts(t) {
		if !tr.ssh {
			continue
		}
		t.Run(tr.name, func(t *testing.T) {
			f := startLab(t, tr.parse(t), Options{now: fixedNow})
			h := tr.hostOf(t, f)
			client := dialTest(t, f, h, passwordAuth())
			sess, err := client.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			if tr.pty {
				if err := sess.RequestPty("xterm", 50, 200, ssh.TerminalModes{}); err != nil {
					t.Fatal(err)
				}
			}
			var out, errOut syncBuffer
			sess.Stdout = &out
			sess.Stderr = &errOut
			sess.Stdin = strings.NewReader(tr.input)
			status := 0
			if tr.exec != "" {
				err = sess.Run(tr.exec)
			} else {
				if err = sess.Shell(); err == nil {
					err = sess.Wait()
				}
			}
			if ee, ok := err.(*ssh.ExitError); ok {
				status = ee.ExitStatus()
			} else if err != nil {
				t.Fatal(err)
			}
			got := render(lastLogin.ReplaceAllString(out.String(), "$1 from CLIENT"), errOut.String(), status, f.Commands())
			want, err := os.ReadFile(goldenPath(tr.name))
			if err != nil {
				t.Fatal(err)
			}
			wantS := lastLogin.ReplaceAllString(string(want), "$1 from CLIENT")
			if diff := cmp.Diff(wantS, got); diff != "" {
				t.Errorf("SSH session differs from the in-memory transcript (-want +got):\n%s", diff)
			}
		})
	}
}
