package views

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
)

// docBlock returns the first fenced block of the given language after the
// heading in docs/plan-output.md.
func docBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "plan-output.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("docs/plan-output.md has no heading %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "\n```"+lang+"\n")
	if !ok {
		t.Fatalf("docs/plan-output.md has no ```%s block after %q", lang, heading)
	}
	block, _, ok := strings.Cut(rest, "\n```\n")
	if !ok {
		t.Fatalf("unterminated block after %q", heading)
	}
	return block + "\n"
}

// TestDocumentedHumanExample keeps the documentation honest: its example
// is what the view prints.
func TestDocumentedHumanExample(t *testing.T) {
	want := docBlock(t, "## Human view", "")
	if diff := cmp.Diff(want, string(renderHuman(docHumanPlan(), false))); diff != "" {
		t.Errorf("wrong result: docs/plan-output.md differs from the view (-doc +view):\n%s", diff)
	}
}

// TestDocumentedJSONExample checks the documented JSON example against the
// schema and against what the view prints (as values: the example is
// formatted more tightly).
func TestDocumentedJSONExample(t *testing.T) {
	var doc, got any
	example := []byte(docBlock(t, "## JSON view", "json"))
	if err := json.Unmarshal(example, &doc); err != nil {
		t.Fatalf("the documented example is not JSON: %v", err)
	}
	if errs := loadSchema(t).check(t, example); errs != "" {
		t.Errorf("wrong result: the documented example breaks the schema:\n%s", errs)
	}
	if err := json.Unmarshal(renderJSON(t, docJSONPlan()), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc, got); diff != "" {
		t.Errorf("wrong result: docs/plan-output.md differs from the view (-doc +view):\n%s", diff)
	}
}

// TestDocumentedDriftExample keeps the drift section's example honest.
func TestDocumentedDriftExample(t *testing.T) {
	want := docBlock(t, "## Drift", "")
	if diff := cmp.Diff(want, string(renderHuman(driftPlan(), false))); diff != "" {
		t.Errorf("wrong result: docs/plan-output.md differs from the view (-doc +view):\n%s", diff)
	}
}

// TestDocumentedAdvisoryExample checks the advisory section's example
// against the view of a host whose only finding is the advisory.
func TestDocumentedAdvisoryExample(t *testing.T) {
	want := docBlock(t, "## Advisories", "")
	hp := inSync("xsp2", "10.1.0.12", "Rel_24.0_1.944")
	hp.Warnings = []string{capAdvisoryWarning}
	got := string(renderHuman(&engine.Plan{Hosts: []*engine.HostPlan{hp}}, false))
	got, _, _ = strings.Cut(got, "\n\n") // the example leaves out the summary line
	if diff := cmp.Diff(want, got+"\n"); diff != "" {
		t.Errorf("wrong result: docs/plan-output.md differs from the view (-doc +view):\n%s", diff)
	}
}
