package broadworks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// ProbeStatus says how one check of a probe went.
type ProbeStatus int

const (
	// ProbeOK: the server's answer was recognised.
	ProbeOK ProbeStatus = iota
	// ProbeWarning: bwstate can work, but did not recognise everything
	// (an unusable showrun, a table read by counting its values).
	ProbeWarning
	// ProbeFailed: bwstate needs this and did not recognise it; plan or
	// apply would fail on this host, or worse.
	ProbeFailed
)

func (s ProbeStatus) String() string {
	switch s {
	case ProbeOK:
		return "ok"
	case ProbeWarning:
		return "warning"
	case ProbeFailed:
		return "FAILED"
	}
	return fmt.Sprintf("ProbeStatus(%d)", int(s))
}

// MarshalText renders the status as its String in lower case, for JSON.
func (s ProbeStatus) MarshalText() ([]byte, error) { return []byte(strings.ToLower(s.String())), nil }

// ProbeCheck is one thing bwstate relies on, checked on a server.
type ProbeCheck struct {
	// Step is what was sent or checked: "login", "bwshowver", "bwcli",
	// "list /Monitoring/Alarm/AlarmsTable", "get /PATH", "healthmon -l".
	Step   string      `json:"step"`
	Status ProbeStatus `json:"status"`
	// Detail is what was recognised, or why not, with the server's line
	// quoted.
	Detail string `json:"detail"`
}

// ProbeTarget is a context to read during a probe.
type ProbeTarget struct {
	Path string
	// Schema is the catalogue's context, nil when it does not know it.
	Schema *engine.Context
	// Secrets are the sensitive values the configuration declares there,
	// and SensitiveAttrs the attributes (columns) holding them: the probe's
	// transcript and report mask them, and whatever those attributes hold.
	Secrets        []string
	SensitiveAttrs []string
}

// ProbeReport is what a probe found on one host.
type ProbeReport struct {
	Host string `json:"host"`
	// Transcript is the file the session was recorded in, "" when none.
	Transcript string        `json:"transcript,omitempty"`
	Facts      *engine.Facts `json:"facts,omitempty"`
	Checks     []ProbeCheck  `json:"checks"`
}

// add records a check. A detail that starts with the step (the driver's
// errors name their command) does not repeat it.
func (r *ProbeReport) add(step string, st ProbeStatus, format string, args ...any) {
	detail := strings.TrimPrefix(fmt.Sprintf(format, args...), step+": ")
	r.Checks = append(r.Checks, ProbeCheck{Step: step, Status: st, Detail: detail})
}

// Worst returns the worst status of the report's checks.
func (r *ProbeReport) Worst() ProbeStatus {
	w := ProbeOK
	for _, c := range r.Checks {
		w = max(w, c.Status)
	}
	return w
}

// Probe is the first contact with a host, read-only: it connects and
// learns the prompts, runs each command bwstate relies on (bwshowver,
// bwcli, the alarms list, cd and get of each context targets returns for
// the host's facts, exit, healthmon -l, showrun) and checks every answer
// against what the driver recognises. It never writes; a check that fails
// names the line it did not recognise. targets may return an error (the
// configuration cannot be evaluated for this host), reported as a check.
func (p *Provider) Probe(ctx context.Context, h *engine.Host, targets func(*engine.Facts) ([]ProbeTarget, error)) *ProbeReport {
	r := &ProbeReport{Host: h.Name}
	add := func(step string, st ProbeStatus, format string, args ...any) {
		r.add(step, st, format, args...)
	}
	es, err := p.Open(ctx, h)
	if err != nil {
		add("login", ProbeFailed, "%v", err)
		return r
	}
	s := es.(*session)
	defer s.Close()
	if s.transcript != nil {
		r.Transcript = s.transcript.Name()
	}
	p.probe(ctx, s, targets, r)
	return r
}

