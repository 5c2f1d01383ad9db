package broadworks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
	"github.com/bwstate/bwstate/providers/broadworks/sshconn"
)

// session is one host: one SSH connection, one PTY shell, one bwcli
// driver. The engine uses it from one goroutine at a time.
type session struct {
	p          *Provider
	host       *engine.Host
	client     *sshconn.Client
	shell      *sshconn.Shell
	cli        *bwcli.Session
	transcript *os.File
	hostType   string // from the CLI root once bwcli ran; else the declared type
	// masked are attribute names whose live values the transcript masks,
	// per context (lower-case path), besides the catalogue's sensitive
	// ones (RedactAttributes).
	masked map[string][]string
}

var (
	_ engine.Session  = (*session)(nil)
	_ engine.Redactor = (*session)(nil)
)

// Redact implements engine.Redactor: the values are masked in everything
// the session records from now on (bwcli.Session.AddSecrets).
func (s *session) Redact(values ...string) { s.cli.AddSecrets(values...) }

// RedactAttributes implements engine.Redactor: reads of the context mask
// the live values of these attributes (columns) as they do the catalogue's
// sensitive ones, and the session masks those values from then on.
func (s *session) RedactAttributes(path string, names ...string) {
	if len(names) == 0 {
		return
	}
	if s.masked == nil {
		s.masked = map[string][]string{}
	}
	k := strings.ToLower(catalog.CanonicalPath(path))
	s.masked[k] = append(s.masked[k], names...)
}

// getOptions are the options of a read of path: the catalogue's sensitive
// attributes and those the engine named (RedactAttributes) are masked.
func (s *session) getOptions(path string, schema *engine.Context) bwcli.GetOptions {
	names := sensitiveNames(schema)
	for _, n := range s.masked[strings.ToLower(catalog.CanonicalPath(path))] {
		names = append(names, n)
		if schema != nil {
			if a := schema.Attribute(n); a != nil && a.Column != "" {
				names = append(names, a.Column) // the title a table prints
			}
		}
	}
	return bwcli.GetOptions{Sensitive: names}
}

// inCLI reports whether bwcli is running.
func (s *session) inCLI() bool { return s.cli.Root() != "" }

// toCLI starts bwcli unless it runs already.
func (s *session) toCLI(ctx context.Context) error {
	if s.inCLI() {
		return nil
	}
	root, err := s.cli.StartCLI(ctx)
	if err != nil {
		// The driver's errors start with the command ("bwcli: ..."); a
		// prefix would only repeat it.
		return err
	}
	t, ok := catalog.TypeOfRoot(root)
	if !ok {
		return fmt.Errorf("bwcli: unknown CLI root %q", root)
	}
	s.hostType = t
	return nil
}

// toShell leaves bwcli when it runs, for the shell tools.
func (s *session) toShell(ctx context.Context) error {
	if !s.inCLI() {
		return nil
	}
	if err := s.cli.ExitCLI(ctx); err != nil {
		return fmt.Errorf("leave bwcli: %w", err)
	}
	return nil
}

// cd enters path unless the session is there already. A server that
// answers `Invalid command` does not have the context: the error names the
// host, the path and what to do.
func (s *session) cd(ctx context.Context, path string) (string, error) {
	p := catalog.CanonicalPath(path)
	if cur := s.cli.Path(); cur != "" && strings.EqualFold(cur, p) {
		return cur, nil
	}
	canonical, err := s.cli.Cd(ctx, p)
	var ne *bwcli.NavigationError
	if errors.As(err, &ne) && ne.Text != "" && bwcli.IsInvalidCommand(ne.Text) {
		where := "check the path, or take " + s.host.Name + " out of the resource's hosts"
		if schema, ok := s.p.cat.Lookup(s.typeForCatalogue(), p); ok && !catalog.Native(schema, s.typeForCatalogue()) {
			where = fmt.Sprintf("the catalogue lists it for %s servers, and this %s server does not have it: take %s out of the resource's hosts",
				strings.Join(schema.HostTypes, ", "), s.typeForCatalogue(), s.host.Name)
		}
		return "", &noContextError{msg: fmt.Sprintf("host %s has no context /%s: the server answered %q to `cd /%s`; %s", s.host.Name, p, oneLine(ne.Text), p, where), nav: ne}
	}
	return canonical, err
}

