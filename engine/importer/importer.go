package importer

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/config"
)

// maskedValue is how the CLI prints a password attribute (confirmed; docs/bwcli.md):
// in a context the catalogue does not know, it is the only sign of one.
const maskedValue = "********"

// Input is what one import covers: one host and the contexts read from it.
type Input struct {
	Host *engine.Host
	// Facts of the host; nil skips release checks and leaves the release
	// out of the header.
	Facts *engine.Facts
	Items []Item
	// Time is when the contexts were read, for the header; zero means now.
	Time time.Time
	// Secrets are the values the configuration holds as sensitive (the
	// raw values of its sensitive variables and the host's sensitive
	// desired values). A live value holding one is imported like a
	// sensitive attribute, through a sensitive variable, and never shown:
	// the generated file is meant to be committed.
	Secrets []string
}

// holdsSecret reports whether live contains one of the input's secrets.
func (o *output) holdsSecret(live string) bool { return engine.HoldsSecret(live, o.in.Secrets) }

// Item is one context to import.
type Item struct {
	// Schema is the catalogue entry, nil for a context it does not know.
	Schema *engine.Context
	// Path as the operator gave it (the catalogue's spelling is used when
	// Schema is set).
	Path     string
	Observed *engine.Observed
	// Name is the block name; empty means `<host>_<last path segment>` in
	// snake case, made unique within the output.
	Name string
}

// Variable is a sensitive value the generated configuration takes from a
// variable instead of holding it.
type Variable struct {
	// Name of the variable block (var.NAME).
	Name string
	// Block is the address of the block that uses it: "context.NAME" or
	// "table.NAME".
	Block string
	// Path is the context in the catalogue's spelling, Attr the attribute.
	Path string
	Attr string
	// Row is the index in Observed.Rows of the row that uses it, -1 for
	// attribute contexts.
	Row int
}

// Generate writes HCL that keeps the live state of in.Items as it is. It
// fails only for misuse: no host, an item without an observed context, or
// an explicit name that is not a valid block name or is used twice.
func Generate(w io.Writer, in Input) error {
	out, err := build(in)
	if err != nil {
		return err
	}
	if _, err := w.Write(hclwrite.Format(out.file.Bytes())); err != nil {
		return fmt.Errorf("import: write: %w", err)
	}
	return nil
}

// Variables returns the sensitive variables Generate's output for in
// declares, in output order, with where each value comes from.
func Variables(in Input) ([]Variable, error) {
	out, err := build(in)
	if err != nil {
		return nil, err
	}
	return out.vars, nil
}

// Contexts lists the catalogue contexts `import -all` reads on a host:
// every context of the host's type that its release has and that is not
// read-only (those hold state the server computes, like raised alarms).
func Contexts(cat engine.Catalogue, f *engine.Facts) []*engine.Context {
	var out []*engine.Context
	for _, c := range cat.Contexts(f.Type) {
		if !c.ReadOnly && c.Releases.Contains(f.Release) {
			out = append(out, c)
		}
	}
	return out
}

// output is one generated file being built.
type output struct {
	in    Input
	file  *hclwrite.File
	body  *hclwrite.Body
	names map[string]bool // block and variable names used
	vars  []Variable
}

func build(in Input) (*output, error) {
	if in.Host == nil || in.Host.Name == "" {
		return nil, errors.New("import: no host")
	}
	o := &output{in: in, file: hclwrite.NewEmptyFile(), names: map[string]bool{}}
	o.body = o.file.Body()
	for i, it := range in.Items {
		if it.Observed == nil {
			return nil, fmt.Errorf("import: %s: nothing was read", itemPath(it, i))
		}
		if it.Name == "" {
			continue
		}
		if !validName(it.Name) {
			return nil, fmt.Errorf("import: name %q is not a valid block name: use letters, digits, underscores and dashes, starting with a letter", it.Name)
		}
		if o.names[it.Name] {
			return nil, fmt.Errorf("import: name %q is given to two contexts", it.Name)
		}
		o.names[it.Name] = true
	}
	o.header()
	for _, it := range in.Items {
		o.item(it)
	}
	return o, nil
}

func itemPath(it Item, i int) string {
	if p := path(it); p != "" {
		return p
	}
	return fmt.Sprintf("item %d", i+1)
}

