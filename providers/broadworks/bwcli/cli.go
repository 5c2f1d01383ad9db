package bwcli

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// StartCLI runs bwcli from the shell and returns the CLI root its first
// prompt names ("XSP_CLI"); the banner before it is ignored. If bwcli does
// not start (the shell prompt comes back) the error is a *CommandError with
// the shell's text.
func (s *Session) StartCLI(ctx context.Context) (root string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.scrubErr(&err)
	if s.mode != modeShell {
		return "", fmt.Errorf("%s: %w", cmdBWCLI, ErrNotShell)
	}
	res, err := s.run(ctx, &command{line: cmdBWCLI, shown: cmdBWCLI})
	if err != nil {
		return "", err
	}
	if res.atShell {
		if _, _, ok := s.parseCLIPrompt(s.prompt); ok {
			return "", s.fail(&ProtocolError{Command: cmdBWCLI, Reason: "the shell prompt pattern also matches bwcli's prompt: make ssh.shell_prompt and ssh.cli_prompt tell them apart", Text: s.prompt})
		}
		text := res.out
		if text == "" {
			text = "bwcli returned to the shell without output"
		}
		return "", &CommandError{Command: cmdBWCLI, Text: text}
	}
	s.mode, s.root, s.path = modeCLI, res.root, res.path
	return res.root, nil
}

// cliRun runs a CLI command and checks that the CLI is still where it was
// (or, for navigation, still under the same root). Caller holds s.mu.
func (s *Session) cliRun(ctx context.Context, c *command, navigates bool) (result, error) {
	if s.mode != modeCLI {
		return result{}, fmt.Errorf("%s: %w", c.shown, ErrNotCLI)
	}
	before := s.path
	res, err := s.run(ctx, c)
	if err != nil {
		return result{}, err
	}
	if res.atShell {
		return result{}, &ProtocolError{Command: c.shown, Reason: "bwcli ended: the shell prompt came back", Text: truncateTail(s.redactText(res.out, c), 200)}
	}
	if res.root != s.root {
		return result{}, s.fail(&ProtocolError{Command: c.shown, Reason: fmt.Sprintf("the prompt's root changed from %s to %s", s.root, res.root)})
	}
	s.path = res.path
	if !navigates && res.path != before {
		return result{}, &ProtocolError{Command: c.shown, Reason: fmt.Sprintf("the prompt moved from %q to %q", "/"+before, "/"+res.path), Text: truncate(s.redactText(res.out, c), 200)}
	}
	return res, nil
}

// Cd enters a context by its absolute path (a leading slash is optional;
// "" or "/" is the root) and returns the path as the new prompt spells it,
// without the root or a leading slash. Names are case-insensitive, so
// "applications/openclientserver/capproxy" returns
// "Applications/OpenClientServer/CAPProxy". A server error (`Invalid
// command`) or a prompt naming another context is a *NavigationError.
func (s *Session) Cd(ctx context.Context, path string) (canonical string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.scrubErr(&err)
	return s.cd(ctx, path)
}

func (s *Session) cd(ctx context.Context, path string) (string, error) {
	if err := CheckPath(path); err != nil {
		return "", fmt.Errorf("cd: %w", err)
	}
	want := strings.Trim(path, "/")
	line := "cd /" + want
	res, err := s.cliRun(ctx, &command{line: line, shown: line}, true)
	if err != nil {
		return "", err
	}
	if text, ok := findError(res.out, false); ok {
		return "", &NavigationError{Path: want, Prompt: s.prompt, Text: text}
	}
	if !strings.EqualFold(res.path, want) {
		return "", &NavigationError{Path: want, Prompt: s.prompt, Text: strings.TrimSpace(res.out)}
	}
	return res.path, nil
}

// GetOptions tune a read.
type GetOptions struct {
	// Sensitive names attributes (or table column titles) whose values
	// must not reach the transcript or an error; they are replaced by
	// ******** there, in this read and every later command of the session.
	// The returned values are not redacted.
	Sensitive []string
}

