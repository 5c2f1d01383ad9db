package mop

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"golang.org/x/net/html"

	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/review"
)

// checkRendered fails on what no rendering may hold, whatever the input: a
// raw control character outside JSON, an HTML page that does not parse or
// has an element it must not have.
func checkRendered(t *testing.T, name string, out []byte, isHTML bool) {
	t.Helper()
	for _, b := range out {
		if b < 0x20 && b != '\n' {
			t.Fatalf("%s holds the raw control byte %#x", name, b)
		}
	}
	if !isHTML {
		return
	}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "img", "iframe", "object", "embed", "link", "base", "form", "image", "use":
				t.Fatalf("%s has an element <%s>", name, n.Data)
			}
			for _, a := range n.Attr {
				if a.Key == "href" && (len(a.Val) == 0 || a.Val[0] != '#') || a.Key == "src" || len(a.Key) > 2 && a.Key[:2] == "on" {
					t.Fatalf("%s has <%s %s=%q>", name, n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// FuzzRunRecord: any journal content (records of any kind and field)
// gives a run record that renders safely in every format.
func FuzzRunRecord(f *testing.F) {
	var seed bytes.Buffer
	for _, r := range fixtureJournal() {
		b, _ := json.Marshal(r)
		seed.Write(append(b, '\n'))
	}
	f.Add(seed.Bytes())
	f.Add([]byte(`{"run":"R","kind":"run-start","time":"x"}` + "\n" + `{"run":"R","kind":"restart","host":"<h>","app":"A\u001b","outcome":"healthy","detail":"after -5s"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []*journal.Record
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			var r journal.Record
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				recs = append(recs, &r)
			}
		}
		runs := map[string]bool{}
		for _, r := range recs {
			if r.Kind == journal.KindRunStart {
				runs[r.Run] = true
			}
		}
		for id := range runs {
			rec, err := review.BuildRun(review.RunInput{Records: recs, Run: id, Hosts: fixtureHosts()})
			if err != nil {
				if id != "" {
					t.Fatalf("run %q: %v", id, err)
				}
				continue
			}
			for name, render := range map[string]func(*bytes.Buffer) error{
				"html": func(b *bytes.Buffer) error { return RunHTML(b, rec) },
				"md":   func(b *bytes.Buffer) error { return RunMarkdown(b, rec) },
				"txt":  func(b *bytes.Buffer) error { return RunText(b, rec) },
				"json": func(b *bytes.Buffer) error { return RunJSON(b, rec) },
			} {
				var b bytes.Buffer
				if err := render(&b); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				checkRendered(t, name, b.Bytes(), name == "html")
			}
		}
	})
}

// FuzzReviewValues: any text in a plan (a value, a key, a path, an error,
// a warning, a reason) gives a change review that renders safely.
func FuzzReviewValues(f *testing.F) {
	f.Add("Core router", "10.9.0.5", "</style><script>x</script>", "a`b|c\x1b[2J\n")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, value, key, text, other string) {
		p := fixturePlan()
		as1 := p.Hosts[3]
		as1.Changes[1].Attrs[0].Before, as1.Changes[1].Attrs[0].After = value, other
		as1.Changes[2].Key[0].Value = key
		as1.Changes[2].Path = "System/" + text
		as1.Warnings = []string{text}
		p.Hosts[5].Error = other
		p.Hosts[1].Restarts[0].Reasons = []string{text}
		p.Warnings = append(p.Warnings, other)
		r := review.Build(review.Input{Plan: p, PlanFile: text, Title: other, Hosts: fixtureHosts(), Rollout: fixtureRollout(),
			ConfigDir: text, Git: &review.Git{Commit: value}, Now: fixtureNow, PreparedBy: key})
		for name, render := range map[string]func(*bytes.Buffer) error{
			"html": func(b *bytes.Buffer) error { return ReviewHTML(b, r) },
			"md":   func(b *bytes.Buffer) error { return ReviewMarkdown(b, r) },
			"json": func(b *bytes.Buffer) error { return ReviewJSON(b, r) },
		} {
			var b bytes.Buffer
			if err := render(&b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkRendered(t, name, b.Bytes(), name == "html")
		}
	})
}
