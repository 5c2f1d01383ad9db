package config

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestErrorGolden")

// TestErrorGolden loads each testdata/errors/NAME directory and compares
// the rendered diagnostics, as `bwstate validate` prints them, with
// testdata/errors/NAME.golden. A case may have:
//   - args.txt: lines "var NAME=VALUE", "var-file PATH" or "env KEY=VALUE";
//   - facts.json: engine.Facts for every host; Desired and Checks then run
//     per host and their errors are rendered too (plan-time mistakes).
//
// Run `go test ./engine/config -run TestErrorGolden -update` to rewrite.
func TestErrorGolden(t *testing.T) {
	entries, err := os.ReadDir("testdata/errors")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "errors", name)
			got := renderCase(t, dir)
			if strings.TrimSpace(got) == "" {
				t.Fatalf("case %s produced no diagnostic at all", name)
			}
			golden := dir + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("wrong diagnostics for %s (-want +got):\n%s", name, diff)
			}
		})
	}
	if n < 20 {
		t.Errorf("wrong result\ngot: %d error cases\nwant: at least 20", n)
	}
}

func renderCase(t *testing.T, dir string) string {
	t.Helper()
	opts := LoadOptions{Catalogue: catalog.New(), Connections: broadworks.SSHBlock{}}
	if f, err := os.Open(filepath.Join(dir, "args.txt")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			kind, arg, _ := strings.Cut(sc.Text(), " ")
			switch kind {
			case "var":
				opts.Vars = append(opts.Vars, arg)
			case "var-file":
				opts.VarFiles = append(opts.VarFiles, arg)
			case "env":
				opts.Environ = append(opts.Environ, arg)
			case "":
			default:
				t.Fatalf("args.txt: unknown line kind %q", kind)
			}
		}
		f.Close()
	}
	c, diags := Load(dir, opts)
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, diags, c.Parser, 100, false); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "facts.json"))
	if err != nil || diags.HasErrors() {
		return buf.String()
	}
	var facts engine.Facts
	if err := json.Unmarshal(src, &facts); err != nil {
		t.Fatal(err)
	}
	for _, h := range c.Hosts {
		_, derr := c.Desired(nil, h, &facts)
		_, cerr := c.Checks(nil, h, &facts)
		for _, err := range []error{derr, cerr} {
			var ee *EvalError
			if errors.As(err, &ee) {
				buf.WriteString("# plan: " + ee.Error() + "\n")
				if err := WriteDiagnostics(&buf, ee.Diags, c.Parser, 100, false); err != nil {
					t.Fatal(err)
				}
			} else if err != nil {
				t.Fatalf("host %s: unexpected error type %T: %v", h.Name, err, err)
			}
		}
	}
	return buf.String()
}
