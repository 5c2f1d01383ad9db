package views

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("wrong output for %s (-want +got):\n%s", path, diff)
	}
}

func renderHuman(p *engine.Plan, color bool) []byte {
	var b bytes.Buffer
	Human(&b, p, HumanOptions{Color: color})
	return b.Bytes()
}

func TestHumanGolden(t *testing.T) {
	tests := map[string]struct {
		plan  *engine.Plan
		color bool
	}{
		"design_example.golden":          {plan: designPlan()},
		"full.golden":                    {plan: fullPlan()},
		"full_color.golden":              {plan: fullPlan(), color: true},
		"no_changes.golden":              {plan: noChangesPlan()},
		"no_changes_failed.golden":       {plan: noChangesFailedPlan()},
		"no_changes_failed_color.golden": {plan: noChangesFailedPlan(), color: true},
		"drift.golden":                   {plan: driftPlan()},
		"drift_color.golden":             {plan: driftPlan(), color: true},
		"partial.golden":                 {plan: partialPlan()},
		"all_failed.golden":              {plan: allFailedPlan()},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			golden(t, name, renderHuman(tc.plan, tc.color))
		})
	}
}

// TestHumanDesignExample pins the exact text of the founding example plan
// (the shape docs/plan-output.md documents), so the golden file cannot
// drift from the documented contract with -update.
func TestHumanDesignExample(t *testing.T) {
	want := `xsp1 (10.1.0.11, XSP Rel_22.0_1.1123)
  ~ Applications/OpenClientServer/CAPProxy            context.cap_proxy_off
      enabled: true -> false
  ↻ restart OpenClientServer                          (CAPProxy changed)
xsp3 (10.1.0.13, XSP Rel_24.0_1.944)
  ! restart OpenClientServer pending since run 20261127T101500Z
xsp4: unreachable: dial tcp 10.1.0.14:22: connect: connection refused

Plan: 2 hosts to change (1 attribute), 2 restarts (1 pending). 4 hosts in the desired state. 1 host failed.
`
	if got := string(renderHuman(designPlan(), false)); got != want {
		t.Errorf("wrong result\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestHumanColorOnlyWhenAsked(t *testing.T) {
	plain := renderHuman(fullPlan(), false)
	if bytes.Contains(plain, []byte("\x1b")) {
		t.Errorf("wrong result: escape codes without Color:\n%q", plain)
	}
	colored := renderHuman(fullPlan(), true)
	for name, code := range map[string]string{
		"update": ansiYellow + "~", "create": ansiGreen + "+", "delete": ansiRed + "-",
		"restart": ansiCyan + "↻", "pending": ansiMagenta + "!", "check": ansiRed + "✗",
		"error": ansiRed + "unreachable",
	} {
		if !bytes.Contains(colored, []byte(code)) {
			t.Errorf("wrong result: %s is not coloured\ngot:\n%q\nwant it to contain %q", name, colored, code)
		}
	}
	// Colour must not move the resource column.
	strip := strings.NewReplacer(ansiRed, "", ansiGreen, "", ansiYellow, "", ansiMagenta, "", ansiCyan, "", ansiReset, "")
	if got := strip.Replace(string(colored)); got != string(plain) {
		t.Errorf("wrong result: coloured output differs from plain beyond colour codes\ngot:\n%s\nwant:\n%s", got, plain)
	}
}

func TestSummaryLine(t *testing.T) {
	tests := map[string]struct {
		counts Counts
		want   string
	}{
		"nothing": {
			counts: Counts{},
			want:   "No changes. 0 hosts in the desired state.",
		},
		"one in sync": {
			counts: Counts{Hosts: 1, HostsInDesiredState: 1},
			want:   "No changes. 1 host in the desired state.",
		},
		"no changes, failures": {
			counts: Counts{Hosts: 4, HostsInDesiredState: 2, HostsFailed: 2},
			want:   "No changes. 2 hosts in the desired state. 2 hosts failed.",
		},
		"singulars": {
			counts: Counts{HostsToChange: 1, Attributes: 1, Restarts: 1, HostsInDesiredState: 1, HostsFailed: 1, ChecksFailed: 1},
			want:   "Plan: 1 host to change (1 attribute), 1 restart. 1 host in the desired state. 1 host failed. 1 check failed.",
		},
		"plurals with rows": {
			counts: Counts{HostsToChange: 3, Attributes: 2, Rows: 1, Restarts: 2, PendingRestarts: 2, HostsInDesiredState: 4, ChecksFailed: 2},
			want:   "Plan: 3 hosts to change (2 attributes, 1 row), 2 restarts (2 pending). 4 hosts in the desired state. 2 checks failed.",
		},
		"rows only, no restart": {
			counts: Counts{HostsToChange: 1, Rows: 3, HostsInDesiredState: 0},
			want:   "Plan: 1 host to change (3 rows), 0 restarts. 0 hosts in the desired state.",
		},
		"pending restart only": {
			counts: Counts{Restarts: 1, PendingRestarts: 1, HostsInDesiredState: 2},
			want:   "Plan: 0 hosts to change, 1 restart (1 pending). 2 hosts in the desired state.",
		},
		"drift is not a change": {
			counts: Counts{HostsInDesiredState: 2, DriftContexts: 1, DriftHosts: 1},
			want:   "No changes. 2 hosts in the desired state. Drift (not managed): 1 context on 1 host.",
		},
		"drift after failures": {
			counts: Counts{HostsToChange: 1, Attributes: 1, HostsInDesiredState: 1, HostsFailed: 1, ChecksFailed: 1, DriftContexts: 4, DriftHosts: 2},
			want:   "Plan: 1 host to change (1 attribute), 0 restarts. 1 host in the desired state. 1 host failed. 1 check failed. Drift (not managed): 4 contexts on 2 hosts.",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := summaryLine(tc.counts); got != tc.want {
				t.Errorf("wrong result\ngot:  %s\nwant: %s", got, tc.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	tests := map[string]struct {
		plan *engine.Plan
		want Counts
	}{
		"design example": {
			plan: designPlan(),
			// xsp3's only item is a pending restart: it is not in the desired state.
			want: Counts{Hosts: 7, HostsToChange: 2, HostsInDesiredState: 4, HostsFailed: 1, Attributes: 1, Restarts: 2, PendingRestarts: 1},
		},
		"full": {
			plan: fullPlan(),
			want: Counts{Hosts: 6, HostsToChange: 3, HostsInDesiredState: 2, HostsFailed: 1, Attributes: 6, Rows: 7, Restarts: 4, PendingRestarts: 2, ChecksPassed: 2, ChecksFailed: 1},
		},
		"a failed host's leftovers are not counted": {
			plan: &engine.Plan{Hosts: []*engine.HostPlan{{Name: "x", Error: "boom",
				Changes:  []*engine.Change{upd("context.a", "A", &engine.AttrChange{Name: "a"})},
				Restarts: []*engine.Restart{{App: "A"}}}}},
			want: Counts{Hosts: 1, HostsFailed: 1},
		},
		"partial, with hosts left alone and passing checks": {
			plan: partialPlan(),
			want: Counts{Hosts: 3, HostsToChange: 1, HostsInDesiredState: 2, HostsLeftAlone: 2, Restarts: 1, PendingRestarts: 1, ChecksPassed: 1, ChecksFailed: 1, Partial: true},
		},
		"every host failed": {
			plan: allFailedPlan(),
			want: Counts{Hosts: 2, HostsFailed: 2},
		},
		"drift counts apart from changes": {
			plan: driftPlan(),
			want: Counts{Hosts: 4, HostsToChange: 1, HostsInDesiredState: 2, HostsFailed: 1, Attributes: 1, Restarts: 1, DriftContexts: 4, DriftHosts: 2},
		},
		"a plan read back from JSON keeps its actions": {
			plan: func() *engine.Plan {
				data, err := json.Marshal(fullPlan())
				if err != nil {
					t.Fatal(err)
				}
				var p engine.Plan
				if err := json.Unmarshal(data, &p); err != nil {
					t.Fatal(err)
				}
				return &p
			}(),
			want: Counts{Hosts: 6, HostsToChange: 3, HostsInDesiredState: 2, HostsFailed: 1, Attributes: 6, Rows: 7, Restarts: 4, PendingRestarts: 2, ChecksPassed: 2, ChecksFailed: 1},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Summary(tc.plan)); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFilePlanRendersTheSame: `bwstate show FILE` renders a plan decoded
// from JSON: the action survives as its word.
func TestFilePlanRendersTheSame(t *testing.T) {
	data, err := json.Marshal(fullPlan())
	if err != nil {
		t.Fatal(err)
	}
	var fromFile engine.Plan
	if err := json.Unmarshal(data, &fromFile); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(renderHuman(fullPlan(), false)), string(renderHuman(&fromFile, false))); diff != "" {
		t.Errorf("wrong result: a plan read from a file renders differently (-want +got):\n%s", diff)
	}
}

func renderJSON(t *testing.T, p *engine.Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := JSON(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestJSONGolden(t *testing.T) {
	tests := map[string]*engine.Plan{
		"full.json.golden":       fullPlan(),
		"no_changes.json.golden": noChangesFailedPlan(),
		"drift.json.golden":      driftPlan(),
		"partial.json.golden":    partialPlan(),
	}
	for name, p := range tests {
		t.Run(name, func(t *testing.T) {
			golden(t, name, renderJSON(t, p))
		})
	}
}

// TestJSONSummaryMatchesHuman proves the two views count alike.
func TestJSONSummaryMatchesHuman(t *testing.T) {
	for name, p := range map[string]*engine.Plan{"design": designPlan(), "full": fullPlan(), "none": noChangesFailedPlan(),
		"drift": driftPlan(), "partial": partialPlan(), "all failed": allFailedPlan()} {
		t.Run(name, func(t *testing.T) {
			var doc struct {
				Summary struct {
					Hosts               int  `json:"hosts"`
					HostsToChange       int  `json:"hosts_to_change"`
					HostsInDesiredState int  `json:"hosts_in_desired_state"`
					HostsFailed         int  `json:"hosts_failed"`
					HostsLeftAlone      int  `json:"hosts_left_alone"`
					Attributes          int  `json:"attributes"`
					Rows                int  `json:"rows"`
					Restarts            int  `json:"restarts"`
					PendingRestarts     int  `json:"pending_restarts"`
					ChecksPassed        int  `json:"checks_passed"`
					ChecksFailed        int  `json:"checks_failed"`
					ChangesPresent      bool `json:"changes_present"`
					Partial             bool `json:"partial"`
					DriftContexts       int  `json:"drift_contexts"`
					DriftHosts          int  `json:"drift_hosts"`
				} `json:"summary"`
			}
			if err := json.Unmarshal(renderJSON(t, p), &doc); err != nil {
				t.Fatal(err)
			}
			s := doc.Summary
			got := Counts{Hosts: s.Hosts, HostsToChange: s.HostsToChange, HostsInDesiredState: s.HostsInDesiredState,
				HostsFailed: s.HostsFailed, HostsLeftAlone: s.HostsLeftAlone, Attributes: s.Attributes, Rows: s.Rows, Restarts: s.Restarts,
				PendingRestarts: s.PendingRestarts, ChecksPassed: s.ChecksPassed, ChecksFailed: s.ChecksFailed,
				DriftContexts: s.DriftContexts, DriftHosts: s.DriftHosts, Partial: s.Partial}
			want := Summary(p)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("wrong summary (-human +json):\n%s", diff)
			}
			if s.ChangesPresent != want.HasChanges() {
				t.Errorf("wrong changes_present\ngot:  %v\nwant: %v", s.ChangesPresent, want.HasChanges())
			}
			line := summaryLine(want)
			if !strings.HasSuffix(string(renderHuman(p, false)), line+"\n") {
				t.Errorf("wrong result: the human view does not end with the summary line %q", line)
			}
		})
	}
}

// TestSensitiveNeverRendered renders plans that hold the secret "s3cr3t"
// as before-values, after-values, row values and key values, and checks
// that neither view prints it.
func TestSensitiveNeverRendered(t *testing.T) {
	const secret = "s3cr3t"
	p := fullPlan()
	p.Hosts[0].Changes = append(p.Hosts[0].Changes, &engine.Change{
		Resource: "table.secret_rows", Path: "System/Secrets", Action: engine.Create,
		Key:   []engine.Field{{Name: "name", Value: secret, Sensitive: true}},
		Attrs: []*engine.AttrChange{{Name: "token", After: secret, Sensitive: true}},
	}, &engine.Change{
		Resource: "table.secret_rows", Path: "System/Secrets", Action: engine.Delete,
		Key:   []engine.Field{{Name: "name", Value: "old"}},
		Attrs: []*engine.AttrChange{{Name: "token", Before: secret, Sensitive: true}},
	})
	p.Hosts[1].Drift = []*engine.Change{driftOf("Interface/SNMP/Agent",
		&engine.AttrChange{Name: "readCommunity", Before: secret, After: secret, Sensitive: true})}
	// The fixture must really carry the secret, or this test proves nothing.
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(secret)) {
		t.Fatal("the fixture holds no sensitive value")
	}
	outputs := map[string][]byte{
		"human":        renderHuman(p, false),
		"human colour": renderHuman(p, true),
		"json":         renderJSON(t, p),
	}
	for name, out := range outputs {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("wrong result: the %s view prints the sensitive value %q:\n%s", name, secret, out)
		}
		if !bytes.Contains(out, []byte("sensitive")) {
			t.Errorf("wrong result: the %s view does not mark sensitive values", name)
		}
	}
}

// TestControlCharactersEscaped: values and errors come from servers; a
// terminal escape in them must print as text, not act.
func TestControlCharactersEscaped(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":         {in: "NOC", want: "NOC"},
		"empty":         {in: "", want: `""`},
		"blank":         {in: "Core router", want: `"Core router"`},
		"quote":         {in: `a"b`, want: `"a\"b"`},
		"escape":        {in: "old\x1b[2J", want: `"old\x1b[2J"`},
		"newline":       {in: "a\nb", want: `"a\nb"`},
		"invalid utf-8": {in: "a\xffb", want: `"a\xffb"`},
		"latin-1 text":  {in: "Zürich", want: "Zürich"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := value(tc.in); got != tc.want {
				t.Errorf("wrong result\ngot:  %s\nwant: %s", got, tc.want)
			}
		})
	}
	p := noChangesPlan()
	p.Hosts[0].Error = "read facts: \x1b]0;owned\x07bad"
	out := renderHuman(p, false)
	if bytes.ContainsAny(out, "\x1b\x07") {
		t.Errorf("wrong result: control characters reach the terminal:\n%q", out)
	}
	if want := `xsp1: read facts: \x1b]0;owned\abad`; !bytes.Contains(out, []byte(want)) {
		t.Errorf("wrong result\ngot:\n%s\nwant it to contain: %s", out, want)
	}
}

// TestJSONWriterEscapesControls: the JSON views escape what encoding/json
// leaves raw (DEL, C1 controls, other non-printing characters), so plan
// -json on a terminal never carries a control character, and the strings
// decode the same.
func TestJSONWriterEscapesControls(t *testing.T) {
	in := "a\x7fb\u0085c\u009bd\u202ee\U000e0001f é ✓"
	var buf bytes.Buffer
	enc := json.NewEncoder(JSONWriter(&buf))
	if err := enc.Encode(map[string]string{"v": in}); err != nil {
		t.Fatal(err)
	}
	want := `{"v":"a\u007fb\u0085c\u009bd\u202ee\udb40\udc01f é ✓"}` + "\n"
	if buf.String() != want {
		t.Errorf("wrong result\ngot:  %s\nwant: %s", buf.String(), want)
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["v"] != in {
		t.Errorf("wrong round trip\ngot:  %q (%v)\nwant: %q", back["v"], err, in)
	}
}

// A pending restart that was made but left its application unhealthy is
// shown as that state, not as a restart nobody made.
func TestUnhealthyRestartShownAsSuch(t *testing.T) {
	p := &engine.Plan{Hosts: []*engine.HostPlan{{
		Name: "xsp1", Address: "10.1.0.11", Type: "xsp", Release: "Rel_22.0_1.1123", Changes: []*engine.Change{},
		Restarts: []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}, Pending: true, PendingSince: "20261127T101500Z",
			Unhealthy: "not healthy within 2s: OpenClientServer is Starting", RestartedIn: "20261127T101500Z"}},
	}}}
	got := string(renderHuman(p, false))
	want := "  ! OpenClientServer not healthy after its restart in run 20261127T101500Z  (CAPProxy changed)\n"
	if !strings.Contains(got, want) || strings.Contains(got, "restart OpenClientServer pending") {
		t.Errorf("wrong result\ngot:\n%s\nwant a line:\n%s", got, want)
	}
}

// TestHumanWrapsWarnings: with a width (a terminal), a long advisory wraps
// under its first word and no line is wider than the width; without one
// (a pipe), every warning stays on one line for grep.
func TestHumanWrapsWarnings(t *testing.T) {
	msg := "advisory cap-removed-22: CAPProxy is enabled but CAP was removed in release 22.0; set enabled = false and restart OpenClientServer"
	hp := inSync("xsp2", "10.1.0.12", "Rel_22.0_1.1123")
	hp.Warnings = []string{msg}
	p := &engine.Plan{Hosts: []*engine.HostPlan{hp}}

	var b strings.Builder
	Human(&b, p, HumanOptions{Width: 60})
	want := `xsp2 (10.1.0.12, XSP Rel_22.0_1.1123)
  warning: advisory cap-removed-22: CAPProxy is enabled but
           CAP was removed in release 22.0; set enabled =
           false and restart OpenClientServer
`
	if got := b.String(); !strings.HasPrefix(got, want) {
		t.Errorf("wrong result\ngot:\n%s\nwant a start of:\n%s", got, want)
	}
	for line := range strings.Lines(b.String()) {
		if n := utf8.RuneCountInString(strings.TrimSuffix(line, "\n")); n > 60 && strings.Contains(line, "warning") {
			t.Errorf("wrong result: a warning line of %d columns, want at most 60: %q", n, line)
		}
	}

	b.Reset()
	Human(&b, p, HumanOptions{})
	if !strings.Contains(b.String(), "  warning: "+msg+"\n") {
		t.Errorf("wrong result without a width\ngot:\n%s\nwant the warning on one line", b.String())
	}
}
