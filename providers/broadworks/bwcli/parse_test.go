package bwcli

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden .json files of testdata/golden")

// parsers maps a golden file's name prefix to the parser it exercises.
var parsers = map[string]func(string) (any, error){
	"attrs":   func(s string) (any, error) { return ParseAttributes(s) },
	"table":   func(s string) (any, error) { return ParseTable(s) },
	"get":     func(s string) (any, error) { return ParseGet(s) },
	"alarms":  func(s string) (any, error) { return ParseAlarms(s) },
	"version": func(s string) (any, error) { return ParseVersion(s) },
	"health":  func(s string) (any, error) { return ParseHealth(s) },
	"showrun": func(s string) (any, error) { return ParseShowrun(s) },
	"reply":   func(s string) (any, error) { return ClassifyReply(s) },
}

// golden is what a golden .json file holds: the parse result or the error.
type golden struct {
	Result any    `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// TestGolden parses every testdata/golden/*.txt with the parser its name
// prefix selects and compares with the .json beside it. Run with -update
// to rewrite the .json files after an intended change, then review the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".txt")
		t.Run(name, func(t *testing.T) {
			prefix, _, _ := strings.Cut(name, "_")
			parse, ok := parsers[prefix]
			if !ok {
				t.Fatalf("no parser for prefix %q", prefix)
			}
			text, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var g golden
			res, err := parse(string(text))
			if err != nil {
				g.Error = err.Error()
			} else {
				g.Result = res
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := strings.TrimSuffix(in, ".txt") + ".json"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("wrong result for %s (-want +got):\n%s", in, diff)
			}
		})
	}
}

func TestParseVersionNumbers(t *testing.T) {
	tests := map[string]struct {
		line       string
		wantNumber float64
		wantText   string
		wantRI     bool
	}{
		"classic":             {line: "AS version Rel_24.0_1.944", wantNumber: 24.0, wantText: "24.0"},
		"release independent": {line: "ADP version Rel_2022.11_1.273", wantNumber: 2022.11, wantText: "2022.11", wantRI: true},
		"october keeps text":  {line: "XSP version Rel_2023.10_1.100", wantNumber: 2023.10, wantText: "2023.10", wantRI: true},
		"no build part":       {line: "NS version Rel_25.0", wantNumber: 25.0, wantText: "25.0"},
		"service pack":        {line: "AS version Rel_21.sp1_1.551", wantNumber: 21.0, wantText: "21.sp1"},
		"service pack, caps":  {line: "AS version Rel_17.SP4_1.197", wantNumber: 17.0, wantText: "17.SP4"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v, err := ParseVersion(tc.line + "\n")
			if err != nil {
				t.Fatal(err)
			}
			if v.Number != tc.wantNumber || v.NumberText != tc.wantText || v.ReleaseIndependent != tc.wantRI {
				t.Errorf("wrong result\ngot:  %v %q %v\nwant: %v %q %v", v.Number, v.NumberText, v.ReleaseIndependent, tc.wantNumber, tc.wantText, tc.wantRI)
			}
		})
	}
}

// TestParseVersionRefused: a release that is not a number fails, quoting
// the line.
func TestParseVersionRefused(t *testing.T) {
	for _, line := range []string{"AS version Rel_21.beta_1.1", "AS version Rel_21.sp_1.1", "AS version Rel_x_1.1"} {
		if _, err := ParseVersion(line + "\n"); err == nil || !strings.Contains(err.Error(), line) {
			t.Errorf("wrong result for %q\ngot:  %v\nwant: an error quoting the line", line, err)
		}
	}
}

func TestTableRecords(t *testing.T) {
	tab, err := ParseTable("  Host  Description\n===================\n  a             NOC\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{{"Host": "a", "Description": "NOC"}}
	if diff := cmp.Diff(want, tab.Records()); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	if got := tab.Column("description"); got != 1 {
		t.Errorf("wrong column\ngot:  %d\nwant: 1", got)
	}
}