// path is the context path to write: the catalogue's spelling, else the
// server's, else the one given.
func path(it Item) string {
	if it.Schema != nil {
		return it.Schema.Path
	}
	if it.Observed != nil && it.Observed.Path != "" {
		p := strings.Trim(it.Observed.Path, "/")
		if strings.EqualFold(p, strings.Trim(it.Path, "/")) {
			return p
		}
	}
	return strings.Trim(strings.TrimSpace(it.Path), "/")
}

// validName reports whether s can name a block: configuration block names
// are HCL identifiers (letters, digits, "_" and "-", starting with a letter).
func validName(s string) bool {
	return hclsyntax.ValidIdentifier(s) && s != "" && unicode.IsLetter([]rune(s)[0])
}

func (o *output) comment(b *hclwrite.Body, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	for _, line := range strings.Split(text, "\n") {
		b.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(strings.TrimRight("# "+line, " ") + "\n")}})
	}
}

func (o *output) header() {
	h := o.in.Host
	when := o.in.Time
	if when.IsZero() {
		when = time.Now()
	}
	what := strings.ToUpper(h.Type)
	if f := o.in.Facts; f != nil && f.ReleaseString != "" {
		what += " " + f.ReleaseString
	}
	if h.Address != "" {
		what = h.Address + ", " + what
	}
	o.comment(o.body, "Imported by bwstate import from host %s (%s) at %s.\n"+
		"These blocks keep the live configuration as it was read: review them before committing.",
		clean(h.Name), clean(what), when.UTC().Format(time.RFC3339))
}

// defaultName is `<host>_<last segment in snake case>`, unique in the output.
func (o *output) defaultName(p string) string {
	base := sanitize(o.in.Host.Name) + "_" + snake(p[strings.LastIndex(p, "/")+1:])
	return o.unique(base)
}

// unique returns base, or base_2, base_3... when it is taken, and takes it.
func (o *output) unique(base string) string {
	name := base
	for n := 2; o.names[name]; n++ {
		name = fmt.Sprintf("%s_%d", base, n)
	}
	o.names[name] = true
	return name
}

// sanitize turns text into an identifier: letters and digits kept, anything
// else "_", and a leading letter guaranteed.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(collapse(b.String()), "_")
	if out == "" || !unicode.IsLetter(rune(out[0])) {
		out = "h" + out
	}
	return out
}

// snake turns a CLI name into snake case: CAPProxy -> cap_proxy,
// LoginLevelAllowed -> login_level_allowed, readCommunity -> read_community.
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.Trim(collapse(sanitizeLoose(b.String())), "_")
}

// sanitizeLoose replaces anything but ASCII letters, digits and "_" by "_".
func sanitizeLoose(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			return r
		}
		return '_'
	}, s)
}

func collapse(s string) string {
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	return s
}

// clean makes server text safe inside a comment: one line, printable.
func clean(s string) string {
	q := strconv.Quote(s)
	q = q[1 : len(q)-1]
	return strings.ReplaceAll(q, `\"`, `"`)
}

func (o *output) item(it Item) {
	p := path(it)
	o.body.AppendNewline()
	s := it.Schema
	obs := it.Observed
	switch {
	case s != nil && s.ReadOnly:
		o.comment(o.body, "%s is read-only (the server maintains it): not imported.", p)
		return
	case s != nil && o.in.Facts != nil && !s.Releases.Contains(o.in.Facts.Release):
		o.comment(o.body, "%s exists on %s and %s runs %s: not imported.", p, s.Releases, o.in.Host.Name, release(o.in.Facts))
		return
	case s != nil && s.Kind != obs.Kind:
		o.comment(o.body, "%s is %s in the catalogue but the server shows %s: not imported.", p, kindText(s.Kind), kindText(obs.Kind))
		return
	case s == nil && obs.Kind == engine.TableContext:
		o.comment(o.body, "%s is a table the catalogue does not know: without its row key bwstate cannot manage it, so it is not imported.", p)
		return
	}
	name := it.Name
	if name == "" {
		name = o.defaultName(p)
	}
	var (
		blk  *hclwrite.Block
		vars []pendingVar
	)
	if obs.Kind == engine.TableContext {
		blk, vars = o.table(name, p, s, obs)
	} else {
		blk, vars = o.context(name, p, s, obs)
	}
	// Variables first, so the block's own comment stays attached to it.
	o.declare(vars)
	if s != nil && s.Doc != "" {
		o.comment(o.body, "%s: %s", p, s.Doc)
	}
	if s == nil {
		o.comment(o.body, "%s is not in the catalogue: its values are kept as strings and compared as strings.\n"+
			"If a change needs an application restarted, add restart = \"APPLICATION\".", p)
	}
	o.body.AppendBlock(blk)
}