// noContextError is a cd the server refused with `Invalid command`: the
// host does not have the context. It wraps the *bwcli.NavigationError.
type noContextError struct {
	msg string
	nav *bwcli.NavigationError
}

func (e *noContextError) Error() string { return e.msg }
func (e *noContextError) Unwrap() error { return e.nav }

// Facts implements engine.Session: every fact (ReadFacts of
// engine.AllFacts).
func (s *session) Facts(ctx context.Context) (*engine.Facts, error) {
	return s.ReadFacts(ctx, engine.AllFacts)
}

var _ engine.FactsReader = (*session)(nil)

// ReadFacts implements engine.FactsReader: bwshowver at the shell when the
// release is asked for, then bwcli for the type (its root) and, when asked
// for, the raised alarms. The session stays in bwcli.
func (s *session) ReadFacts(ctx context.Context, req engine.FactsRequest) (*engine.Facts, error) {
	facts := &engine.Facts{}
	if req.Release {
		if err := s.toShell(ctx); err != nil {
			return nil, err
		}
		// The driver's errors start with the command ("bwshowver: ..."),
		// and the engine adds "read facts": no prefix here.
		v, err := s.cli.Version(ctx)
		if err != nil {
			return nil, err
		}
		if facts, err = versionFacts(v); err != nil {
			return nil, err
		}
	}
	if err := s.toCLI(ctx); err != nil {
		return nil, err
	}
	s.typeFacts(facts)
	if !req.Alarms {
		// Not read: nil, which the configuration sees as unknown.
		facts.Alarms = nil
		return facts, nil
	}
	alarms, err := s.cli.Alarms(ctx)
	if err != nil {
		return nil, fmt.Errorf("list alarms: %w", cliError(err))
	}
	seen := map[string]bool{}
	names := []string{}
	for _, a := range alarms {
		if !seen[a.Name] {
			seen[a.Name] = true
			names = append(names, a.Name)
		}
	}
	sort.Strings(names)
	facts.Alarms = names
	return facts, nil
}

// versionFacts are the facts bwshowver gives: the release and the patches.
func versionFacts(v *bwcli.Version) (*engine.Facts, error) {
	release, err := engine.ParseRelease(v.NumberText)
	if err != nil {
		return nil, fmt.Errorf("bwshowver: release %s: %w", v.Release, err)
	}
	patches := v.PatchNames
	if patches == nil {
		patches = []string{}
	}
	return &engine.Facts{
		Release:       release,
		ReleaseString: v.Release,
		Patches:       patches,
		PatchCount:    max(v.Patches, len(patches)),
		Alarms:        []string{},
	}, nil
}

// typeFacts records the server's type, which the CLI's root shows.
func (s *session) typeFacts(f *engine.Facts) {
	f.Type, f.TypeShown, f.TypeShownBy = s.hostType, s.cli.Root(), "the server's CLI"
}