// probe runs the checks of Probe on a session at the shell prompt.
func (p *Provider) probe(ctx context.Context, s *session, targets func(*engine.Facts) ([]ProbeTarget, error), r *ProbeReport) {
	h := s.host
	add := func(step string, st ProbeStatus, format string, args ...any) {
		r.add(step, st, format, args...)
	}
	how := "learned at login"
	if c, err := connection(h); err == nil && c.ShellPrompt != "" {
		how = "matched by shell_prompt"
	}
	add("login", ProbeOK, "shell prompt %q (%s)", s.cli.ShellPrompt(), how)

	// broken reports a session that cannot go on after err, and records
	// the steps left unchecked.
	broken := func(err error) bool {
		var ce *bwcli.ClosedError
		var te *bwcli.TimeoutError
		if errors.Is(err, bwcli.ErrBroken) || errors.Is(err, bwcli.ErrClosed) || errors.As(err, &ce) || errors.As(err, &te) || ctx.Err() != nil {
			add("probe", ProbeFailed, "the session cannot go on after the error above; the remaining checks were not made")
			return true
		}
		return false
	}

	facts := &engine.Facts{Patches: []string{}, Alarms: []string{}}
	v, err := s.cli.Version(ctx)
	if err != nil {
		add("bwshowver", ProbeFailed, "%v", err)
		if broken(err) {
			return
		}
	} else if vf, err := versionFacts(v); err != nil {
		add("bwshowver", ProbeFailed, "%v", err)
	} else {
		facts = vf
		add("bwshowver", ProbeOK, "%s %s: release %s, %s", v.ServerType, v.Release, facts.Release, patchSummary(v))
	}

	if err := s.toCLI(ctx); err != nil {
		add("bwcli", ProbeFailed, "%v", err)
		broken(err)
		return
	}
	s.typeFacts(facts)
	if !strings.EqualFold(s.hostType, h.Type) {
		add("bwcli", ProbeFailed, "the CLI root is %s, a %s server, but the configuration declares %s %s: fix the host's type", facts.TypeShown, s.hostType, h.Name, h.Type)
	} else {
		add("bwcli", ProbeOK, "CLI prompt %q: root %s, type %s", strings.TrimSpace(s.cli.Prompt()), facts.TypeShown, facts.Type)
	}

	alarms, err := s.cli.Alarms(ctx)
	if err != nil {
		add("list /"+alarmsPath, ProbeFailed, "%v", cliError(err))
		if broken(err) {
			return
		}
	} else {
		seen := map[string]bool{}
		for _, a := range alarms {
			if !seen[a.Name] {
				seen[a.Name] = true
				facts.Alarms = append(facts.Alarms, a.Name)
			}
		}
		sort.Strings(facts.Alarms)
		if len(alarms) == 0 {
			add("list /"+alarmsPath, ProbeOK, "no alarm raised")
		} else {
			add("list /"+alarmsPath, ProbeOK, "%d raised: %s", len(alarms), strings.Join(facts.Alarms, ", "))
		}
	}
	r.Facts = facts

	list, err := targets(facts)
	if err != nil {
		add("configuration", ProbeFailed, "%v", err)
	}
	for _, t := range list {
		if !p.probeContext(ctx, s, t, add) {
			broken(bwcli.ErrBroken)
			return
		}
	}

	if err := s.toShell(ctx); err != nil {
		add("exit", ProbeFailed, "%v", err)
		broken(err)
		return
	}
	add("exit", ProbeOK, "bwcli ended, back at the shell prompt")

	hl, err := s.cli.Health(ctx)
	switch {
	case err != nil:
		add("healthmon -l", ProbeFailed, "%v", err)
		if broken(err) {
			return
		}
	case hl.Healthy:
		add("healthmon -l", ProbeOK, "severity %s, no abnormal condition: healthy", hl.Severity)
	default:
		// Recognised: the report says the host is not healthy, which a
		// restart would wait on.
		add("healthmon -l", ProbeOK, "severity %s, not healthy now: %s", hl.Severity, strings.Join(hl.Abnormal, "; "))
	}

	apps, err := s.cli.Showrun(ctx)
	var ce *bwcli.CommandError
	var pe *bwcli.ParseError
	switch {
	case errors.As(err, &ce):
		add("showrun", ProbeWarning, "not usable (%s): health is decided by healthmon -l alone", oneLine(ce.Text))
	case errors.As(err, &pe):
		add("showrun", ProbeWarning, "output not understood (%v): health is decided by healthmon -l alone", pe)
	case err != nil:
		add("showrun", ProbeFailed, "%v", err)
	default:
		var names, unknown []string
		for _, a := range sortedNames(apps) {
			names = append(names, a+" "+apps[a])
			if bwcli.RunningState(apps[a]) == bwcli.StateUnknown {
				unknown = append(unknown, fmt.Sprintf("%s %q", a, apps[a]))
			}
		}
		if len(unknown) > 0 {
			add("showrun", ProbeWarning, "states bwstate does not know: %s; health is decided by healthmon -l alone for them", strings.Join(unknown, ", "))
		} else {
			add("showrun", ProbeOK, "%s: %s", counted(len(apps), "application"), strings.Join(names, ", "))
		}
	}
}

