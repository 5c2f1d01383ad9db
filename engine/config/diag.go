package config

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/bwstate/bwstate/engine"
)

// WriteDiagnostics renders diagnostics the way `bwstate validate` prints
// them: severity, summary, "on FILE line N", a source snippet with the
// offending expression underlined, and the detail wrapped at width (0: no
// wrapping). p supplies the sources; it may be nil, and then no snippets are
// printed.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, p *hclparse.Parser, width uint, color bool) error {
	files := map[string]*hcl.File{}
	if p != nil {
		files = p.Files()
	}
	if err := hcl.NewDiagnosticTextWriter(w, files, width, color).WriteDiagnostics(diags); err != nil {
		return fmt.Errorf("write diagnostics: %w", err)
	}
	return nil
}

// FormatSource returns src in canonical HCL formatting, for `bwstate fmt`.
// It only normalises layout; src must already parse (callers report syntax
// errors first, as formatting a broken file could move the damage around).
func FormatSource(src []byte) []byte {
	return hclwrite.Format(src)
}

// maskSecrets replaces the subjects of diagnostics marked
// engine.SecretSubject (a secret written literally in a file, such as a
// password given as password_env) with asterisks in the parser's copy of
// the sources it renders snippets from (line breaks are kept, so every
// position stays valid): the snippet shows where the problem is without
// printing the secret again into a terminal or CI log.
func maskSecrets(p *hclparse.Parser, diags hcl.Diagnostics) {
	for _, d := range diags {
		if _, ok := d.Extra.(engine.SecretSubject); !ok || d.Subject == nil {
			continue
		}
		r := *d.Subject
		f := p.Files()[r.Filename]
		if f == nil || r.End.Byte > len(f.Bytes) || r.Start.Byte > r.End.Byte {
			continue
		}
		b := append([]byte(nil), f.Bytes...)
		for i := r.Start.Byte; i < r.End.Byte; i++ {
			if b[i] != '\n' && b[i] != '\r' {
				b[i] = '*'
			}
		}
		p.AddFile(r.Filename, &hcl.File{Body: f.Body, Bytes: b, Nav: f.Nav})
	}
}

func errorf(subject hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rangePtr(subject)}
}

// attrErrorf points at an attribute's value and shows the whole attribute
// as context, which is what a reader needs to see which setting is wrong.
func attrErrorf(attr *hcl.Attribute, summary, format string, args ...any) *hcl.Diagnostic {
	d := errorf(attr.Expr.Range(), summary, format, args...)
	d.Context = rangePtr(attr.Range)
	return d
}

func rangePtr(r hcl.Range) *hcl.Range {
	if r.Filename == "" {
		return nil
	}
	return &r
}

// pos renders a range as "file:line" for "previous definition at" details.
func pos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// declPos renders a range as "file.bw.hcl:12" with the file name relative to
// the configuration directory, the form engine.Desired.DeclRange uses.
func declPos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", filepath.Base(r.Filename), r.Start.Line)
}

// dedupe drops repeated diagnostics: the same expression checked for many
// hosts or host types would otherwise report the same problem many times.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		k := diagKey(d)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

func diagKey(d *hcl.Diagnostic) string {
	subj := ""
	if d.Subject != nil {
		subj = d.Subject.String()
	}
	return fmt.Sprintf("%d\x00%s\x00%s\x00%s", d.Severity, subj, d.Summary, d.Detail)
}

// hostDiags gathers diagnostics from evaluating one expression for many
// hosts and reports each distinct problem once, naming the hosts it affects.
type hostDiags struct {
	order []string
	byKey map[string]*hostDiag
}

type hostDiag struct {
	d     *hcl.Diagnostic
	hosts []string
}

func (h *hostDiags) add(host string, diags hcl.Diagnostics) {
	if h.byKey == nil {
		h.byKey = map[string]*hostDiag{}
	}
	for _, d := range diags {
		k := diagKey(d)
		e, ok := h.byKey[k]
		if !ok {
			e = &hostDiag{d: d}
			h.byKey[k] = e
			h.order = append(h.order, k)
		}
		if len(e.hosts) == 0 || e.hosts[len(e.hosts)-1] != host {
			e.hosts = append(e.hosts, host)
		}
	}
}

