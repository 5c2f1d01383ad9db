package sim

import (
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// Lab is a parsed lab file: the simulated hosts to serve.
type Lab struct {
	Hosts []*HostConfig

	// scripts are the parsed transcripts of replay hosts, by host name.
	scripts map[string]*replayScript
}

// HostConfig declares one simulated host.
type HostConfig struct {
	// Name identifies the host in the fleet, the command log and the shell
	// prompt (unless Hostname is set).
	Name string
	// Listen is "IP:PORT"; port 0 picks a free port.
	Listen string
	// Type is the server type in lower case: xsp, adp, as, ns, ps, ms, nds,
	// nfm, dbs, scf or xs.
	Type string
	// Release as bwshowver prints it: "Rel_22.0_1.1123", "Rel_2022.11_1.273".
	Release string
	// Hostname is the server name in prompts and healthmon ("" = Name).
	Hostname string
	// Patches are the active patch names bwshowver lists.
	Patches []string
	// Applications run on the host (nil = the type's defaults).
	Applications []string
	// Contexts are initial attribute values: canonical path -> attribute ->
	// value in CLI form.
	Contexts map[string]map[string]string
	// Tables are initial rows: canonical path -> rows of attribute -> value.
	Tables map[string][]map[string]string
	// Alarms raised at start (in addition to the CAP alarm the release and
	// CAPProxy imply). ID and Time are assigned when zero.
	Alarms []Alarm
	// RestartDelay is how long an application stays Starting after
	// restartbw/startbw. Zero completes a start at once.
	RestartDelay time.Duration
	// RestartWarning selects the reply to a restart-requiring change:
	// "warning" (or ""), "warning+done" or "alternative".
	RestartWarning string
	// SizeConfirmRows is the row count from which get and list ask for
	// confirmation first (0 = 20).
	SizeConfirmRows int
	// SizeConfirmWording selects that question: "access" (or "") prints
	// `About to access N entries. Continue?`, "filter" prints
	// `About to filter through N entries. Continue?`.
	SizeConfirmWording string
	// TableLayout aligns table cells: "right" (or ""), "left", or "mixed"
	// (numbers right-aligned, everything else left-aligned).
	TableLayout string
	// ShellPrompt is the shell prompt's text; {host} stands for the
	// hostname and {time} for the current time as HH:MM:SS ("" =
	// DefaultShellPrompt).
	ShellPrompt string
	// BwshowverPatches selects how bwshowver shows active patches: "names"
	// (or "": the count, then one line per patch) or "count" (the count
	// only, as release 24 prints it).
	BwshowverPatches string
	// Showrun selects what showrun prints: "table" (or ""), "absent" (the
	// shell has no such command) or "unparseable" (a process listing
	// without application states).
	Showrun string
	// Motd is printed when a PTY shell starts: "" prints
	// `Last login: <date> from <client ip>`, "none" prints nothing, any
	// other text (several lines too) is printed as it is.
	Motd string
	// AuthMethods are the SSH authentication methods the host accepts, of
	// "publickey", "password" and "keyboard-interactive" (nil = all three),
	// like sshd's AuthenticationMethods/PasswordAuthentication settings.
	AuthMethods []string
	// Faults are the initial fault knobs; Host.SetFaults changes them.
	Faults Faults
	// Replay, when set, is the path of a session transcript the host
	// answers from instead of simulating a server (docs/simulator.md,
	// "Replay"); Type and Release are then optional and the fields that
	// shape a simulated server are not used.
	Replay string
}

// AuthMethodNames are the methods HostConfig.AuthMethods may name.
var AuthMethodNames = []string{"publickey", "password", "keyboard-interactive"}

func checkAuthMethods(ms []string) error {
	for _, m := range ms {
		if !slices.Contains(AuthMethodNames, m) {
			return fmt.Errorf("auth method %q is not one of %s", m, strings.Join(AuthMethodNames, ", "))
		}
	}
	return nil
}

// Faults are the misbehaviours a host can be told to show.
type Faults struct {
	// Latency is applied before each reply to a shell or CLI command.
	Latency time.Duration
	// BwcliDelay is applied before bwcli prints its banner.
	BwcliDelay time.Duration
	// Refuse closes every accepted TCP connection at once.
	Refuse bool
	// DropAfter > 0 closes the connection when the command after the
	// DropAfter-th arrives (counted per connection, shell and cli).
	DropAfter int
	// RejectAuth fails every authentication attempt.
	RejectAuth bool
	// WrongHostKey presents a different (also persistent) host key.
	WrongHostKey bool
	// FailNextSet, when not empty, is printed instead of performing the
	// next `set`; it is then cleared.
	FailNextSet string
	// NeverHealthy keeps restarted applications Starting forever.
	NeverHealthy bool
	// BwcliHang makes bwcli print its banner but never a prompt.
	BwcliHang bool
	// Garbage prints a line of random bytes after each command's output.
	Garbage bool
}

// DefaultFailNextSetText is the CLI error `fail_next_set = true` prints.
const DefaultFailNextSetText = "[CLIError] Command set: Failed to update the configuration"

// Restart warning choices.
const (
	RestartWarningPlain       = "warning"
	RestartWarningDone        = "warning+done"
	RestartWarningAlternative = "alternative"
)

// Choices of the variant attributes (HostConfig fields of the same names).
const (
	TableLayoutRight = "right"
	TableLayoutLeft  = "left"
	TableLayoutMixed = "mixed"

	PatchesNames = "names"
	PatchesCount = "count"

	ShowrunTable       = "table"
	ShowrunAbsent      = "absent"
	ShowrunUnparseable = "unparseable"

	SizeConfirmAccess = "access"
	SizeConfirmFilter = "filter"
)

// DefaultShellPrompt is the shell prompt of a host whose lab sets none.
const DefaultShellPrompt = "bwadmin@{host}$ "

// DefaultSizeConfirmRows is the table size from which get and list ask for
// confirmation when the lab does not say.
const DefaultSizeConfirmRows = 20

// choiceAttrs are the lab attributes that take one word of a fixed list.
var choiceAttrs = map[string][]string{
	"restart_warning":      {RestartWarningPlain, RestartWarningDone, RestartWarningAlternative},
	"table_layout":         {TableLayoutRight, TableLayoutLeft, TableLayoutMixed},
	"bwshowver_patches":    {PatchesNames, PatchesCount},
	"showrun":              {ShowrunTable, ShowrunAbsent, ShowrunUnparseable},
	"size_confirm_wording": {SizeConfirmAccess, SizeConfirmFilter},
}

type choiceField struct {
	attr  string
	field *string
}

// choiceFields pairs each one-word attribute with its field, in lab order.
func (hc *HostConfig) choiceFields() []choiceField {
	return []choiceField{
		{"restart_warning", &hc.RestartWarning}, {"table_layout", &hc.TableLayout},
		{"bwshowver_patches", &hc.BwshowverPatches}, {"showrun", &hc.Showrun},
		{"size_confirm_wording", &hc.SizeConfirmWording},
	}
}

// checkChoice reports an error unless v is "" or one of attr's choices.
func checkChoice(attr, v string) error {
	if v == "" || slices.Contains(choiceAttrs[attr], v) {
		return nil
	}
	return fmt.Errorf("%s %q is not one of %s", attr, v, quoteList(choiceAttrs[attr]))
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

var placeholderPattern = regexp.MustCompile(`\{[^{}]*\}`)

// checkShellPrompt checks a shell_prompt: one line of printable text whose
// only placeholders are {host} and {time}.
func checkShellPrompt(p string) error {
	if p == "" {
		return errors.New("a shell prompt cannot be empty")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("a shell prompt is one line of printable text; it contains %q", r)
		}
	}
	for _, ph := range placeholderPattern.FindAllString(p, -1) {
		if ph != "{host}" && ph != "{time}" {
			return fmt.Errorf("unknown placeholder %s: a shell prompt may use {host} (the hostname) and {time} (HH:MM:SS)", ph)
		}
	}
	return nil
}

// Alarm is one raised alarm of Monitoring/Alarm/AlarmsTable.
type Alarm struct {
	ID          int
	Time        time.Time
	Name        string
	Severity    string
	Correlation string
}

// alarmSeverities are the severities an alarm block accepts.
var alarmSeverities = []string{"Critical", "Major", "Minor", "Warning", "Informational"}

var releasePattern = regexp.MustCompile(`^Rel_(\d+)\.(\d+|sp\d+)_\d+\.\d+$`)

// releaseNumber returns the release as a number (22.0, 2022.11); a
// service pack (Rel_21.sp1_1.551) is its release's number, 21.0.
func releaseNumber(rel string) (float64, error) {
	m := releasePattern.FindStringSubmatch(rel)
	if m == nil {
		return 0, fmt.Errorf("release %q does not look like Rel_22.0_1.1123, Rel_21.sp1_1.551 or Rel_2022.11_1.273", rel)
	}
	minor := m[2]
	if strings.HasPrefix(minor, "sp") {
		minor = "0"
	}
	f, err := strconv.ParseFloat(m[1]+"."+minor, 64)
	if err != nil {
		return 0, fmt.Errorf("release %q: %w", rel, err)
	}
	return f, nil
}

// LoadLab reads and parses a lab file.
func LoadLab(path string) (*Lab, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read lab file", Detail: err.Error()}}
	}
	return ParseLab(src, path)
}

var labSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{{Type: "sim_host", LabelNames: []string{"name"}}},
}

var hostSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "listen", Required: true},
		{Name: "type"},
		{Name: "release"},
		{Name: "replay"},
		{Name: "hostname"},
		{Name: "patches"},
		{Name: "applications"},
		{Name: "restart_delay"},
		{Name: "restart_warning"},
		{Name: "size_confirm_rows"},
		{Name: "size_confirm_wording"},
		{Name: "table_layout"},
		{Name: "shell_prompt"},
		{Name: "bwshowver_patches"},
		{Name: "showrun"},
		{Name: "motd"},
		{Name: "auth_methods"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "context", LabelNames: []string{"path"}},
		{Type: "table", LabelNames: []string{"path"}},
		{Type: "alarm"},
		{Type: "fault"},
	},
}

var tableSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "row"}}}

var alarmSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "name", Required: true},
		{Name: "severity"},
		{Name: "correlation"},
	},
}

var faultSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "latency"}, {Name: "bwcli_delay"}, {Name: "refuse"}, {Name: "drop_after"},
		{Name: "reject_auth"}, {Name: "wrong_host_key"}, {Name: "fail_next_set"},
		{Name: "never_healthy"}, {Name: "bwcli_hang"}, {Name: "garbage"},
	},
}

