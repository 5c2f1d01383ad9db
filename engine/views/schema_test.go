package views

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bwstate/bwstate/engine"
)

// The published schema, docs/plan.schema.json, is checked against rendered
// plans by a maintained JSON Schema validator (draft 2020-12), so the
// document and the code cannot drift apart.

type schemaChecker struct {
	schema *jsonschema.Schema
}

// check returns the validator's complaints about doc, one per line, or "".
func (c *schemaChecker) check(t *testing.T, doc []byte) string {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := c.schema.Validate(inst); err != nil {
		return err.Error()
	}
	return ""
}

func loadSchema(t *testing.T) *schemaChecker {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "docs", "plan.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("docs/plan.schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	// The schema's $id names its published place; nothing is fetched.
	if err := c.AddResource("plan.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("plan.schema.json")
	if err != nil {
		t.Fatalf("docs/plan.schema.json is not a valid schema: %v", err)
	}
	return &schemaChecker{schema: sch}
}

func TestJSONMatchesPublishedSchema(t *testing.T) {
	c := loadSchema(t)
	sensitive := fullPlan()
	sensitive.Hosts[0].Changes = append(sensitive.Hosts[0].Changes, &engine.Change{
		Resource: "table.secret_rows", Path: "System/Secrets", Action: engine.Create,
		Key:   []engine.Field{{Name: "name", Value: "s3cr3t", Sensitive: true}},
		Attrs: []*engine.AttrChange{{Name: "token", After: "s3cr3t", Sensitive: true}},
	})
	plans := map[string]*engine.Plan{
		"design": designPlan(), "full": fullPlan(), "no changes": noChangesFailedPlan(),
		"sensitive key": sensitive, "empty": {},
	}
	for name, p := range plans {
		t.Run(name, func(t *testing.T) {
			if errs := c.check(t, renderJSON(t, p)); errs != "" {
				t.Errorf("wrong result: the JSON view does not match docs/plan.schema.json:\n%s", errs)
			}
		})
	}
}

// TestSchemaCheckerCatchesViolations proves the schema can fail a plan:
// each document breaks it in one way the schema must catch.
func TestSchemaCheckerCatchesViolations(t *testing.T) {
	c := loadSchema(t)
	var good map[string]any
	if err := json.Unmarshal(renderJSON(t, fullPlan()), &good); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		mutate func(doc map[string]any)
		want   string
	}{
		"missing summary": {
			mutate: func(doc map[string]any) { delete(doc, "summary") },
			want:   `at '': missing property 'summary'`,
		},
		"unknown field": {
			mutate: func(doc map[string]any) { doc["extra"] = 1 },
			want:   `at '': additional properties 'extra' not allowed`,
		},
		"wrong version": {
			mutate: func(doc map[string]any) { doc["format_version"] = "2.0" },
			want:   `at '/format_version': value must be '1.1'`,
		},
		"bad action": {
			mutate: func(doc map[string]any) { change(doc, 0, 0)["action"] = "replace" },
			want:   `at '/hosts/0/changes/0/action': value must be one of`,
		},
		"sensitive value shown": {
			mutate: func(doc map[string]any) {
				a := change(doc, 0, 2)["attributes"].([]any)[0].(map[string]any)
				a["after"] = "s3cr3t"
			},
			want: `at '/hosts/0/changes/2/attributes/0': 'not' failed`,
		},
		"count is not an integer": {
			mutate: func(doc map[string]any) { doc["summary"].(map[string]any)["rows"] = 1.5 },
			want:   `at '/summary/rows': got number, want integer`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			data, _ := json.Marshal(good)
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			tc.mutate(doc)
			data, _ = json.Marshal(doc)
			errs := c.check(t, data)
			if !strings.Contains(errs, tc.want) {
				t.Errorf("wrong result\ngot:  %q\nwant: %q", errs, tc.want)
			}
		})
	}
}

func change(doc map[string]any, host, i int) map[string]any {
	return doc["hosts"].([]any)[host].(map[string]any)["changes"].([]any)[i].(map[string]any)
}
