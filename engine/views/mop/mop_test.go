package mop

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/net/html"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// renderings are every output of the fixtures, by golden file name.
func renderings(t *testing.T) map[string][]byte {
	t.Helper()
	r, run := fixtureReview(), fixtureRun()
	out := map[string][]byte{}
	for name, f := range map[string]func(*bytes.Buffer) error{
		"review.html":  func(b *bytes.Buffer) error { return ReviewHTML(b, r) },
		"review.md":    func(b *bytes.Buffer) error { return ReviewMarkdown(b, r) },
		"review.json":  func(b *bytes.Buffer) error { return ReviewJSON(b, r) },
		"run.html":     func(b *bytes.Buffer) error { return RunHTML(b, run) },
		"run.md":       func(b *bytes.Buffer) error { return RunMarkdown(b, run) },
		"run.json":     func(b *bytes.Buffer) error { return RunJSON(b, run) },
		"run.txt":      func(b *bytes.Buffer) error { return RunText(b, run) },
		"nothing.html": func(b *bytes.Buffer) error { return ReviewHTML(b, emptyReview()) },
		"nothing.md":   func(b *bytes.Buffer) error { return ReviewMarkdown(b, emptyReview()) },
		"docs.html":    func(b *bytes.Buffer) error { return ReviewHTML(b, docsReview()) },
	} {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatalf("render %s: %v", name, err)
		}
		out[name] = b.Bytes()
	}
	return out
}

// emptyReview is the review of a plan with nothing to do and no journal.
func emptyReview() *review.Review {
	p := &engine.Plan{FormatVersion: "1.0", ConfigHash: "3f2a", CreatedAt: "2026-11-27T10:20:00Z", Mode: "normal",
		Hosts: []*engine.HostPlan{{Name: "xsp1", Address: "10.1.0.11", Type: "xsp", Release: "Rel_24.0_1.944", Changes: []*engine.Change{}, Restarts: []*engine.Restart{}}}}
	return review.Build(review.Input{Plan: p, PlanFile: "none.plan", PlanSHA256: "00", PlanHash: "11",
		Hosts: fixtureHosts()[:1], Rollout: engine.DefaultRollout(), ConfigDir: ".", ConfigHash: "3f2a",
		PreparedBy: "alice@ctl1", Now: fixtureNow})
}

func TestGolden(t *testing.T) {
	for name, got := range renderings(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if d := cmp.Diff(string(want), string(got)); d != "" {
				t.Errorf("wrong result: %s differs from the golden file (-want +got):\n%s", name, d)
			}
		})
	}
}

// TestNoSensitiveValue: the fixtures' plan holds sensitive values in
// memory, as plan.Run leaves them; no rendering may contain one.
func TestNoSensitiveValue(t *testing.T) {
	for name, b := range renderings(t) {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("wrong result: %s contains the sensitive value %q", name, s)
			}
		}
		if !bytes.Contains(b, []byte("(sensitive)")) && !strings.HasPrefix(name, "nothing") {
			t.Errorf("wrong result: %s shows no masked value; the fixtures have several", name)
		}
	}
}

// TestHTMLIsSelfContained parses each page with x/net/html: no script, no
// element or attribute that loads anything, no external URL, and the
// hostile value of the fixture only as text.
func TestHTMLIsSelfContained(t *testing.T) {
	for name, b := range renderings(t) {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, p := range htmlProblems(t, b) {
				t.Error(p)
			}
		})
	}
}

var externalURL = regexp.MustCompile(`(?i)(https?:|ftp:|file:|data:|//[a-z0-9]|url\(|@import)`)

// htmlProblems lists what makes a page not self-contained or unsafe.
func htmlProblems(t *testing.T, page []byte) []string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return []string{fmt.Sprintf("not HTML: %v", err)}
	}
	var problems []string
	elements := map[string]int{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			elements[n.Data]++
			switch n.Data {
			case "script", "iframe", "object", "embed", "img", "link", "base", "form", "image", "use", "foreignobject":
				problems = append(problems, fmt.Sprintf("element <%s>", n.Data))
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					problems = append(problems, fmt.Sprintf("event handler %s on <%s>", a.Key, n.Data))
				case key == "href" || key == "src" || key == "xlink:href" || key == "action" || key == "srcset" || key == "poster":
					if !strings.HasPrefix(a.Val, "#") {
						problems = append(problems, fmt.Sprintf("<%s %s=%q> points outside the page", n.Data, a.Key, a.Val))
					}
				case key == "style":
					problems = append(problems, fmt.Sprintf("inline style on <%s>", n.Data))
				}
				if externalURL.MatchString(a.Val) {
					problems = append(problems, fmt.Sprintf("<%s %s=%q> names a URL", n.Data, a.Key, a.Val))
				}
			}
		}
		if n.Type == html.TextNode && n.Parent != nil && n.Parent.Data == "style" && externalURL.MatchString(n.Data) {
			problems = append(problems, "the stylesheet loads something: "+externalURL.FindString(n.Data))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if elements["style"] != 1 || elements["title"] == 0 {
		problems = append(problems, fmt.Sprintf("want one <style> and a <title>, got %d and %d", elements["style"], elements["title"]))
	}
	if bytes.Contains(bytes.ToLower(page), []byte("<script")) {
		problems = append(problems, "the text <script appears unescaped")
	}
	return problems
}