// Read implements engine.Session.
func (s *session) Read(ctx context.Context, path string, schema *engine.Context) (*engine.Observed, error) {
	if err := s.toCLI(ctx); err != nil {
		return nil, err
	}
	if isAlarmsTable(path) {
		return s.readAlarms(ctx, schema)
	}
	canonical, err := s.cd(ctx, path)
	if err != nil {
		return nil, cliError(err)
	}
	c, err := s.cli.Get(ctx, s.getOptions(path, schema))
	if err != nil {
		return nil, cliError(err)
	}
	obs := &engine.Observed{Path: canonical}
	switch {
	case c.Table != nil:
		if schema != nil && schema.Kind != engine.TableContext {
			return nil, fmt.Errorf("/%s: the server prints a table where the catalogue expects attributes", canonical)
		}
		if err := checkColumns(c.Table, schema); err != nil {
			return nil, fmt.Errorf("/%s: %w", canonical, err)
		}
		obs.Kind = engine.TableContext
		obs.Rows = tableRows(c.Table, schema)
		if err := formRows(schema, obs.Rows); err != nil {
			return nil, err
		}
	default:
		if schema != nil && schema.Kind == engine.TableContext {
			if len(c.Attrs) > 0 {
				return nil, fmt.Errorf("/%s: the server prints attributes where the catalogue expects a table", canonical)
			}
			// An empty table prints nothing on some servers.
			obs.Kind, obs.Rows = engine.TableContext, []map[string]string{}
			break
		}
		obs.Kind = engine.AttributeContext
		obs.Attrs = make(map[string]string, len(c.Attrs))
		for _, a := range c.Attrs {
			obs.Attrs[a.Name] = a.Value
			obs.Order = append(obs.Order, a.Name)
		}
	}
	return obs, nil
}

func (s *session) readAlarms(ctx context.Context, schema *engine.Context) (*engine.Observed, error) {
	alarms, err := s.cli.Alarms(ctx)
	if err != nil {
		return nil, cliError(err)
	}
	obs := &engine.Observed{Path: s.cli.Path(), Kind: engine.TableContext, Rows: []map[string]string{}}
	for _, a := range alarms {
		obs.Rows = append(obs.Rows, map[string]string{
			"id": a.ID, "timestamp": a.Timestamp, "name": a.Name, "severity": a.Severity, "correlation": a.Correlation,
		})
	}
	return obs, nil
}

// sensitiveNames lists the attribute names and column titles of schema
// whose values must not reach a transcript.
func sensitiveNames(schema *engine.Context) []string {
	if schema == nil {
		return nil
	}
	var names []string
	for _, a := range schema.Attributes {
		if a.Sensitive {
			names = append(names, a.Name)
			if a.Column != "" {
				names = append(names, a.Column)
			}
		}
	}
	return names
}