// ParseLab parses lab file source. filename names the file in diagnostics
// and locates it: replay paths are relative to its directory.
func ParseLab(src []byte, filename string) (*Lab, hcl.Diagnostics) {
	return parseLab(src, filename, filepath.Dir(filename), readTranscript)
}

// ParseLabAt is ParseLab for a lab file whose directory is dir, when
// filename (as the user typed it) does not locate it.
func ParseLabAt(src []byte, filename, dir string) (*Lab, hcl.Diagnostics) {
	return parseLab(src, filename, dir, readTranscript)
}

// parseLab parses a lab file, reading replay transcripts with readFile.
func parseLab(src []byte, filename, dir string, readFile func(string) ([]byte, error)) (*Lab, hcl.Diagnostics) {
	f, diags := hclparse.NewParser().ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	content, d := f.Body.Content(labSchema)
	diags = append(diags, d...)
	cat := newCatalogue()
	lab := &Lab{scripts: map[string]*replayScript{}}
	names := map[string]hcl.Range{}
	listens := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		hc, script, listenRange, d := decodeHost(&hostDecoder{cat: cat, dir: dir, readFile: readFile}, b)
		diags = append(diags, d...)
		if hc == nil {
			continue
		}
		if prev, dup := names[hc.Name]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError, Summary: "Duplicate sim_host",
				Detail:  fmt.Sprintf("A sim_host named %q was already declared at %s.", hc.Name, prev),
				Subject: b.LabelRanges[0].Ptr(),
			})
			continue
		}
		names[hc.Name] = b.DefRange
		if hc.Listen != "" && !strings.HasSuffix(hc.Listen, ":0") {
			if prev, dup := listens[hc.Listen]; dup {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Duplicate listen address",
					Detail:  fmt.Sprintf("Address %s is already used by the sim_host declared at %s.", hc.Listen, prev),
					Subject: listenRange.Ptr(),
				})
				continue
			}
			listens[hc.Listen] = b.DefRange
		}
		lab.Hosts = append(lab.Hosts, hc)
		if script != nil {
			lab.scripts[hc.Name] = script
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return lab, diags
}

// hostDecoder collects one sim_host block's diagnostics.
type hostDecoder struct {
	cat      *catalogue
	dir      string
	readFile func(string) ([]byte, error)
	diags    hcl.Diagnostics
}

func (d *hostDecoder) errorf(rng hcl.Range, summary, format string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng.Ptr(),
	})
}

// value evaluates an attribute's expression (constants only).
func (d *hostDecoder) value(a *hcl.Attribute) (cty.Value, bool) {
	v, diags := a.Expr.Value(nil)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if v.IsNull() {
		d.errorf(a.Expr.Range(), "Invalid value", "%s must not be null.", a.Name)
		return cty.NilVal, false
	}
	return v, true
}

func (d *hostDecoder) str(a *hcl.Attribute) (string, bool) {
	v, ok := d.value(a)
	if !ok {
		return "", false
	}
	if v.Type() != cty.String {
		d.errorf(a.Expr.Range(), "Invalid value", "%s must be a string.", a.Name)
		return "", false
	}
	return v.AsString(), true
}