// TestHTMLProblemsCatchesViolations proves the check above can fail.
func TestHTMLProblemsCatchesViolations(t *testing.T) {
	base := `<!DOCTYPE html><html><head><title>x</title><style>p{}</style></head><body>%s</body></html>`
	for _, bad := range []string{
		`<script>alert(1)</script>`,
		`<img src="x.png">`,
		`<a href="https://example.com/">x</a>`,
		`<p onclick="x()">x</p>`,
		`<svg><image href="x.png"></image></svg>`,
		`<p style="background: url(x)">x</p>`,
	} {
		if len(htmlProblems(t, []byte(fmt.Sprintf(base, bad)))) == 0 {
			t.Errorf("wrong result: no problem found in %s", bad)
		}
	}
	if p := htmlProblems(t, []byte(fmt.Sprintf(base, `<a href="#impact">x</a>`))); len(p) > 0 {
		t.Errorf("wrong result: a link within the page is fine, got %v", p)
	}
}

// TestHTMLShowsHostileValuesAsText: a value that looks like markup is
// text on the page, escaped where it must be.
func TestHTMLShowsHostileValuesAsText(t *testing.T) {
	b := renderings(t)["review.html"]
	if !bytes.Contains(b, []byte(`&#34;NOC &lt;script&gt;x&lt;/script&gt;&#34;`)) {
		t.Errorf("wrong result: the value \"NOC <script>x</script>\" is not shown escaped")
	}
	if !bytes.Contains(b, []byte(`old\x1b[2J`)) || bytes.Contains(b, []byte("\x1b")) {
		t.Errorf("wrong result: a control character must print as \\x1b, never raw")
	}
}

// TestJSONMatchesPublishedSchemas validates both documents against the
// schemas docs/change-review.md publishes.
func TestJSONMatchesPublishedSchemas(t *testing.T) {
	out := renderings(t)
	var empty bytes.Buffer
	if err := ReviewJSON(&empty, emptyReview()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema, name string
		doc          []byte
	}{
		{"change-review.schema.json", "review.json", out["review.json"]},
		{"change-review.schema.json", "empty review", empty.Bytes()},
		{"run-record.schema.json", "run.json", out["run.json"]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := validate(t, tc.schema, tc.doc); err != nil {
				t.Errorf("wrong result: %s does not match docs/%s:\n%v", tc.name, tc.schema, err)
			}
		})
	}
}

func validate(t *testing.T, schema string, doc []byte) error {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("..", "..", "..", "docs", schema))
	if err != nil {
		t.Fatalf("docs/%s: %v", schema, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(v)
}

// TestSchemaCatchesViolations proves the schemas can fail: a sensitive
// value shown, a missing field, an unknown one, a wrong version.
func TestSchemaCatchesViolations(t *testing.T) {
	good := renderings(t)["review.json"]
	for name, mutate := range map[string]func(doc map[string]any){
		"sensitive after shown": func(doc map[string]any) {
			a := doc["hosts"].([]any)[0].(map[string]any)["changes"].([]any)[1].(map[string]any)["attributes"].([]any)[0].(map[string]any)
			if a["sensitive"] != true {
				t.Fatalf("fixture changed: %v is not the sensitive attribute", a)
			}
			a["after"] = "s3cr3t"
		},
		"missing schedule": func(doc map[string]any) { delete(doc, "schedule") },
		"unknown field":    func(doc map[string]any) { doc["extra"] = 1 },
		"version 2.0":      func(doc map[string]any) { doc["format_version"] = "2.0" },
		"bad source": func(doc map[string]any) {
			doc["schedule"].(map[string]any)["estimates"].(map[string]any)["per_write"].(map[string]any)["source"] = "guess"
		},
	} {
		t.Run(name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(good, &doc); err != nil {
				t.Fatal(err)
			}
			mutate(doc)
			b, _ := json.Marshal(doc)
			if validate(t, "change-review.schema.json", b) == nil {
				t.Errorf("wrong result: the schema accepts a document with %s", name)
			}
		})
	}
}