// Get reads the current context with `get` and parses it as attributes or
// as a table, whichever the output is (for contexts the catalogue does not
// know). The large-table confirmation is answered yes. Values are returned
// exactly as the server printed them (decoded from ISO-8859-1 where a line
// is not UTF-8), control characters included: a line that does not parse
// is a *ParseError quoting it.
func (s *Session) Get(ctx context.Context, opt GetOptions) (c *Contents, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.scrubErr(&err)
	return s.read(ctx, cmdGet, opt)
}

// GetAttributes reads an attribute context with `get`.
func (s *Session) GetAttributes(ctx context.Context, opt GetOptions) ([]Attr, error) {
	c, err := s.Get(ctx, opt)
	if err != nil {
		return nil, err
	}
	if c.Table != nil {
		return nil, fmt.Errorf("%s /%s: %w", cmdGet, s.Path(), &ParseError{What: "attributes", Reason: "the context holds a table"})
	}
	return c.Attrs, nil
}

// GetTable reads a table context with `get`. Empty output is an empty
// table.
func (s *Session) GetTable(ctx context.Context, opt GetOptions) (*Table, error) {
	c, err := s.Get(ctx, opt)
	if err != nil {
		return nil, err
	}
	if c.Table == nil {
		if len(c.Attrs) > 0 {
			return nil, fmt.Errorf("%s /%s: %w", cmdGet, s.Path(), &ParseError{What: "table", Reason: "the context holds attributes"})
		}
		return &Table{Columns: []string{}, Rows: [][]string{}}, nil
	}
	return c.Table, nil
}

// read runs a read command (get, list) and parses its output. Caller holds
// s.mu.
func (s *Session) read(ctx context.Context, line string, opt GetOptions) (*Contents, error) {
	var (
		contents *Contents
		perr     error
	)
	c := &command{line: line, shown: line, confirm: confirmSize, values: true}
	c.redactAfter = func(out string) []string {
		if _, bad := findError(out, true); bad {
			return nil
		}
		contents, perr = ParseGet(out)
		if perr != nil || len(opt.Sensitive) == 0 {
			return nil
		}
		return sensitiveValues(contents, opt.Sensitive)
	}
	res, err := s.cliRun(ctx, c, false)
	if err != nil {
		return nil, err
	}
	if text, bad := findError(res.values, true); bad {
		return nil, &CommandError{Command: line, Text: text}
	}
	if perr != nil {
		return nil, fmt.Errorf("%s /%s: %w", line, s.path, s.scrub(perr))
	}
	if t := contents.Table; t != nil {
		for i, w := range t.Warnings {
			t.Warnings[i] = s.redactText(w, c)
		}
	}
	return contents, nil
}

// sensitiveValues collects the values of the named attributes or columns.
func sensitiveValues(c *Contents, names []string) []string {
	var vals []string
	for _, a := range c.Attrs {
		if containsFold(names, a.Name) && a.Value != "" && !a.Masked {
			vals = append(vals, a.Value)
		}
	}
	if c.Table != nil {
		for _, n := range names {
			if i := c.Table.Column(n); i >= 0 {
				for _, row := range c.Table.Rows {
					if row[i] != "" {
						vals = append(vals, row[i])
					}
				}
			}
		}
	}
	return vals
}

// SetOptions tune a set.
type SetOptions struct {
	// Sensitive keeps the value out of the transcript and errors.
	Sensitive bool
	// Prompted attributes are passwords: `set attr` alone, then the value
	// is typed at `New Password:` (and at a re-type prompt if asked). The
	// value is never on a command line; it is always treated as sensitive.
	Prompted bool
}