// probeContext enters a context and reads it as plan would, reporting
// what it recognised. It returns false when the session cannot go on.
func (p *Provider) probeContext(ctx context.Context, s *session, t ProbeTarget, add func(string, ProbeStatus, string, ...any)) bool {
	s.Redact(t.Secrets...)
	s.RedactAttributes(t.Path, t.SensitiveAttrs...)
	path := catalog.CanonicalPath(t.Path)
	canonical, err := s.cd(ctx, path)
	if err != nil {
		add("cd /"+path, ProbeFailed, "%v", cliError(err))
		return s.cli.Usable()
	}
	step := "get /" + canonical
	c, err := s.cli.Get(ctx, s.getOptions(t.Path, t.Schema))
	if err != nil {
		add(step, ProbeFailed, "%v", cliError(err))
		return s.cli.Usable()
	}
	schema := t.Schema
	switch {
	case c.Table != nil && schema != nil && schema.Kind != engine.TableContext:
		add(step, ProbeFailed, "the server prints a table where the catalogue expects attributes")
	case c.Table == nil && schema != nil && schema.Kind == engine.TableContext && len(c.Attrs) > 0:
		add(step, ProbeFailed, "the server prints attributes where the catalogue expects a table")
	case c.Table != nil:
		probeTable(step, c.Table, schema, add)
	case schema != nil && schema.Kind == engine.TableContext:
		add(step, ProbeOK, "an empty table (no rows, no header)")
	default:
		probeAttrs(step, c.Attrs, schema, add)
	}
	return true
}

// probeTable checks a table's columns against the catalogue's and reports
// rows read by counting their values.
func probeTable(step string, t *bwcli.Table, schema *engine.Context, add func(string, ProbeStatus, string, ...any)) {
	if schema != nil {
		if err := checkColumns(t, schema); err != nil {
			add(step, ProbeFailed, "%v", err)
			return
		}
		if err := formRows(schema, tableRows(t, schema)); err != nil {
			add(step, ProbeFailed, "%v", err)
			return
		}
	}
	for _, w := range t.Warnings {
		add(step, ProbeWarning, "%s", w)
	}
	add(step, ProbeOK, "a table of %s (%s), %s", counted(len(t.Columns), "column"), strings.Join(t.Columns, ", "), counted(len(t.Rows), "row"))
}

// probeAttrs reports an attribute context, and catalogue attributes the
// server does not print.
func probeAttrs(step string, attrs []bwcli.Attr, schema *engine.Context, add func(string, ProbeStatus, string, ...any)) {
	seen := map[string]bool{}
	for _, a := range attrs {
		seen[strings.ToLower(a.Name)] = true
	}
	if schema != nil {
		var missing []string
		for _, a := range schema.Attributes {
			if !seen[strings.ToLower(a.Name)] {
				missing = append(missing, a.Name)
			}
		}
		if len(missing) > 0 {
			add(step, ProbeWarning, "the server does not print %s, which the catalogue lists (another release?)", strings.Join(missing, ", "))
		}
	}
	add(step, ProbeOK, "%s", counted(len(attrs), "attribute"))
}

// patchSummary says what bwshowver printed about patches.
func patchSummary(v *bwcli.Version) string {
	patches := func(n int) string {
		if n == 1 {
			return "1 active patch"
		}
		return fmt.Sprintf("%d active patches", n)
	}
	switch {
	case len(v.PatchNames) > 0:
		return patches(max(v.Patches, len(v.PatchNames))) + ": " + strings.Join(v.PatchNames, ", ")
	case v.Patches > 0:
		return fmt.Sprintf("%s (no names printed: host.patches is empty, host.patch_count is %d)", patches(v.Patches), v.Patches)
	}
	return "no active patches"
}

func sortedNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// alarmsPath is the alarms table, read with `list`.
const alarmsPath = "Monitoring/Alarm/AlarmsTable"

// counted is "1 row", "2 rows", "0 rows".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