// TestValuesPrintAsInThePlan: every attribute prints in the documents
// exactly as the plan's human view prints it, masks included.
func TestValuesPrintAsInThePlan(t *testing.T) {
	var human bytes.Buffer
	views.Human(&human, fixturePlan(), views.HumanOptions{})
	md := string(renderings(t)["review.md"])
	for _, h := range fixtureReview().Hosts {
		for _, c := range h.Changes {
			for _, a := range c.Attrs {
				if c.Action == "delete" && a.Before != nil && *a.Before == "" {
					continue // the text plan leaves out a deleted row's empty cells
				}
				line := attrLine(c.Action, a)
				if !strings.Contains(human.String(), "      "+line+"\n") {
					t.Errorf("wrong result: %q is not how the plan prints %s %s:\n%s", line, c.Path, a.Name, human.String())
				}
				if !strings.Contains(md, mdCode(line, true)) {
					t.Errorf("wrong result: the Markdown lacks %s", mdCode(line, true))
				}
			}
		}
	}
}

func TestMarkdownCodeSpans(t *testing.T) {
	tests := map[string]struct {
		in      string
		inTable bool
		want    string
	}{
		"plain":             {in: "set enabled false", want: "`set enabled false`"},
		"backtick":          {in: "a`b", want: "``a`b``"},
		"leading backtick":  {in: "`a", want: "`` `a ``"},
		"pipe in a table":   {in: "a|b", inTable: true, want: "`a\\|b`"},
		"pipe outside":      {in: "a|b", want: "`a|b`"},
		"control character": {in: "a\x1bb\nc", want: "`a\\x1bb\\nc`"},
		"empty":             {in: "", want: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mdCode(tc.in, tc.inTable); got != tc.want {
				t.Errorf("wrong result\ngot:  %q\nwant: %q", got, tc.want)
			}
		})
	}
	if got, want := mdText("a*b_c<d>|e"), `a\*b\_c\<d\>\|e`; got != want {
		t.Errorf("wrong result\ngot:  %q\nwant: %q", got, want)
	}
}

// TestLargeFleetDrawsBatches: past 100 hosts the picture has one bar per
// batch, so a thousand-host rollout stays readable.
func TestLargeFleetDrawsBatches(t *testing.T) {
	tl := review.Timeline{Seconds: 1000}
	for i := range 150 {
		b := i / 10
		tl.Lanes = append(tl.Lanes, review.Lane{Host: fmt.Sprintf("xsp%d", i), Group: fmt.Sprintf("batch %d", b+1),
			StartSeconds: float64(b * 60), Seconds: 60, Windows: []review.Window{{Label: "restart OpenClientServer", StartSeconds: float64(b*60 + 10), Seconds: 45}}})
	}
	c := newChart(tl, "")
	if !c.Aggregated || len(c.Rows) != 15 || c.Rows[0].Label != "batch 1 (10 hosts)" || len(c.Rows[0].Windows) != 1 {
		t.Errorf("wrong result\ngot: aggregated %v, %d rows, first %q with %d windows\nwant: aggregated, 15 rows, first \"batch 1 (10 hosts)\" with 1 window",
			c.Aggregated, len(c.Rows), c.Rows[0].Label, len(c.Rows[0].Windows))
	}
	c = newChart(review.Timeline{Seconds: 10, Lanes: tl.Lanes[:3]}, "")
	if c.Aggregated || len(c.Rows) != 3 {
		t.Errorf("wrong result: %d rows, aggregated %v; want 3 hosts drawn one by one", len(c.Rows), c.Aggregated)
	}
}

// TestDocumentedMarkdownExample keeps docs/change-review.md honest: its
// Markdown example is what the renderer prints for docsReview.
func TestDocumentedMarkdownExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "change-review.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n~~~markdown\n")
	if !ok {
		t.Fatal("docs/change-review.md has no ~~~markdown block")
	}
	doc, _, ok := strings.Cut(rest, "\n~~~\n")
	if !ok {
		t.Fatal("docs/change-review.md: unterminated ~~~markdown block")
	}
	var b bytes.Buffer
	if err := ReviewMarkdown(&b, docsReview()); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(doc+"\n", b.String()); d != "" {
		t.Errorf("wrong result: docs/change-review.md differs from the renderer (-doc +renderer):\n%s", d)
	}
}