// Set sets one attribute of the current context: `set attr value`, the
// value quoted per QuoteValue. The reply is classified per ClassifyReply;
// a refusal is a *CommandError carrying the command (value redacted when
// sensitive) and the server's full text.
func (s *Session) Set(ctx context.Context, attr, value string, opt SetOptions) (_ Reply, err error) {
	defer s.scrubErr(&err)
	if err := checkName("attribute name", attr); err != nil {
		return Reply{}, fmt.Errorf("set: %w", err)
	}
	c, err := setCommand("set "+attr, value, opt)
	if err != nil {
		return Reply{}, fmt.Errorf("set %s: %w", attr, err)
	}
	return s.change(ctx, c)
}

// setCommand builds `<prefix> <value>`, or `<prefix>` answered at the
// password prompt.
func setCommand(prefix, value string, opt SetOptions) (*command, error) {
	if opt.Prompted {
		if err := checkSecret(value); err != nil {
			return nil, err
		}
		return &command{line: prefix, shown: prefix, password: value, secrets: []string{value}}, nil
	}
	q, err := quote("value", value)
	if err != nil {
		return nil, err
	}
	c := &command{line: prefix + " " + q, shown: prefix + " " + q}
	if opt.Sensitive {
		c.shown = prefix + " " + maskText
		c.secrets = []string{value}
	}
	return c, nil
}

// quote is QuoteValue naming what was checked.
func quote(what, v string) (string, error) {
	q, err := QuoteValue(v)
	var ue *UnsafeValueError
	if errors.As(err, &ue) {
		ue.What = what
	}
	return q, err
}

// Clear empties one attribute of the current context: `clear attr`.
func (s *Session) Clear(ctx context.Context, attr string) (_ Reply, err error) {
	defer s.scrubErr(&err)
	if err := checkName("attribute name", attr); err != nil {
		return Reply{}, fmt.Errorf("clear: %w", err)
	}
	line := "clear " + attr
	return s.change(ctx, &command{line: line, shown: line})
}

// Arg is one argument of a row command: a positional value (Name empty) or
// an optional `name value` pair.
type Arg struct {
	Name      string
	Value     string
	Sensitive bool
}

// AddRow adds a table row: `add <key values...> <values...> [name value
// ...]`, in the order given.
func (s *Session) AddRow(ctx context.Context, args []Arg) (_ Reply, err error) {
	defer s.scrubErr(&err)
	if len(args) == 0 {
		return Reply{}, errors.New("add: no values")
	}
	line, shown := []string{"add"}, []string{"add"}
	var secrets []string
	for _, a := range args {
		if a.Name != "" {
			if err := checkName("column name", a.Name); err != nil {
				return Reply{}, fmt.Errorf("add: %w", err)
			}
			line, shown = append(line, a.Name), append(shown, a.Name)
		}
		q, err := quote("value", a.Value)
		if err != nil {
			if a.Name != "" {
				return Reply{}, fmt.Errorf("add: %s: %w", a.Name, err)
			}
			return Reply{}, fmt.Errorf("add: %w", err)
		}
		line = append(line, q)
		if a.Sensitive {
			shown = append(shown, maskText)
			secrets = append(secrets, a.Value)
		} else {
			shown = append(shown, q)
		}
	}
	return s.change(ctx, &command{line: strings.Join(line, " "), shown: strings.Join(shown, " "), secrets: secrets})
}

// keyArgs quotes a row key.
func keyArgs(verb string, key []string) (string, error) {
	if len(key) == 0 {
		return "", fmt.Errorf("%s: empty row key", verb)
	}
	parts := make([]string, 0, len(key)+1)
	parts = append(parts, verb)
	for _, k := range key {
		q, err := quote("key value", k)
		if err != nil {
			return "", fmt.Errorf("%s: %w", verb, err)
		}
		parts = append(parts, q)
	}
	return strings.Join(parts, " "), nil
}

// SetRow sets one column of a row: `set <key...> attr value`.
func (s *Session) SetRow(ctx context.Context, key []string, attr, value string, opt SetOptions) (_ Reply, err error) {
	defer s.scrubErr(&err)
	prefix, err := keyArgs("set", key)
	if err != nil {
		return Reply{}, err
	}
	if err := checkName("attribute name", attr); err != nil {
		return Reply{}, fmt.Errorf("set: %w", err)
	}
	c, err := setCommand(prefix+" "+attr, value, opt)
	if err != nil {
		return Reply{}, fmt.Errorf("set %s: %w", attr, err)
	}
	return s.change(ctx, c)
}