// choice decodes an attribute that takes one word of choiceAttrs.
func (d *hostDecoder) choice(a *hcl.Attribute) (string, bool) {
	s, ok := d.str(a)
	if !ok {
		return "", false
	}
	if !slices.Contains(choiceAttrs[a.Name], s) {
		d.errorf(a.Expr.Range(), "Invalid "+a.Name, "%s is one of %s.", a.Name, quoteList(choiceAttrs[a.Name]))
		return "", false
	}
	return s, true
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (d *hostDecoder) boolean(a *hcl.Attribute) (bool, bool) {
	v, ok := d.value(a)
	if !ok {
		return false, false
	}
	if v.Type() != cty.Bool {
		d.errorf(a.Expr.Range(), "Invalid value", "%s must be true or false.", a.Name)
		return false, false
	}
	return v.True(), true
}

func (d *hostDecoder) integer(a *hcl.Attribute, min int) (int, bool) {
	v, ok := d.value(a)
	if !ok {
		return 0, false
	}
	if v.Type() == cty.Number {
		bf := v.AsBigFloat()
		if n, acc := bf.Int64(); acc == big.Exact && n >= int64(min) && n < 1<<31 {
			return int(n), true
		}
	}
	d.errorf(a.Expr.Range(), "Invalid value", "%s must be a whole number of at least %d.", a.Name, min)
	return 0, false
}

func (d *hostDecoder) duration(a *hcl.Attribute) (time.Duration, bool) {
	s, ok := d.str(a)
	if !ok {
		return 0, false
	}
	dur, err := time.ParseDuration(s)
	if err != nil || dur < 0 {
		d.errorf(a.Expr.Range(), "Invalid duration", "%s must be a duration such as \"2s\" or \"150ms\".", a.Name)
		return 0, false
	}
	return dur, true
}

func (d *hostDecoder) strList(a *hcl.Attribute) ([]string, bool) {
	v, ok := d.value(a)
	if !ok {
		return nil, false
	}
	if !v.Type().IsListType() && !v.Type().IsTupleType() {
		d.errorf(a.Expr.Range(), "Invalid value", "%s must be a list of strings.", a.Name)
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String || e.AsString() == "" {
			d.errorf(a.Expr.Range(), "Invalid value", "%s must be a list of non-empty strings.", a.Name)
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// cliValue turns an HCL constant into the text typed at the CLI.
func (d *hostDecoder) cliValue(a *hcl.Attribute) (string, bool) {
	v, ok := d.value(a)
	if !ok {
		return "", false
	}
	switch v.Type() {
	case cty.String:
		return v.AsString(), true
	case cty.Bool:
		return strconv.FormatBool(v.True()), true
	case cty.Number:
		bf := v.AsBigFloat()
		if n, acc := bf.Int64(); acc == big.Exact {
			return strconv.FormatInt(n, 10), true
		}
	}
	d.errorf(a.Expr.Range(), "Invalid value", "%s must be a string, a whole number or a boolean.", a.Name)
	return "", false
}

func decodeHost(d *hostDecoder, b *hcl.Block) (*HostConfig, *replayScript, hcl.Range, hcl.Diagnostics) {
	cat := d.cat
	hc := &HostConfig{Name: b.Labels[0], RestartDelay: 2 * time.Second}
	if !validName(hc.Name) {
		d.errorf(b.LabelRanges[0], "Invalid host name", "A sim_host name is letters, digits, '-', '_' and '.', starting with a letter or digit.")
	}
	content, diags := b.Body.Content(hostSchema)
	d.diags = append(d.diags, diags...)
	var listenRange hcl.Range
	if a := content.Attributes["listen"]; a != nil {
		listenRange = a.Expr.Range()
		if s, ok := d.str(a); ok {
			if err := checkListen(s); err != nil {
				d.errorf(a.Expr.Range(), "Invalid listen address", "%s.", err)
			}
			hc.Listen = s
		}
	}
	if a := content.Attributes["type"]; a != nil {
		if s, ok := d.str(a); ok {
			hc.Type = strings.ToLower(s)
			if _, known := cat.types[hc.Type]; !known {
				d.errorf(a.Expr.Range(), "Unsupported server type", "The simulator emulates %s.", strings.Join(sortedKeys(cat.types), ", "))
				hc.Type = ""
			}
		}
	}
	if a := content.Attributes["release"]; a != nil {
		if s, ok := d.str(a); ok {
			if _, err := releaseNumber(s); err != nil {
				d.errorf(a.Expr.Range(), "Invalid release", "%s.", err)
			}
			hc.Release = s
		}
	}
	var script *replayScript
	replay := content.Attributes["replay"]
	if replay != nil {
		script = d.decodeReplay(hc, replay)
		d.checkReplayOnly(content)
	} else {
		for _, name := range []string{"type", "release"} {
			if content.Attributes[name] == nil {
				d.diags = append(d.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError, Summary: "Missing required argument",
					Detail:  fmt.Sprintf("The argument %q is required, but no definition was found.", name),
					Subject: b.Body.MissingItemRange().Ptr(),
				})
			}
		}
	}
	if a := content.Attributes["hostname"]; a != nil {
		if s, ok := d.str(a); ok {
			if !validName(s) {
				d.errorf(a.Expr.Range(), "Invalid hostname", "A hostname is letters, digits, '-', '_' and '.'.")
			}
			hc.Hostname = s
		}
	}
	if a := content.Attributes["patches"]; a != nil {
		hc.Patches, _ = d.strList(a)
	}
	if a := content.Attributes["applications"]; a != nil {
		if apps, ok := d.strList(a); ok {
			if err := checkApps(apps); err != nil {
				d.errorf(a.Expr.Range(), "Invalid applications", "%s.", err)
			}
			hc.Applications = apps
		}
	}
	if a := content.Attributes["restart_delay"]; a != nil {
		hc.RestartDelay, _ = d.duration(a)
	}
	for _, c := range hc.choiceFields() {
		if a := content.Attributes[c.attr]; a != nil {
			*c.field, _ = d.choice(a)
		}
	}
	if a := content.Attributes["size_confirm_rows"]; a != nil {
		hc.SizeConfirmRows, _ = d.integer(a, 1)
	}
	if a := content.Attributes["shell_prompt"]; a != nil {
		if s, ok := d.str(a); ok {
			if err := checkShellPrompt(s); err != nil {
				d.errorf(a.Expr.Range(), "Invalid shell_prompt", "%s.", capitalize(err.Error()))
			}
			hc.ShellPrompt = s
		}
	}
	if a := content.Attributes["auth_methods"]; a != nil {
		if ms, ok := d.strList(a); ok {
			if err := checkAuthMethods(ms); err != nil {
				d.errorf(a.Expr.Range(), "Invalid auth_methods", "%s.", err)
			}
			hc.AuthMethods = ms
		}
	}
	if a := content.Attributes["motd"]; a != nil {
		hc.Motd, _ = d.str(a)
		if hc.Motd == "" {
			hc.Motd = "none"
		}
	}
	apps := hc.Applications
	if apps == nil && hc.Type != "" {
		apps = cat.types[hc.Type].apps
	}
	faultSeen := false
	for _, blk := range content.Blocks {
		if replay != nil && blk.Type != "fault" {
			continue // refused by checkReplayOnly
		}
		switch blk.Type {
		case "context":
			d.decodeContext(hc, blk, apps)
		case "table":
			d.decodeTable(hc, blk, apps)
		case "alarm":
			d.decodeAlarm(hc, blk)
		case "fault":
			if faultSeen {
				d.errorf(blk.DefRange, "Duplicate fault block", "A sim_host has at most one fault block.")
				continue
			}
			faultSeen = true
			d.decodeFaults(hc, blk, replay != nil)
		}
	}
	if d.diags.HasErrors() {
		return nil, nil, listenRange, d.diags
	}
	return hc, script, listenRange, d.diags
}

func (d *hostDecoder) decodeContext(hc *HostConfig, blk *hcl.Block, apps []string) {
	if hc.Type == "" {
		return
	}
	n := d.cat.lookup(hc.Type, blk.Labels[0])
	if n == nil || n.kind != attrNode {
		what := "has no context"
		if n != nil {
			what = "has no attribute context"
		}
		d.errorf(blk.LabelRanges[0], "Unknown context", "A %s host %s %q in the simulator's catalogue.", hc.Type, what, blk.Labels[0])
		return
	}
	attrs, diags := blk.Body.JustAttributes()
	d.diags = append(d.diags, diags...)
	if hc.Contexts == nil {
		hc.Contexts = map[string]map[string]string{}
	}
	vals := hc.Contexts[n.path]
	if vals == nil {
		vals = map[string]string{}
		hc.Contexts[n.path] = vals
	}
	for _, a := range sortedAttrs(attrs) {
		spec := n.attr(a.Name)
		if spec == nil {
			d.errorf(a.NameRange, "Unknown attribute", "Context %s has no attribute %q; it has %s.", n.path, a.Name, attrNames(n))
			continue
		}
		s, ok := d.cliValue(a)
		if !ok {
			continue
		}
		norm, ok := spec.normalize(s, apps)
		if !ok {
			d.errorf(a.Expr.Range(), "Invalid value", "%q is not a valid %s: %s.", s, spec.name, spec.specLine(apps))
			continue
		}
		if _, dup := vals[spec.name]; dup {
			d.errorf(a.NameRange, "Duplicate attribute", "%s is set twice for context %s.", spec.name, n.path)
			continue
		}
		vals[spec.name] = norm
	}
}

func (d *hostDecoder) decodeTable(hc *HostConfig, blk *hcl.Block, apps []string) {
	if hc.Type == "" {
		return
	}
	n := d.cat.lookup(hc.Type, blk.Labels[0])
	if n == nil || n.kind != tableNode {
		detail := fmt.Sprintf("A %s host has no table context %q in the simulator's catalogue.", hc.Type, blk.Labels[0])
		if n != nil && n.kind == alarmNode {
			detail = "Raise alarms with alarm blocks instead."
		}
		d.errorf(blk.LabelRanges[0], "Unknown table", "%s", detail)
		return
	}
	content, diags := blk.Body.Content(tableSchema)
	d.diags = append(d.diags, diags...)
	if hc.Tables == nil {
		hc.Tables = map[string][]map[string]string{}
	}
	rows := hc.Tables[n.path]
	for _, rb := range content.Blocks {
		attrs, diags := rb.Body.JustAttributes()
		d.diags = append(d.diags, diags...)
		raw := map[string]string{}
		bad := false
		for _, a := range sortedAttrs(attrs) {
			spec := n.attr(a.Name)
			if spec == nil || (n.idKeyed && spec.key) {
				d.errorf(a.NameRange, "Unknown column", "Table %s has no column %q to declare; it has %s.", n.path, a.Name, columnNames(n))
				bad = true
				continue
			}
			s, ok := d.cliValue(a)
			if !ok {
				bad = true
				continue
			}
			raw[spec.name] = s
		}
		if bad {
			continue
		}
		row, err := buildRow(n, raw, apps)
		if err != nil {
			d.errorf(rb.DefRange, "Invalid row", "%s.", err)
			continue
		}
		if i := findRow(n, rows, row); i >= 0 {
			d.errorf(rb.DefRange, "Duplicate row", "Table %s already has a row with this key.", n.path)
			continue
		}
		rows = append(rows, row)
	}
	hc.Tables[n.path] = rows
}

func (d *hostDecoder) decodeAlarm(hc *HostConfig, blk *hcl.Block) {
	content, diags := blk.Body.Content(alarmSchema)
	d.diags = append(d.diags, diags...)
	al := Alarm{Severity: "Critical"}
	if a := content.Attributes["name"]; a != nil {
		if s, ok := d.str(a); ok {
			if s == "" || strings.ContainsAny(s, " \t") {
				d.errorf(a.Expr.Range(), "Invalid alarm name", "An alarm name is one word, e.g. bwOpenClientServerASConnFailed.")
			}
			al.Name = s
		}
	}
	if a := content.Attributes["severity"]; a != nil {
		if s, ok := d.str(a); ok {
			al.Severity = ""
			for _, sev := range alarmSeverities {
				if strings.EqualFold(sev, s) {
					al.Severity = sev
				}
			}
			if al.Severity == "" {
				d.errorf(a.Expr.Range(), "Invalid severity", "severity is one of %s.", strings.Join(alarmSeverities, ", "))
			}
		}
	}
	if a := content.Attributes["correlation"]; a != nil {
		al.Correlation, _ = d.str(a)
	}
	hc.Alarms = append(hc.Alarms, al)
}

func (d *hostDecoder) decodeFaults(hc *HostConfig, blk *hcl.Block, replay bool) {
	content, diags := blk.Body.Content(faultSchema)
	d.diags = append(d.diags, diags...)
	f := &hc.Faults
	for _, a := range sortedAttrs(content.Attributes) {
		name := a.Name
		if replay && slices.Contains(simOnlyFaults, name) {
			d.errorf(a.NameRange, "Not used by a replay host", "The fault %s needs a simulated server; a replay host answers from its transcript and applies only %s.", name, strings.Join(replayFaults, ", "))
			continue
		}
		switch name {
		case "latency":
			f.Latency, _ = d.duration(a)
		case "bwcli_delay":
			f.BwcliDelay, _ = d.duration(a)
		case "refuse":
			f.Refuse, _ = d.boolean(a)
		case "drop_after":
			f.DropAfter, _ = d.integer(a, 0)
		case "reject_auth":
			f.RejectAuth, _ = d.boolean(a)
		case "wrong_host_key":
			f.WrongHostKey, _ = d.boolean(a)
		case "fail_next_set":
			v, ok := d.value(a)
			if !ok {
				continue
			}
			switch {
			case v.Type() == cty.Bool && v.True():
				f.FailNextSet = DefaultFailNextSetText
			case v.Type() == cty.Bool:
				f.FailNextSet = ""
			case v.Type() == cty.String && v.AsString() != "" && !strings.ContainsAny(v.AsString(), "\r\n"):
				f.FailNextSet = v.AsString()
			default:
				d.errorf(a.Expr.Range(), "Invalid value", "fail_next_set is true, false, or the one-line text of the CLI error to print.")
			}
		case "never_healthy":
			f.NeverHealthy, _ = d.boolean(a)
		case "bwcli_hang":
			f.BwcliHang, _ = d.boolean(a)
		case "garbage":
			f.Garbage, _ = d.boolean(a)
		}
	}
}

// simOnlyAttrs shape a simulated server; a replay host refuses them.
var simOnlyAttrs = []string{
	"hostname", "patches", "applications", "restart_delay", "restart_warning", "size_confirm_rows",
	"size_confirm_wording", "table_layout", "shell_prompt", "bwshowver_patches", "showrun", "motd",
}

// simOnlyFaults need a simulated server; replayFaults work on replay hosts
// too (they act on the connection and on each command received).
var (
	simOnlyFaults = []string{"bwcli_delay", "fail_next_set", "never_healthy", "bwcli_hang"}
	replayFaults  = []string{"latency", "refuse", "drop_after", "reject_auth", "wrong_host_key", "garbage"}
)

// decodeReplay reads and parses a replay host's transcript, relative to
// the lab file's directory.
func (d *hostDecoder) decodeReplay(hc *HostConfig, a *hcl.Attribute) *replayScript {
	p, ok := d.str(a)
	if !ok {
		return nil
	}
	if strings.TrimSpace(p) == "" {
		d.errorf(a.Expr.Range(), "Invalid replay", "replay is the path of a session transcript (recorded with BWSTATE_TRANSCRIPT_DIR), relative to the lab file.")
		return nil
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(d.dir, p)
	}
	hc.Replay = p
	data, err := d.readFile(p)
	if err != nil {
		d.errorf(a.Expr.Range(), "Cannot read replay transcript", "%s.", err)
		return nil
	}
	sc, err := parseReplay(data)
	if err != nil {
		var re *replayError
		where := p
		if errors.As(err, &re) && re.Line > 0 {
			where = fmt.Sprintf("%s:%d", p, re.Line)
			err = errors.New(re.Reason)
		}
		d.errorf(a.Expr.Range(), "Invalid replay transcript", "%s: %s.", where, err)
		return nil
	}
	return sc
}

// checkReplayOnly refuses what has no effect on a replay host.
func (d *hostDecoder) checkReplayOnly(content *hcl.BodyContent) {
	for _, a := range sortedAttrs(content.Attributes) {
		if slices.Contains(simOnlyAttrs, a.Name) {
			d.errorf(a.NameRange, "Not used by a replay host", "%s shapes a simulated server; a replay host answers from its transcript. Remove %s or the replay attribute.", a.Name, a.Name)
		}
	}
	for _, blk := range content.Blocks {
		if blk.Type != "fault" {
			d.errorf(blk.DefRange, "Not used by a replay host", "A %s block shapes a simulated server; a replay host answers from its transcript, whose state never changes.", blk.Type)
		}
	}
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func validName(s string) bool { return namePattern.MatchString(s) }

func checkListen(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not IP:PORT", s)
	}
	if net.ParseIP(host) == nil {
		return fmt.Errorf("%q: %q is not an IP address", s, host)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%q: %q is not a port number", s, port)
	}
	return nil
}

func checkApps(apps []string) error {
	if len(apps) == 0 {
		return fmt.Errorf("a host runs at least one application")
	}
	seen := map[string]bool{}
	for _, a := range apps {
		if !validName(a) {
			return fmt.Errorf("application %q: a name is letters, digits, '-', '_' and '.'", a)
		}
		if seen[strings.ToLower(a)] {
			return fmt.Errorf("application %q is listed twice", a)
		}
		seen[strings.ToLower(a)] = true
	}
	return nil
}

// buildRow validates a table row given as column name -> typed text and
// returns it normalised with every column present (defaults filled in).
// Id-keyed tables get no id here; the caller assigns it.
func buildRow(n *node, raw map[string]string, apps []string) (map[string]string, error) {
	row := map[string]string{}
	for name, v := range raw {
		spec := n.attr(name)
		if spec == nil {
			return nil, fmt.Errorf("table %s has no column %q", n.path, name)
		}
		if spec.optional && v == "" {
			// An empty optional column is unset (what clear leaves).
			row[spec.name] = ""
			continue
		}
		norm, ok := spec.normalize(v, apps)
		if !ok {
			return nil, fmt.Errorf("%q is not a valid %s: %s", v, spec.name, spec.specLine(apps))
		}
		row[spec.name] = norm
	}
	for i := range n.attrs {
		spec := &n.attrs[i]
		if n.idKeyed && spec.key {
			continue
		}
		if _, ok := row[spec.name]; ok {
			continue
		}
		if !spec.optional {
			return nil, fmt.Errorf("column %s is required", spec.name)
		}
		row[spec.name] = spec.def
	}
	if n.scheduler {
		if err := normalizeSchedule(row); err != nil {
			return nil, err
		}
	}
	return row, nil
}

// findRow returns the index of the row with the same key as row, or -1.
// Id-keyed tables have no natural key, so no row is ever a duplicate.
func findRow(n *node, rows []map[string]string, row map[string]string) int {
	if n.idKeyed {
		return -1
	}
	for i, r := range rows {
		same := true
		for _, k := range n.keys() {
			if r[k.name] != row[k.name] {
				same = false
				break
			}
		}
		if same {
			return i
		}
	}
	return -1
}

func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i].Range.Start.Byte < list[j].Range.Start.Byte
	})
	return list
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func attrNames(n *node) string {
	var names []string
	for _, a := range n.attrs {
		names = append(names, a.name)
	}
	return strings.Join(names, ", ")
}