func release(f *engine.Facts) string {
	if f.ReleaseString != "" {
		return f.ReleaseString
	}
	return f.Release.String()
}

func kindText(k engine.ContextKind) string {
	if k == engine.TableContext {
		return "a table"
	}
	return "an attribute context"
}

// pendingVar is a variable declared for the block being built.
type pendingVar struct {
	v    Variable
	desc string
}

// declare writes the variable blocks a block needs, with the comment that
// tells the operator how to supply them.
func (o *output) declare(vars []pendingVar) {
	for _, pv := range vars {
		o.comment(o.body, "Sensitive: supply the live value, never in a file, e.g.\n"+
			"  BWSTATE_VAR_%s=... bwstate plan", pv.v.Name)
		vb := o.body.AppendNewBlock("variable", []string{pv.v.Name}).Body()
		vb.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
		vb.SetAttributeValue("sensitive", cty.True)
		vb.SetAttributeValue("description", cty.StringVal(pv.desc))
		o.vars = append(o.vars, pv.v)
		o.body.AppendNewline()
	}
}

// value is one attribute value to write, or why it cannot be.
type value struct {
	tokens  hclwrite.Tokens
	problem string // non-empty: comment it out with this reason
	// shown is the value as the comment shows it: the exact live value as
	// an HCL string (hclString), which reads back as that value if the
	// line is uncommented.
	shown string
}

// hclString quotes a live value as an HCL string literal: control
// characters as \u escapes (`"\u001b]0;x\u0007"`), template sequences
// doubled (`$${`), so that the literal evaluates to exactly the value.
func hclString(live string) string {
	return string(hclwrite.TokensForValue(cty.StringVal(live)).Bytes())
}

// typed converts a live CLI value to HCL per the catalogue attribute (nil
// for unknown contexts: a string). A value bwstate cannot declare (one the
// configuration's injection rules refuse, or one that does not fit the
// catalogue) comes back with its problem, to be written commented out.
func typed(a *engine.Attribute, live string) value {
	shown := hclString(live)
	if reason := config.UnsafeReason(live); reason != "" {
		return value{problem: "bwstate refuses to send this value to the CLI: it " + reason, shown: shown}
	}
	if a == nil {
		return value{tokens: hclwrite.TokensForValue(cty.StringVal(live))}
	}
	n, err := a.Normalize(live)
	if err != nil {
		return value{problem: "the live value does not fit the catalogue: " + err.Error(), shown: shown}
	}
	switch a.Type {
	case engine.TypeBool:
		return value{tokens: hclwrite.TokensForValue(cty.BoolVal(n == "true"))}
	case engine.TypeInt:
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return value{problem: "the live value is not a whole number", shown: shown}
		}
		return value{tokens: hclwrite.TokensForValue(cty.NumberIntVal(i))}
	}
	return value{tokens: hclwrite.TokensForValue(cty.StringVal(n))}
}

// varRef is var.NAME.
func varRef(name string) hclwrite.Tokens {
	return hclwrite.TokensForTraversal(hcl.Traversal{hcl.TraverseRoot{Name: "var"}, hcl.TraverseAttr{Name: name}})
}

// liveValue finds an attribute in live values case-insensitively.
func liveValue(m map[string]string, name string) (string, bool) {
	_, v, ok := engine.LookupFold(m, name)
	return v, ok
}