// ClearRow empties one column of a row: `clear <key...> attr`.
func (s *Session) ClearRow(ctx context.Context, key []string, attr string) (_ Reply, err error) {
	defer s.scrubErr(&err)
	prefix, err := keyArgs("clear", key)
	if err != nil {
		return Reply{}, err
	}
	if err := checkName("attribute name", attr); err != nil {
		return Reply{}, fmt.Errorf("clear: %w", err)
	}
	line := prefix + " " + attr
	return s.change(ctx, &command{line: line, shown: line})
}

// DeleteRow deletes a row: `delete <key...>`.
func (s *Session) DeleteRow(ctx context.Context, key []string) (_ Reply, err error) {
	defer s.scrubErr(&err)
	line, err := keyArgs("delete", key)
	if err != nil {
		return Reply{}, err
	}
	return s.change(ctx, &command{line: line, shown: line})
}

// change runs a write and classifies its reply.
func (s *Session) change(ctx context.Context, c *command) (Reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.cliRun(ctx, c, false)
	if err != nil {
		return Reply{}, err
	}
	// The reply is classified as the server wrote it, then every text that
	// leaves the driver is redacted: the whole text before it is cut, so a
	// secret is never left half visible.
	r, err := ClassifyReply(res.out)
	r.Text = s.redactText(r.Text, c)
	var ce *CommandError
	var pe *ProtocolError
	switch {
	case errors.As(err, &ce):
		ce.Command = c.shown
		ce.Text = s.redactText(ce.Text, c)
	case errors.As(err, &pe):
		pe.Command = c.shown
		if pe.Text != "" {
			pe.Text = truncate(strings.TrimSpace(s.redactText(res.out, c)), 200)
		}
	}
	return r, err
}

// Alarms enters Monitoring/Alarm/AlarmsTable and lists the raised alarms.
// The session stays in that context.
func (s *Session) Alarms(ctx context.Context) (_ []Alarm, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.scrubErr(&err)
	if _, err := s.cd(ctx, alarmsPath); err != nil {
		return nil, err
	}
	c := &command{line: cmdList, shown: cmdList, confirm: confirmSize, values: true}
	res, err := s.cliRun(ctx, c, false)
	if err != nil {
		return nil, err
	}
	if text, bad := findError(res.values, true); bad {
		return nil, &CommandError{Command: cmdList, Text: text}
	}
	alarms, err := ParseAlarms(res.values)
	if err != nil {
		return nil, fmt.Errorf("%s /%s: %w", cmdList, alarmsPath, s.scrub(err))
	}
	return alarms, nil
}

// ExitCLI leaves bwcli in one round trip: `exit;y`. The CLI runs the `;`
// items of a line in order and a confirmation takes its answer from the
// next item (docs/bwcli.md), so `y` answers `Please confirm (Yes, Y, No,
// N): ` without waiting for it; then `This session is now ending...` and
// the shell prompt. The confirmation may be printed or not; a second one
// is answered n and ExitCLI fails.
func (s *Session) ExitCLI(ctx context.Context) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.scrubErr(&err)
	if s.mode != modeCLI {
		return fmt.Errorf("%s: %w", cmdExit, ErrNotCLI)
	}
	line := cmdExit + ";" + answerYes
	res, err := s.run(ctx, &command{line: line, shown: line, confirm: confirmQueued})
	if err != nil {
		return err
	}
	if !res.atShell {
		s.path = res.path
		return &ProtocolError{Command: line, Reason: "bwcli did not end", Text: truncate(s.redactText(res.out, nil), 200)}
	}
	s.mode, s.root, s.path = modeShell, "", ""
	return nil
}