// checkColumns fails a table that does not print every column the
// catalogue has a title for (under that title or the attribute's name):
// its rows would lack the value, and a row declared with it would never
// match one the server holds (a Scheduler task planned to be added again).
// A table without a header (no rows) has nothing to misread.
func checkColumns(t *bwcli.Table, schema *engine.Context) error {
	if schema == nil || len(t.Columns) == 0 {
		return nil
	}
	var missing []string
	for _, a := range schema.Attributes {
		if a.Column != "" && t.Column(a.Column) < 0 && t.Column(a.Name) < 0 {
			missing = append(missing, fmt.Sprintf("%q", a.Column))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	what := "the column"
	if len(missing) > 1 {
		what = "the columns"
	}
	return fmt.Errorf("the catalogue expects %s %s, the server prints %q: bwstate would misread this table, so it does not read it; report the layout (bwstate probe writes the transcript)",
		what, strings.Join(missing, ", "), strings.Join(t.Columns, "  "))
}

// tableRows maps column titles to the catalogue's attribute names; columns
// the catalogue does not know keep their title.
func tableRows(t *bwcli.Table, schema *engine.Context) []map[string]string {
	names := make([]string, len(t.Columns))
	for i, title := range t.Columns {
		names[i] = title
		if schema == nil {
			continue
		}
		for _, a := range schema.Attributes {
			if strings.EqualFold(a.Column, title) || strings.EqualFold(a.Name, title) {
				names[i] = a.Name
				break
			}
		}
	}
	rows := make([]map[string]string, 0, len(t.Rows))
	for _, r := range t.Rows {
		m := make(map[string]string, len(names))
		for i, v := range r {
			m[names[i]] = v
		}
		rows = append(rows, m)
	}
	return rows
}

// Exec implements engine.Session.
func (s *session) Exec(ctx context.Context, op engine.Op) (engine.Reply, error) {
	// Refuse an unsafe value before anything reaches the host: not even
	// the cd to its context may be sent for a write that cannot be made.
	if err := checkOp(op); err != nil {
		return engine.Reply{}, err
	}
	// Whatever the op carries as sensitive (a row key too, which the
	// command line holds) is masked from now on, in this command's
	// transcript and errors and in every later read.
	s.cli.AddSecrets(sensitiveOpValues(op)...)
	if err := s.toCLI(ctx); err != nil {
		return engine.Reply{}, err
	}
	if _, err := s.cd(ctx, op.Path); err != nil {
		return engine.Reply{}, cliError(err)
	}
	var (
		r   bwcli.Reply
		err error
	)
	setOpt := bwcli.SetOptions{Sensitive: op.Sensitive, Prompted: op.Prompted}
	switch op.Kind {
	case engine.OpSet:
		r, err = s.cli.Set(ctx, op.Attr, op.Value, setOpt)
	case engine.OpClear:
		r, err = s.cli.Clear(ctx, op.Attr)
	case engine.OpAddRow:
		var args []bwcli.Arg
		if args, err = s.addArgs(op); err == nil {
			r, err = s.cli.AddRow(ctx, args)
		}
	case engine.OpSetRow:
		if op.Value == "" && !op.Prompted {
			r, err = s.cli.ClearRow(ctx, fieldValues(op.Key), op.Attr)
		} else {
			r, err = s.cli.SetRow(ctx, fieldValues(op.Key), op.Attr, op.Value, setOpt)
		}
	case engine.OpDeleteRow:
		r, err = s.cli.DeleteRow(ctx, fieldValues(op.Key))
	default:
		return engine.Reply{}, fmt.Errorf("unknown operation %v", op.Kind)
	}
	if err != nil {
		return engine.Reply{}, cliError(err)
	}
	if r.Kind == bwcli.RestartRequired {
		return engine.Reply{Kind: engine.ReplyRestart, Text: r.Text}, nil
	}
	return engine.Reply{Kind: engine.ReplyDone, Text: r.Text}, nil
}

// sensitiveOpValues lists the values op marks sensitive.
func sensitiveOpValues(op engine.Op) []string {
	var out []string
	if op.Sensitive || op.Prompted {
		out = append(out, op.Value)
	}
	for _, fs := range [][]engine.Field{op.Key, op.Fields} {
		for _, f := range fs {
			if f.Sensitive {
				out = append(out, f.Value)
			}
		}
	}
	return out
}

// checkOp applies the driver's quoting rules to every name and value of op
// up front (the driver applies them again when it builds the command). The
// error names the attribute or column, never the value, which may be a
// secret.
func checkOp(op engine.Op) error {
	if err := bwcli.CheckPath(op.Path); err != nil {
		return fmt.Errorf("%s: %w", op.Kind, err)
	}
	// Every kind that names an attribute sends the name, so an empty one
	// is as unusable as an unsafe one; checking only non-empty names let
	// bwcli and the cd go out before the driver refused the write.
	if op.Attr != "" || op.Kind == engine.OpSet || op.Kind == engine.OpClear || op.Kind == engine.OpSetRow {
		if err := bwcli.CheckName(op.Attr); err != nil {
			return fmt.Errorf("%s /%s: attribute: %w", op.Kind, catalog.CanonicalPath(op.Path), err)
		}
	}
	if op.Kind == engine.OpSet || op.Kind == engine.OpSetRow {
		if _, err := bwcli.QuoteValue(op.Value); err != nil {
			return fmt.Errorf("%s /%s %s: %w", op.Kind, catalog.CanonicalPath(op.Path), op.Attr, err)
		}
		if op.Prompted && op.Value == "" {
			// A typed password is the whole line: an empty one would
			// answer the prompt with nothing.
			return fmt.Errorf("%s /%s %s: %w", op.Kind, catalog.CanonicalPath(op.Path), op.Attr,
				&bwcli.UnsafeValueError{What: "secret", Rule: bwcli.RuleEmpty, Offset: -1})
		}
	}
	// Optional columns of an add are sent by name (and every column of a
	// table the catalogue does not know).
	for _, f := range op.Fields {
		if err := bwcli.CheckName(f.Name); err != nil {
			return fmt.Errorf("%s /%s: column: %w", op.Kind, catalog.CanonicalPath(op.Path), err)
		}
	}
	for _, fs := range [][]engine.Field{op.Key, op.Fields} {
		for _, f := range fs {
			if _, err := bwcli.QuoteValue(f.Value); err != nil {
				return fmt.Errorf("%s /%s %s: %w", op.Kind, catalog.CanonicalPath(op.Path), f.Name, err)
			}
		}
	}
	return nil
}

// addArgs orders an add: key values, then the required columns in the
// catalogue's order, then optional columns as `name value` pairs
// (docs/bwcli.md: `add <key...> <values...> [<optAttr> <value> ...]`);
// tables with row forms (Maintenance/Scheduler) use their own (formArgs).
func (s *session) addArgs(op engine.Op) ([]bwcli.Arg, error) {
	args := make([]bwcli.Arg, 0, len(op.Key)+2*len(op.Fields))
	for _, k := range op.Key {
		args = append(args, bwcli.Arg{Value: k.Value, Sensitive: k.Sensitive})
	}
	schema, _ := s.p.cat.Lookup(s.typeForCatalogue(), op.Path)
	if schema == nil {
		for _, f := range op.Fields {
			args = append(args, bwcli.Arg{Name: f.Name, Value: f.Value, Sensitive: f.Sensitive})
		}
		return args, nil
	}
	if schema.RowForms != nil {
		return formArgs(schema, op)
	}
	var optional []bwcli.Arg
	for _, a := range schema.Attributes {
		if a.Key {
			continue
		}
		for _, f := range op.Fields {
			if !strings.EqualFold(f.Name, a.Name) {
				continue
			}
			if a.Optional {
				optional = append(optional, bwcli.Arg{Name: a.Name, Value: f.Value, Sensitive: f.Sensitive || a.Sensitive})
			} else {
				args = append(args, bwcli.Arg{Value: f.Value, Sensitive: f.Sensitive || a.Sensitive})
			}
		}
	}
	return append(args, optional...), nil
}

func (s *session) typeForCatalogue() string {
	if s.hostType != "" {
		return s.hostType
	}
	return s.host.Type
}

func fieldValues(fs []engine.Field) []string {
	vs := make([]string, len(fs))
	for i, f := range fs {
		vs[i] = f.Value
	}
	return vs
}

// cliError turns the driver's refusal into the engine's typed error.
func cliError(err error) error {
	var ce *bwcli.CommandError
	if errors.As(err, &ce) {
		return &engine.CLIError{Command: ce.Command, Text: ce.Text}
	}
	return err
}

// Restart implements engine.Session: `restartbw App` at the shell.
func (s *session) Restart(ctx context.Context, app string) error {
	if app == "" {
		return errors.New("no application named; bwstate never restarts a whole server")
	}
	if err := s.toShell(ctx); err != nil {
		return err
	}
	// `restartbw APP` alone restarts; showrun's format is not known, so it
	// never decides whether a restart is made (docs/bwcli.md). The driver
	// refuses an unsafe name before sending anything, and an answer that
	// is an error or names the application unknown. The engine prefixes
	// "restart APP"; the driver's errors name their command.
	if _, err := s.cli.Restart(ctx, app); err != nil {
		return err
	}
	return nil
}

// Health implements engine.Session. healthmon -l decides: its severity
// must be NOTIFICATION and it must report no abnormal condition. With app,
// showrun is asked too, and used only when its output parses and lists the
// application: then its state must be a running one. showrun absent,
// unparseable, not listing the application or showing a state word the
// driver does not know leaves the decision to healthmon, with a warning.
func (s *session) Health(ctx context.Context, app string) (*engine.Health, error) {
	if err := s.toShell(ctx); err != nil {
		return nil, err
	}
	// The driver's errors start with the command ("healthmon -l: ...").
	h, err := s.cli.Health(ctx)
	if err != nil {
		return nil, err
	}
	out := &engine.Health{Healthy: h.Healthy, Severity: h.Severity}
	if !h.Healthy {
		out.Detail = fmt.Sprintf("severity %s", h.Severity)
		if len(h.Abnormal) > 0 {
			out.Detail += ": " + strings.Join(h.Abnormal, "; ")
		}
		return out, nil
	}
	if app == "" {
		return out, nil
	}
	apps, err := s.cli.Showrun(ctx)
	var ce *bwcli.CommandError
	var pe *bwcli.ParseError
	switch {
	case errors.As(err, &ce):
		out.Warnings = append(out.Warnings, fmt.Sprintf("showrun is not usable on %s (%s): health decided by healthmon -l alone", s.host.Name, oneLine(ce.Text)))
		return out, nil
	case errors.As(err, &pe):
		out.Warnings = append(out.Warnings, fmt.Sprintf("showrun output on %s is not understood (%v): health decided by healthmon -l alone", s.host.Name, pe))
		return out, nil
	case err != nil:
		return nil, err
	}
	_, state, ok := engine.LookupFold(apps, app)
	switch run := bwcli.RunningState(state); {
	case !ok:
		out.Warnings = append(out.Warnings, fmt.Sprintf("showrun on %s does not list %s: health decided by healthmon -l alone", s.host.Name, app))
	case run == bwcli.StateNotRunning:
		out.Healthy, out.Detail = false, fmt.Sprintf("%s is %s", app, state)
	case run == bwcli.StateUnknown:
		out.Warnings = append(out.Warnings, fmt.Sprintf("showrun on %s shows %s as %q, a state bwstate does not know: health decided by healthmon -l alone", s.host.Name, app, state))
	}
	return out, nil
}

// oneLine joins a multi-line server text for a message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// WaitHealthy implements engine.Session: probes with a growing interval
// until healthy, the timeout, or ctx.
func (s *session) WaitHealthy(ctx context.Context, app string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	interval := s.p.opts.HealthPoll
	last := "no health report yet"
	for {
		probeCtx, cancel := context.WithDeadline(ctx, deadline)
		h, err := s.Health(probeCtx, app)
		cancel()
		switch {
		case err == nil && h.Healthy:
			return nil
		case err == nil:
			last = h.Detail
		case ctx.Err() != nil:
			return ctx.Err()
		case time.Now().Before(deadline):
			return err // the connection or the tools failed: not a health answer
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return fmt.Errorf("%s on %s after %s (last: %s): %w", app, s.host.Name, timeout, last, engine.ErrHealthTimeout)
		}
		wait := min(interval, remaining)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		interval = min(interval*3/2, maxHealthPoll)
	}
}

var _ engine.IdleSession = (*session)(nil)

// Idle implements engine.IdleSession: the SSH connection is up (keepalives
// answered) and the driver received nothing since its last command.
func (s *session) Idle() error {
	select {
	case <-s.client.Done():
		err := s.client.Err()
		if err == nil {
			err = errors.New("the server closed it")
		}
		// Nothing more may be sent; Close then only releases resources.
		_ = s.cli.Close()
		return fmt.Errorf("ssh connection to %s ended: %w", s.host.Name, err)
	default:
	}
	if err := s.cli.Idle(); err != nil {
		return fmt.Errorf("%s: %w", s.host.Name, err)
	}
	return nil
}

// Close implements engine.Session: leaves bwcli politely, then closes the
// shell and the connection.
func (s *session) Close() error {
	if s.inCLI() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		_ = s.cli.ExitCLI(ctx)
		cancel()
	}
	errs := []error{s.cli.Close(), s.shell.Close(), s.client.Close()}
	if s.transcript != nil {
		errs = append(errs, s.transcript.Close())
	}
	var kept []error
	for _, err := range errs {
		if err != nil && !peerGone(err) {
			kept = append(kept, err)
		}
	}
	return errors.Join(kept...)
}

// peerGone reports the errors of closing a connection that had already
// ended (dropped by the server, or closed before): there is nothing left to
// release, so they are not failures of Close.
func peerGone(err error) bool {
	return errors.Is(err, os.ErrClosed) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
