package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzParseLab parses arbitrary lab file source. ParseLab never panics;
// it returns a lab or error diagnostics, never both missing; and a lab it
// accepts can be served: every host passes the fleet's own validation and
// answers bwshowver, healthmon -l and showrun with its declared release,
// because the lab's values were checked as the CLI checks them.
func FuzzParseLab(f *testing.F) {
	seeds, err := filepath.Glob("../../../examples/lab/*.hcl")
	if err != nil {
		f.Fatal(err)
	}
	more, err := filepath.Glob("testdata/transcripts/*.txtar")
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 || len(more) == 0 {
		f.Fatal("no seed lab files found")
	}
	for _, file := range seeds {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, file := range more {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "lab.hcl" {
				f.Add(af.Data)
			}
		}
	}
	f.Add([]byte(defaultTranscriptLab))
	f.Add([]byte(`sim_host "a" {
  listen  = "127.0.0.1:0"
  type    = "as"
  release = "Rel_2022.11_1.273"
  fault {
    fail_next_set = "[Error] no"
    latency       = "1ms"
  }
  table "Maintenance/Scheduler" {
    row {
      name      = "x"
      frequency = "daily"
      hour      = 1
      minute    = 2
    }
    row {
      name      = "y"
      frequency = "minute"
      minute    = 30
      offset    = 1
    }
  }
}
`))
	f.Add([]byte(`sim_host "v" {
  listen               = "127.0.0.1:0"
  type                 = "ns"
  release              = "Rel_24.0_1.944"
  shell_prompt         = "{host}:bwadmin [{time}]> "
  table_layout         = "mixed"
  bwshowver_patches    = "count"
  showrun              = "unparseable"
  size_confirm_wording = "filter"
  size_confirm_rows    = 2
  motd                 = "line one\nline two"
}
`))
	f.Add([]byte("sim_host \"r\" {\n  listen = \"127.0.0.1:0\"\n  replay = \"as1.log\"\n  fault {\n    garbage = true\n  }\n}\n"))
	// Replay paths name an in-memory transcript, never a file of the
	// machine running the fuzzer.
	readFile := func(path string) ([]byte, error) {
		if filepath.Base(path) == "as1.log" {
			return []byte("bwadmin@as1$ \n>>> bwshowver\nbwshowver\nAS version Rel_24.0_1.944\nbwadmin@as1$ "), nil
		}
		return nil, os.ErrNotExist
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		lab, diags := parseLab(src, "lab.hcl", ".", readFile)
		if lab == nil {
			if !diags.HasErrors() {
				t.Fatal("no lab and no error")
			}
			return
		}
		if diags.HasErrors() {
			t.Fatalf("a lab and errors: %s", diags.Error())
		}
		fl, err := newFleet(lab, Options{now: fixedNow})
		if err != nil {
			t.Fatalf("a parsed lab does not serve: %v", err)
		}
		defer fl.Close()
		for _, h := range fl.Hosts() {
			// A hung bwcli or a latency fault would only slow the session
			// down; the shell tools are what every lab must answer.
			h.SetFaults(Faults{})
			out, _, _ := memorySession(h, "bwshowver\nhealthmon -l\nshowrun\nexit\n", true, "")
			if h.cfg.Release != "" && !strings.Contains(out, h.cfg.Release) {
				t.Fatalf("host %s: bwshowver does not print its release %s:\n%s", h.Name(), h.cfg.Release, out)
			}
		}
	})
}