func (h *hostDiags) diags() hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, k := range h.order {
		e := h.byKey[k]
		d := *e.d
		d.Detail = strings.TrimSpace(d.Detail + " " + hostsPhrase(e.hosts))
		out = append(out, &d)
	}
	return out
}

// hostsPhrase says which hosts a problem concerns, shortened for fleets.
func hostsPhrase(hosts []string) string {
	if len(hosts) == 1 {
		return fmt.Sprintf("(host %s)", hosts[0])
	}
	return fmt.Sprintf("(hosts %s)", listShort(hosts, 5))
}

func listShort(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// Suggest returns the candidate closest to given (case-insensitively) when
// it is close enough to be a likely typo, or "". Transposed letters count
// as one edit ("xps" is one edit from "xsp"); on a tie the candidate whose
// length is closer to given's wins.
func Suggest(given string, candidates []string) string {
	g := strings.ToLower(given)
	limit := 3
	switch n := len([]rune(g)); {
	case n <= 4:
		limit = 1
	case n <= 8:
		limit = 2
	}
	best, bestDist, bestLen := "", 0, 0
	for _, c := range candidates {
		d := editDistance(g, strings.ToLower(c))
		if d > limit {
			continue
		}
		ld := len(c) - len(given)
		if ld < 0 {
			ld = -ld
		}
		if best == "" || d < bestDist || d == bestDist && ld < bestLen {
			best, bestDist, bestLen = c, d, ld
		}
	}
	return best
}

// didYouMean is Suggest phrased for a diagnostic detail: " Did you mean
// "x"?" or "".
func didYouMean(given string, candidates []string) string {
	if s := Suggest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent letters.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// quoteList renders names as "a", "b" and "c" for details.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// DiagnosticsFormatVersion is the version of the JSON form of diagnostics
// (`validate -json`, and `plan -json` when the configuration has errors).
const DiagnosticsFormatVersion = "1.0"

// jsonDiagnostics is the JSON document of WriteDiagnosticsJSON.
type jsonDiagnostics struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

type jsonDiagnostic struct {
	Severity string     `json:"severity"` // "error" or "warning"
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
	// Snippet is the source lines of Range, as the text form shows them
	// (with a secret written in the wrong place masked).
	Snippet *jsonSnippet `json:"snippet,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type jsonSnippet struct {
	StartLine int    `json:"start_line"`
	Code      string `json:"code"`
}

// WriteDiagnosticsJSON writes diagnostics as one JSON document, the
// machine form of WriteDiagnostics (docs/cli.md, "Diagnostics as JSON").
// p supplies the sources for snippets and may be nil.
func WriteDiagnosticsJSON(w io.Writer, diags hcl.Diagnostics, p *hclparse.Parser) error {
	doc := jsonDiagnostics{FormatVersion: DiagnosticsFormatVersion, Diagnostics: []jsonDiagnostic{}}
	files := map[string]*hcl.File{}
	if p != nil {
		files = p.Files()
	}
	for _, d := range diags {
		jd := jsonDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
			doc.WarningCount++
		} else {
			doc.ErrorCount++
		}
		if r := d.Subject; r != nil {
			jd.Range = &jsonRange{Filename: r.Filename,
				Start: jsonPos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
				End:   jsonPos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte}}
			if f := files[r.Filename]; f != nil {
				jd.Snippet = snippet(f.Bytes, r.Start.Line, r.End.Line)
			}
		}
		doc.Diagnostics = append(doc.Diagnostics, jd)
	}
	doc.Valid = doc.ErrorCount == 0
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("write diagnostics: %w", err)
	}
	if _, err := w.Write(append(out, '\n')); err != nil {
		return fmt.Errorf("write diagnostics: %w", err)
	}
	return nil
}

// snippet returns lines first..last (1-based) of src.
func snippet(src []byte, first, last int) *jsonSnippet {
	if first < 1 || last < first {
		return nil
	}
	lines := strings.SplitAfter(string(src), "\n")
	if first > len(lines) {
		return nil
	}
	last = min(last, len(lines))
	return &jsonSnippet{StartLine: first, Code: strings.TrimRight(strings.Join(lines[first-1:last], ""), "\r\n")}
}