func columnNames(n *node) string {
	var names []string
	for _, a := range n.attrs {
		if n.idKeyed && a.key {
			continue
		}
		names = append(names, a.name)
	}
	return strings.Join(names, ", ")
}

// validate checks a HostConfig built in Go (LoadLab has already checked
// lab files, with positions) and returns the first problem.
func (hc *HostConfig) validate(cat *catalogue) error {
	if !validName(hc.Name) {
		return fmt.Errorf("host %q: invalid name", hc.Name)
	}
	if err := checkListen(hc.Listen); err != nil {
		return fmt.Errorf("host %s: listen: %w", hc.Name, err)
	}
	if hc.Replay != "" {
		return hc.validateReplay(cat)
	}
	if _, ok := cat.types[hc.Type]; !ok {
		return fmt.Errorf("host %s: unsupported type %q", hc.Name, hc.Type)
	}
	if _, err := releaseNumber(hc.Release); err != nil {
		return fmt.Errorf("host %s: %w", hc.Name, err)
	}
	if hc.Applications != nil {
		if err := checkApps(hc.Applications); err != nil {
			return fmt.Errorf("host %s: %w", hc.Name, err)
		}
	}
	if err := checkAuthMethods(hc.AuthMethods); err != nil {
		return fmt.Errorf("host %s: %w", hc.Name, err)
	}
	for _, c := range hc.choiceFields() {
		if err := checkChoice(c.attr, *c.field); err != nil {
			return fmt.Errorf("host %s: %w", hc.Name, err)
		}
	}
	if hc.SizeConfirmRows < 0 {
		return fmt.Errorf("host %s: size_confirm_rows %d is negative", hc.Name, hc.SizeConfirmRows)
	}
	if hc.ShellPrompt != "" {
		if err := checkShellPrompt(hc.ShellPrompt); err != nil {
			return fmt.Errorf("host %s: shell_prompt: %w", hc.Name, err)
		}
	}
	apps := hc.apps(cat)
	for path, vals := range hc.Contexts {
		n := cat.lookup(hc.Type, path)
		if n == nil || n.kind != attrNode {
			return fmt.Errorf("host %s: no attribute context %q for type %s", hc.Name, path, hc.Type)
		}
		for attr, v := range vals {
			spec := n.attr(attr)
			if spec == nil {
				return fmt.Errorf("host %s: context %s has no attribute %q", hc.Name, n.path, attr)
			}
			if _, ok := spec.normalize(v, apps); !ok {
				return fmt.Errorf("host %s: %s %s: %q is not valid: %s", hc.Name, n.path, spec.name, v, spec.specLine(apps))
			}
		}
	}
	for path, rows := range hc.Tables {
		n := cat.lookup(hc.Type, path)
		if n == nil || n.kind != tableNode {
			return fmt.Errorf("host %s: no table context %q for type %s", hc.Name, path, hc.Type)
		}
		for _, r := range rows {
			raw := map[string]string{}
			for k, v := range r {
				if n.idKeyed && strings.EqualFold(k, "id") {
					continue
				}
				raw[k] = v
			}
			if _, err := buildRow(n, raw, apps); err != nil {
				return fmt.Errorf("host %s: %s: %w", hc.Name, n.path, err)
			}
		}
	}
	return nil
}

// validateReplay checks a replay host: what it has besides the transcript
// is the transport (address, authentication, faults) and, optionally, the
// type and release it reports.
func (hc *HostConfig) validateReplay(cat *catalogue) error {
	if _, ok := cat.types[hc.Type]; hc.Type != "" && !ok {
		return fmt.Errorf("host %s: unsupported type %q", hc.Name, hc.Type)
	}
	if hc.Release != "" {
		if _, err := releaseNumber(hc.Release); err != nil {
			return fmt.Errorf("host %s: %w", hc.Name, err)
		}
	}
	if err := checkAuthMethods(hc.AuthMethods); err != nil {
		return fmt.Errorf("host %s: %w", hc.Name, err)
	}
	if len(hc.Contexts) > 0 || len(hc.Tables) > 0 || len(hc.Alarms) > 0 {
		return fmt.Errorf("host %s: a replay host answers from its transcript and has no contexts, tables or alarms", hc.Name)
	}
	return nil
}

// apps returns the host's applications.
func (hc *HostConfig) apps(cat *catalogue) []string {
	if hc.Applications != nil {
		return hc.Applications
	}
	return cat.types[hc.Type].apps
}