// context writes an attribute context: every attribute as the server
// shows it, in the catalogue's order (the server's for unknown contexts).
func (o *output) context(name, p string, s *engine.Context, obs *engine.Observed) (*hclwrite.Block, []pendingVar) {
	addr := "context." + name
	blk := hclwrite.NewBlock("context", []string{name})
	b := blk.Body()
	b.SetAttributeValue("hosts", cty.ListVal([]cty.Value{cty.StringVal(o.in.Host.Name)}))
	b.SetAttributeValue("path", cty.StringVal(p))
	set := b.AppendNewBlock("set", nil).Body()
	var vars []pendingVar

	type attr struct {
		name   string
		schema *engine.Attribute
	}
	var attrs []attr
	if s != nil {
		for i := range s.Attributes {
			attrs = append(attrs, attr{name: s.Attributes[i].Name, schema: &s.Attributes[i]})
		}
	} else {
		order := obs.Order
		if len(order) == 0 {
			order = sortedKeys(obs.Attrs)
		}
		for _, n := range order {
			attrs = append(attrs, attr{name: n})
		}
	}
	for _, at := range attrs {
		live, ok := liveValue(obs.Attrs, at.name)
		if !ok {
			continue // the server does not print it: nothing to keep
		}
		sa := at.schema
		switch {
		case !hclsyntax.ValidIdentifier(at.name) || !isASCII(at.name):
			o.comment(set, "%s: not imported: the name is not an HCL identifier.", clean(at.name))
			continue
		case sa != nil && sa.Prompted, sa == nil && live == maskedValue:
			o.comment(set, "%s is a write-only password (the CLI masks it): not imported.\n"+
				"To manage it, set it from a sensitive variable.", at.name)
			continue
		case sa != nil && o.in.Facts != nil && !sa.Releases.Contains(o.in.Facts.Release):
			o.comment(set, "%s: not imported: the catalogue has it on %s only, and %s runs %s.", sa.Name, sa.Releases, o.in.Host.Name, release(o.in.Facts))
			continue
		case sa != nil && sa.Sensitive, o.holdsSecret(live):
			an := at.name
			if sa != nil {
				an = sa.Name
			}
			vn := o.unique(name + "_" + snake(an))
			vars = append(vars, pendingVar{
				v:    Variable{Name: vn, Block: addr, Path: p, Attr: an, Row: -1},
				desc: fmt.Sprintf("%s of %s on %s (imported; supply the live value)", an, p, o.in.Host.Name),
			})
			set.SetAttributeRaw(an, varRef(vn))
			continue
		}
		v := typed(sa, live)
		if v.problem != "" {
			o.comment(set, "%s = %s\n  not imported, so plan leaves it as it is: %s.", at.name, v.shown, v.problem)
			continue
		}
		set.SetAttributeRaw(at.name, v.tokens)
	}
	for _, n := range sortedKeys(obs.Attrs) {
		if s != nil && s.Attribute(n) == nil {
			o.comment(set, "The server also prints %s, which the catalogue does not know: not imported.", clean(n))
		}
	}
	return blk, vars
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// table writes an exclusive table block with one row per live row. A row
// that cannot be kept as it is is left out, and exclusive is turned off so
// that plan does not delete it: a row holding a value bwstate cannot
// declare (one the configuration's injection rules refuse, such as a
// control character, or one that does not fit the catalogue) is written
// commented out with its exact live values, the others are listed.
func (o *output) table(name, p string, s *engine.Context, obs *engine.Observed) (*hclwrite.Block, []pendingVar) {
	addr := "table." + name
	blk := hclwrite.NewBlock("table", []string{name})
	b := blk.Body()
	b.SetAttributeValue("hosts", cty.ListVal([]cty.Value{cty.StringVal(o.in.Host.Name)}))
	b.SetAttributeValue("path", cty.StringVal(p))
	var (
		vars    []pendingVar
		rows    []tableEntry
		skipped []string
	)
	seen := map[string]int{}
	for i, live := range obs.Rows {
		rowBlock := hclwrite.NewBlock("row", nil)
		rowBody := rowBlock.Body()
		var rowVars []pendingVar
		var problem string
		var key []string
		// undeclarable is set when a value cannot be declared: the row is
		// then written commented out, every value as read.
		var undeclarable bool
		for _, col := range s.RowColumns() {
			v, ok := liveValue(live, col.Name)
			if !ok || (v == "" && !col.Key && col.Optional && col.Type != engine.TypeString) {
				if !ok && (col.Key || !col.Optional) {
					problem = fmt.Sprintf("the server did not print its %s", col.Name)
					undeclarable = false
					break
				}
				continue // an optional column the server left empty
			}
			if col.Key && v == "" {
				problem = fmt.Sprintf("its %s is empty, and a row key cannot be", col.Name)
				undeclarable = false
				break
			}
			if col.Sensitive || o.holdsSecret(v) {
				vn := o.unique(fmt.Sprintf("%s_row%d_%s", name, i+1, snake(col.Name)))
				rowVars = append(rowVars, pendingVar{
					v:    Variable{Name: vn, Block: addr, Path: p, Attr: col.Name, Row: i},
					desc: fmt.Sprintf("%s of row %d of %s on %s (imported; supply the live value)", col.Name, i+1, p, o.in.Host.Name),
				})
				rowBody.SetAttributeRaw(col.Name, varRef(vn))
				key = append(key, col.Name+"\x00"+v)
				continue
			}
			tv := typed(col, v)
			if tv.problem != "" {
				if problem == "" {
					problem = fmt.Sprintf("%s = %s: %s", col.Name, tv.shown, tv.problem)
					undeclarable = true
				}
				rowBody.SetAttributeRaw(col.Name, hclwrite.TokensForValue(cty.StringVal(v)))
				continue
			}
			rowBody.SetAttributeRaw(col.Name, tv.tokens)
			if col.Key || s.IDKeyed {
				n, _ := col.Normalize(v)
				key = append(key, col.Name+"\x00"+n)
			}
		}
		if problem == "" {
			k := strings.Join(key, "\x01")
			if first, dup := seen[k]; dup {
				problem = fmt.Sprintf("it is the same as row %d, and the configuration cannot declare a row twice", first)
			} else {
				seen[k] = i + 1
			}
		}
		switch {
		case problem == "":
			vars = append(vars, rowVars...)
			rows = append(rows, tableEntry{row: rowBlock})
		case undeclarable && len(rowVars) == 0:
			rows = append(rows, tableEntry{comment: fmt.Sprintf("row %d is not imported, so plan leaves it as it is: %s.\n"+
				"Its exact live values, as HCL reads them:\n%s", i+1, problem, blockText(rowBlock))})
			skipped = append(skipped, fmt.Sprintf("row %d (%s): commented out below.", i+1, o.rowText(s, live)))
		default:
			skipped = append(skipped, fmt.Sprintf("row %d (%s): not imported: %s.", i+1, o.rowText(s, live), problem))
		}
	}
	if len(skipped) == 0 {
		b.SetAttributeValue("exclusive", cty.True)
	} else {
		o.comment(b, "exclusive is off: with exclusive = true, plan would delete these live rows, which could\n"+
			"not be imported. Fix them on the server (or declare them by hand where the configuration\n"+
			"can hold them), then set exclusive = true.")
		for _, sk := range skipped {
			o.comment(b, "  %s", sk)
		}
		b.SetAttributeValue("exclusive", cty.False)
	}
	for _, e := range rows {
		if e.row != nil {
			b.AppendBlock(e.row)
			continue
		}
		o.comment(b, "%s", e.comment)
	}
	return blk, vars
}

// tableEntry is a row block, or a row written as a comment, in live order.
type tableEntry struct {
	row     *hclwrite.Block
	comment string
}

// blockText renders a block as formatted HCL without its final line end.
func blockText(blk *hclwrite.Block) string {
	f := hclwrite.NewEmptyFile()
	f.Body().AppendBlock(blk)
	return strings.TrimRight(string(hclwrite.Format(f.Bytes())), "\n")
}

// rowText identifies a row in a comment by its non-sensitive columns.
func (o *output) rowText(s *engine.Context, live map[string]string) string {
	var parts []string
	for i := range s.Attributes {
		a := &s.Attributes[i]
		v, ok := liveValue(live, a.Name)
		if !ok {
			continue
		}
		switch {
		case a.Sensitive || o.holdsSecret(v):
			v = "(sensitive)"
		case v == "" || strings.ContainsAny(v, " \"") || clean(v) != v:
			v = hclString(v)
		}
		parts = append(parts, a.Name+"="+v)
	}
	return strings.Join(parts, " ")
}

// isASCII reports whether s is plain ASCII: the configuration refuses other
// attribute names, so an import must not write one.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
