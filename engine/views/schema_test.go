package views

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
)

// A small JSON Schema checker, enough for docs/plan.schema.json: it checks
// rendered plans against the published schema itself, so the document and
// the code cannot drift apart. It refuses keywords it does not implement,
// so the schema cannot quietly rely on one it skips.

type schemaChecker struct {
	root map[string]any
}

func (c *schemaChecker) check(s map[string]any, v any, at string) []string {
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, at+": "+fmt.Sprintf(format, args...))
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rule := s[k]
		switch k {
		case "$ref":
			ref, _ := rule.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			def, found := c.root["$defs"].(map[string]any)[name].(map[string]any)
			if !ok || !found {
				fail("unresolvable $ref %q", ref)
				continue
			}
			errs = append(errs, c.check(def, v, at)...)
		case "type":
			if !hasType(v, rule.(string)) {
				fail("is %T, want %s", v, rule)
			}
		case "const":
			if !reflect.DeepEqual(v, rule) {
				fail("is %v, want %v", v, rule)
			}
		case "enum":
			found := false
			for _, e := range rule.([]any) {
				found = found || reflect.DeepEqual(v, e)
			}
			if !found {
				fail("%v is not one of %v", v, rule)
			}
		case "minimum":
			if n, ok := v.(float64); ok && n < rule.(float64) {
				fail("%v is below %v", n, rule)
			}
		case "required":
			if obj, ok := v.(map[string]any); ok {
				for _, name := range rule.([]any) {
					if _, present := obj[name.(string)]; !present {
						fail("missing %q", name)
					}
				}
			}
		case "properties":
			if obj, ok := v.(map[string]any); ok {
				props := rule.(map[string]any)
				for name, val := range obj {
					if ps, known := props[name]; known {
						errs = append(errs, c.check(ps.(map[string]any), val, at+"."+name)...)
					}
				}
			}
		case "additionalProperties":
			obj, ok := v.(map[string]any)
			if !ok || rule != false {
				continue
			}
			props, _ := s["properties"].(map[string]any)
			for name := range obj {
				if _, known := props[name]; !known {
					fail("unexpected property %q", name)
				}
			}
		case "items":
			if arr, ok := v.([]any); ok {
				for i, item := range arr {
					errs = append(errs, c.check(rule.(map[string]any), item, fmt.Sprintf("%s[%d]", at, i))...)
				}
			}
		case "if":
			if len(c.check(rule.(map[string]any), v, at)) == 0 {
				if then, ok := s["then"].(map[string]any); ok {
					errs = append(errs, c.check(then, v, at)...)
				}
			}
		case "then":
			// applied by "if"
		case "$schema", "$id", "$defs", "title", "description":
			// annotations: no constraint
		case "not":
			if len(c.check(rule.(map[string]any), v, at)) == 0 {
				fail("matches a schema it must not: %v", rule)
			}
		case "anyOf":
			matched := false
			for _, sub := range rule.([]any) {
				matched = matched || len(c.check(sub.(map[string]any), v, at)) == 0
			}
			if !matched {
				fail("matches none of anyOf")
			}
		default:
			fail("schema keyword %q is not supported by this checker", k)
		}
	}
	return errs
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == float64(int64(n))
	}
	return false
}

func loadSchema(t *testing.T) *schemaChecker {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "plan.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatalf("docs/plan.schema.json is not JSON: %v", err)
	}
	return &schemaChecker{root: root}
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
			var doc any
			if err := json.Unmarshal(renderJSON(t, p), &doc); err != nil {
				t.Fatal(err)
			}
			if errs := c.check(c.root, doc, "$"); len(errs) > 0 {
				t.Errorf("wrong result: the JSON view does not match docs/plan.schema.json:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// TestSchemaCheckerCatchesViolations proves the checker can fail: each
// document breaks the published schema in one way.
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
			want:   `$: missing "summary"`,
		},
		"unknown field": {
			mutate: func(doc map[string]any) { doc["extra"] = 1 },
			want:   `$: unexpected property "extra"`,
		},
		"wrong version": {
			mutate: func(doc map[string]any) { doc["format_version"] = "2.0" },
			want:   `$.format_version: is 2.0, want 1.0`,
		},
		"bad action": {
			mutate: func(doc map[string]any) { change(doc, 0, 0)["action"] = "replace" },
			want:   `$.hosts[0].changes[0].action: replace is not one of`,
		},
		"sensitive value shown": {
			mutate: func(doc map[string]any) {
				a := change(doc, 0, 2)["attributes"].([]any)[0].(map[string]any)
				a["after"] = "s3cr3t"
			},
			want: `$.hosts[0].changes[2].attributes[0]: matches a schema it must not`,
		},
		"count is not an integer": {
			mutate: func(doc map[string]any) { doc["summary"].(map[string]any)["rows"] = 1.5 },
			want:   `$.summary.rows: is float64, want integer`,
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
			errs := strings.Join(c.check(c.root, doc, "$"), "\n")
			if !strings.Contains(errs, tc.want) {
				t.Errorf("wrong result\ngot:  %q\nwant: %q", errs, tc.want)
			}
		})
	}
}

func change(doc map[string]any, host, i int) map[string]any {
	return doc["hosts"].([]any)[host].(map[string]any)["changes"].([]any)[i].(map[string]any)
}
