package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Texts of the CLI (docs/bwcli.md; the [G] ones are the simulator's choices,
// listed in docs/simulator.md).
const (
	cliBanner = "======================================================================\n" +
		"BroadWorks Command Line Interface\n" +
		"  Type HELP for more information\n" +
		"======================================================================\n\n"
	textInvalidCommand     = "Invalid command"
	textConfirm            = "Please confirm (Yes, Y, No, N): "
	textSessionEnding      = "This session is now ending..."
	textDone               = "...Done"
	textRestartWarning     = "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***"
	textRestartAlternative = "A restart is required for the change to take effect."
	textDuplicateRow       = "[Error] Add failed: entry is already present in list"
	textRowNotFound        = "[Error] Entry not found"
	textNewPassword        = "New Password: "
	textRetrieving         = "Retrieving data... Please wait..."
	textDangerWarning      = "+++ WARNING +++ WARNING +++ WARNING +++"
	textShortcuts          = "  h (help), e (exit), q (quit), r (read), w (write), t (tree),\n" +
		"  c (config), cd (cd), a (alias), hi (history), p (pause), re (repeat)\n"
)

// globalCommands exist in every context; shortcuts are exact aliases that
// win over prefix matching (so "a" is alias, never add).
var (
	globalCommands = []string{"help", "exit", "quit", "cd", "tree", "history", "repeat", "read", "write", "config", "alias", "pause"}
	shortcuts      = map[string]string{
		"h": "help", "e": "exit", "q": "quit", "r": "read", "w": "write", "t": "tree",
		"c": "config", "a": "alias", "hi": "history", "p": "pause", "re": "repeat", "del": "delete",
	}
	kindCommands = map[nodeKind][]string{
		attrNode:  {"get", "set", "clear"},
		tableNode: {"get", "add", "set", "delete", "clear"},
		alarmNode: {"list", "clear", "clearAll"},
	}
)

// cli is one bwcli session on a host.
type cli struct {
	s   *session
	h   *Host
	cur *node
	// lines is bwcli's own line-editing history (Up and Down), apart from
	// the shell's.
	lines *lineHistory
	// queue holds the `;`-separated items of the last line not yet run; a
	// confirmation or password prompt consumes the next one.
	queue   []string
	history []string
	out     strings.Builder
	// dead is set when input ended or the connection dropped mid-command.
	dead bool
}

func newCLI(s *session) *cli {
	return &cli{s: s, h: s.host, cur: s.host.root, lines: &lineHistory{}}
}

func (c *cli) prompt() string {
	if c.cur.path == "" {
		return c.h.info.root + "> "
	}
	return c.h.info.root + "/" + c.cur.path + "> "
}

func (c *cli) printf(format string, args ...any) { fmt.Fprintf(&c.out, format, args...) }

func (c *cli) println(s string) {
	c.out.WriteString(s)
	c.out.WriteByte('\n')
}

func (c *cli) flush() {
	if c.out.Len() > 0 {
		c.s.t.write(c.out.String())
		c.out.Reset()
	}
}

// run prints the banner and serves commands until exit or end of input.
func (c *cli) run() {
	f := c.h.Faults()
	if !c.s.wait(f.BwcliDelay) {
		return
	}
	c.s.t.write(cliBanner)
	if f.BwcliHang {
		// Echo and discard input, never prompt, until the client gives up.
		for {
			if _, err := c.s.t.readLine("", readAnswer); err != nil && !errors.Is(err, errInterrupt) {
				return
			}
		}
	}
	shellLines := c.s.t.useHistory(c.lines)
	defer c.s.t.useHistory(shellLines)
	for !c.dead {
		item, queued, err := c.nextCommand()
		if errors.Is(err, errInterrupt) {
			c.queue = nil
			continue
		}
		if err != nil {
			return
		}
		received := c.s.received
		if queued {
			received = c.s.receivedQueued
		}
		if !received("cli", item) {
			return
		}
		exit := c.exec(item, true)
		c.out.WriteString(c.s.garbage())
		c.flush()
		if exit {
			return
		}
	}
}

// splitItems splits a line on every `;`, even inside quotes, as the real
// CLI does; empty items are dropped.
func splitItems(line string) []string {
	var items []string
	for _, it := range strings.Split(line, ";") {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	return items
}

// nextCommand returns the next queued item (queued true), or prompts and
// reads a line and returns its first item.
func (c *cli) nextCommand() (item string, queued bool, err error) {
	if len(c.queue) > 0 {
		item := c.queue[0]
		c.queue = c.queue[1:]
		return item, true, nil
	}
	for {
		c.flush()
		line, err := c.s.t.readLine(c.prompt(), readCommand)
		if err != nil {
			return "", false, err
		}
		if items := splitItems(line); len(items) > 0 {
			c.queue = items[1:]
			return items[0], false, nil
		}
	}
}

// confirm asks `Please confirm (Yes, Y, No, N): ` until it gets an answer;
// a queued item answers it. Ctrl-C answers no.
func (c *cli) confirm() bool {
	for {
		var ans string
		received := c.s.received
		if len(c.queue) > 0 {
			ans = c.queue[0]
			c.queue = c.queue[1:]
			c.out.WriteString(textConfirm + "\n")
			received = c.s.receivedQueued
		} else {
			c.flush()
			line, err := c.s.t.readLine(textConfirm, readAnswer)
			if errors.Is(err, errInterrupt) {
				return false
			}
			if err != nil {
				c.dead = true
				return false
			}
			items := splitItems(line)
			if len(items) == 0 {
				continue
			}
			ans, c.queue = items[0], items[1:]
		}
		if !received("cli", ans) {
			c.dead = true
			return false
		}
		switch strings.ToLower(ans) {
		case "y", "yes":
			return true
		case "n", "no":
			return false
		}
	}
}

// password prompts `New Password: ` and reads a line without echo. It is
// never recorded.
func (c *cli) password() (string, bool) {
	if len(c.queue) > 0 {
		v := c.queue[0]
		c.queue = c.queue[1:]
		c.out.WriteString(textNewPassword + "\n")
		return v, true
	}
	c.flush()
	line, err := c.s.t.readLine(textNewPassword, readSecret)
	if err != nil {
		if !errors.Is(err, errInterrupt) {
			c.dead = true
		}
		return "", false
	}
	return line, true
}

// splitArgs splits a command into words. Double quotes group words with
// spaces; `""` is an empty word.
func splitArgs(s string) []string {
	var args []string
	var cur strings.Builder
	inWord, inQuote := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"':
			inQuote = !inQuote
			inWord = true
		case !inQuote && (ch == ' ' || ch == '\t'):
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args
}

// candidates lists the command and child names valid in the current context.
func (c *cli) candidates() []string {
	names := append([]string(nil), globalCommands...)
	names = append(names, c.cur.commands()...)
	for _, ch := range c.cur.children {
		names = append(names, ch.name)
	}
	return names
}

// resolve maps a typed word to a command name or a child context:
// shortcuts first, then an exact case-insensitive name, then a unique
// prefix. ok is false for unknown and ambiguous words.
func (c *cli) resolve(word string) (cmd string, child *node, ok bool) {
	lw := strings.ToLower(word)
	pick := func(name string) (string, *node, bool) {
		if ch := c.cur.child(name); ch != nil {
			return "", ch, true
		}
		return name, nil, true
	}
	if full, isShortcut := shortcuts[lw]; isShortcut {
		for _, n := range c.candidates() {
			if n == full {
				return pick(n)
			}
		}
		if full != "delete" {
			return "", nil, false
		}
	}
	var matches []string
	for _, n := range c.candidates() {
		ln := strings.ToLower(n)
		if ln == lw {
			return pick(n)
		}
		if strings.HasPrefix(ln, lw) {
			matches = append(matches, n)
		}
	}
	if len(matches) == 1 {
		return pick(matches[0])
	}
	return "", nil, false
}

// exec runs one command item; it reports true when bwcli exits.
func (c *cli) exec(item string, remember bool) bool {
	args := splitArgs(item)
	if len(args) == 0 {
		return false
	}
	if n, err := strconv.Atoi(args[0]); err == nil && len(args) == 1 {
		if n >= 1 && n <= len(c.cur.children) {
			c.cur = c.cur.children[n-1]
			return false
		}
		c.println(textInvalidCommand)
		return false
	}
	cmd, child, ok := c.resolve(args[0])
	if !ok {
		c.println(textInvalidCommand)
		return false
	}
	if child != nil {
		if len(args) > 1 {
			c.println(textInvalidCommand)
			return false
		}
		c.cur = child
		return false
	}
	if remember && cmd != "repeat" && cmd != "history" {
		c.history = append(c.history, item)
	}
	params := args[1:]
	switch cmd {
	case "help":
		c.help(params)
	case "exit":
		if c.confirm() {
			c.println(textSessionEnding)
			return true
		}
	case "quit":
		if c.cur.parent != nil {
			c.cur = c.cur.parent
		}
	case "cd":
		c.cd(params)
	case "tree":
		c.tree(c.cur, 0)
	case "history":
		for i, hcmd := range c.history {
			c.printf("%4d  %s\n", i+1, hcmd)
		}
	case "repeat":
		if len(c.history) == 0 {
			c.println("[Error] No command to repeat")
			return false
		}
		last := c.history[len(c.history)-1]
		c.println(last)
		return c.exec(last, false)
	case "read", "write", "config", "alias", "pause":
		c.printf("[Error] Command %s is not supported by the simulator\n", cmd)
	case "get":
		c.get(params)
	case "set":
		c.set(params)
	case "clear":
		c.clear(params)
	case "add":
		c.add(params)
	case "delete":
		c.deleteRow(params)
	case "list":
		c.list(params)
	case "clearAll":
		c.clearAll(params)
	}
	return c.dead
}

// cd navigates: absolute with a leading /, relative otherwise, with .. and
// unique case-insensitive prefixes per component. `cd` alone goes to the
// root.
func (c *cli) cd(params []string) {
	if len(params) > 1 {
		c.println(textInvalidCommand)
		return
	}
	target := c.cur
	path := ""
	if len(params) == 1 {
		path = params[0]
	}
	if path == "" || strings.HasPrefix(path, "/") {
		target = c.h.root
	}
	for _, part := range strings.Split(path, "/") {
		switch part {
		case "", ".":
			continue
		case "..":
			if target.parent != nil {
				target = target.parent
			}
			continue
		}
		next := matchChild(target, part)
		if next == nil {
			c.println(textInvalidCommand)
			return
		}
		target = next
	}
	c.cur = target
}

// matchChild resolves a path component: exact name or unique prefix.
func matchChild(n *node, part string) *node {
	if ch := n.child(part); ch != nil {
		return ch
	}
	var found *node
	for _, ch := range n.children {
		if strings.HasPrefix(strings.ToLower(ch.name), strings.ToLower(part)) {
			if found != nil {
				return nil
			}
			found = ch
		}
	}
	return found
}

func (c *cli) tree(n *node, depth int) {
	for _, ch := range n.children {
		c.printf("%s%s\n", strings.Repeat("  ", depth), ch.name)
		c.tree(ch, depth+1)
	}
}

// commandHelp describes each command in help output.
var commandHelp = map[string]string{
	"get": "display the contents of this level", "set": "change values", "clear": "empty a value",
	"add": "add an entry", "delete": "delete an entry", "list": "list the raised alarms",
	"clearAll": "clear every raised alarm",
}

func (c *cli) help(params []string) {
	if len(params) > 0 {
		c.commandUsage(params[0])
		return
	}
	if len(c.cur.children) > 0 {
		c.println("This level has the following sub-levels:")
		for i, ch := range c.cur.children {
			c.printf("  %d) %s : go to level %s\n", i+1, ch.name, ch.name)
		}
		c.println("")
	}
	if cmds := c.cur.commands(); len(cmds) > 0 {
		c.println("This level has the following commands:")
		for _, cmd := range cmds {
			c.printf("  %s : %s\n", cmd, commandHelp[cmd])
		}
		c.println("")
	}
	c.println("Global shortcuts:")
	c.out.WriteString(textShortcuts)
}

// commandUsage prints the syntax of one command of this level and the spec
// line of each parameter.
func (c *cli) commandUsage(word string) {
	cmd, child, ok := c.resolve(word)
	if !ok || child != nil {
		c.println(textInvalidCommand)
		return
	}
	n := c.cur
	keys := keyParams(n)
	var specs []*attrSpec
	switch {
	case cmd == "get" || cmd == "list" || cmd == "clearAll":
		c.println(cmd)
	case n.kind == attrNode && cmd == "set":
		c.println("set <attribute> <value> [<attribute> <value> ...]  (passwords are prompted: set <attribute>)")
		specs = allSpecs(n)
	case n.kind == attrNode && cmd == "clear":
		c.println("clear <attribute> [<attribute> ...]")
		for _, s := range allSpecs(n) {
			if s.clearable() {
				specs = append(specs, s)
			}
		}
	case n.scheduler && cmd == "add":
		c.schedUsage()
	case n.kind == tableNode && cmd == "add":
		// Keys, then required columns, then optional name/value pairs.
		line := "add"
		for _, a := range addOrder(n) {
			line += " <" + a.name + ">"
			specs = append(specs, a)
		}
		for i := range n.attrs {
			if a := &n.attrs[i]; a.optional {
				line += fmt.Sprintf(" [%s <value>]", a.name)
				specs = append(specs, a)
			}
		}
		c.println(line)
	case n.kind == tableNode && (cmd == "set" || cmd == "clear"):
		c.printf("%s %s <attribute>%s\n", cmd, keys, map[bool]string{true: " <value>", false: ""}[cmd == "set"])
		specs = allSpecs(n)
	case n.kind == tableNode && cmd == "delete":
		c.printf("delete %s\n", keys)
		specs = n.keys()
	case n.kind == alarmNode && cmd == "clear":
		c.println("clear <id>")
		specs = n.keys()
	default:
		c.printf("%s : a global command\n", cmd)
	}
	for _, s := range specs {
		c.printf("  %s\n", s.specLine(c.h.apps))
	}
}

func keyParams(n *node) string {
	var ks []string
	for _, k := range n.keys() {
		ks = append(ks, "<"+k.name+">")
	}
	return strings.Join(ks, " ")
}

func allSpecs(n *node) []*attrSpec {
	out := make([]*attrSpec, 0, len(n.attrs))
	for i := range n.attrs {
		out = append(out, &n.attrs[i])
	}
	return out
}

// reply prints the outcome of a successful change: `...Done`, or the
// restart warning in the host's chosen wording when app must be restarted.
func (c *cli) reply(app string) {
	if app == "" {
		c.println(textDone)
		return
	}
	switch c.h.cfg.RestartWarning {
	case RestartWarningDone:
		c.println(textRestartWarning)
		c.println(textDone)
	case RestartWarningAlternative:
		c.println(textRestartAlternative)
	default:
		c.println(textRestartWarning)
	}
}

func (c *cli) cliError(cmd, what string, spec *attrSpec) {
	c.printf("[CLIError] Command %s: %s\n", cmd, what)
	if spec != nil {
		c.println(spec.specLine(c.h.apps))
	}
}

// attributeChoice is the spec line printed when the attribute name itself
// is missing.
func attributeChoice(n *node, filter func(*attrSpec) bool) *attrSpec {
	var names []string
	for i := range n.attrs {
		if filter(&n.attrs[i]) {
			names = append(names, n.attrs[i].name)
		}
	}
	return &attrSpec{name: "attribute", kind: kindChoice, choices: names}
}

func anyAttr(*attrSpec) bool { return true }

func nonKey(a *attrSpec) bool { return !a.key }

func (c *cli) get(params []string) {
	n := c.cur
	if n.kind == tableNode {
		if len(params) > 0 {
			c.cliError("get", "Invalid parameter "+params[0], nil)
			return
		}
		c.printTable(n, c.h.tableRows(n))
		return
	}
	vals := c.h.attrs(n)
	for _, p := range params {
		if n.attr(p) == nil {
			c.cliError("get", "Invalid parameter "+p, nil)
			return
		}
	}
	for _, av := range vals {
		if len(params) > 0 && !containsFold(params, av.spec.name) {
			continue
		}
		c.printf("  %s = %s\n", av.spec.name, av.value)
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// sizeConfirmOK asks before printing a table of the host's confirmation
// size or more: `About to access N entries. Continue?` (or `About to
// filter through N entries. Continue?`), the confirmation, then
// `Retrieving data... Please wait...` after yes.
func (c *cli) sizeConfirmOK(count int) bool {
	limit := c.h.cfg.SizeConfirmRows
	if limit <= 0 {
		limit = DefaultSizeConfirmRows
	}
	if count < limit {
		return true
	}
	if c.h.cfg.SizeConfirmWording == SizeConfirmFilter {
		c.printf("About to filter through %d entries. Continue?\n", count)
	} else {
		c.printf("About to access %d entries. Continue?\n", count)
	}
	if !c.confirm() {
		return false
	}
	c.println(textRetrieving)
	return true
}

// printTable prints rows under their column titles, each column as wide as
// its title or longest cell, aligned per the host's table layout.
func (c *cli) printTable(n *node, rows []map[string]string) {
	if !c.sizeConfirmOK(len(rows)) {
		return
	}
	cols := n.columns()
	titles := make([]string, len(cols))
	right := make([]bool, len(cols))
	for i, a := range cols {
		titles[i] = a.column
		switch c.h.cfg.TableLayout {
		case TableLayoutLeft:
		case TableLayoutMixed:
			right[i] = a.kind == kindInt
		default:
			right[i] = true
		}
	}
	cells := make([][]string, len(rows))
	for r, row := range rows {
		if n.scheduler {
			cells[r] = schedCells(n, row)
			continue
		}
		cells[r] = make([]string, len(cols))
		for i, a := range cols {
			cells[r][i] = row[a.name]
		}
	}
	c.out.WriteString(renderTable(titles, cells, right))
	if !n.noEntriesFound {
		c.printf("\n%d entries found.\n", len(rows))
	}
}

// renderTable lays out a table: a two-space indent and two spaces between
// columns, a line of `=` as wide as the widest possible line; right[i]
// right-aligns column i. A line whose last column is left-aligned ends at
// its last character (no trailing blanks), so the `=` line can be longer
// than every row.
func renderTable(titles []string, rows [][]string, right []bool) string {
	widths := make([]int, len(titles))
	for i, t := range titles {
		widths[i] = len(t)
	}
	for _, r := range rows {
		for i, v := range r {
			widths[i] = max(widths[i], len(v))
		}
	}
	line := func(vals []string) string {
		var b strings.Builder
		for i, v := range vals {
			if right[i] {
				fmt.Fprintf(&b, "  %*s", widths[i], v)
			} else {
				fmt.Fprintf(&b, "  %-*s", widths[i], v)
			}
		}
		if right[len(right)-1] {
			return b.String()
		}
		return strings.TrimRight(b.String(), " ")
	}
	full := 0
	for _, w := range widths {
		full += 2 + w
	}
	var b strings.Builder
	b.WriteString(line(titles) + "\n")
	b.WriteString(strings.Repeat("=", full) + "\n")
	for _, r := range rows {
		b.WriteString(line(r) + "\n")
	}
	return b.String()
}

// set changes attributes (`set attr value [attr value ...]`, passwords
// prompted) or one column of a table row (`set <key...> attr value`).
func (c *cli) set(params []string) {
	if fail := c.h.takeFailNextSet(); fail != "" {
		c.println(fail)
		return
	}
	n := c.cur
	if n.kind == tableNode {
		c.setRow(params)
		return
	}
	if len(params) == 0 {
		c.cliError("set", "Mandatory parameter missing", attributeChoice(n, anyAttr))
		return
	}
	var vals []attrValue
	var prompted []*attrSpec
	for i := 0; i < len(params); {
		spec := n.attr(params[i])
		if spec == nil {
			c.cliError("set", "Invalid parameter "+params[i], nil)
			return
		}
		if spec.kind == kindPassword {
			prompted = append(prompted, spec)
			i++
			continue
		}
		if i+1 >= len(params) {
			c.cliError("set", "Mandatory parameter missing", spec)
			return
		}
		norm, ok := spec.normalize(params[i+1], c.h.apps)
		if !ok {
			c.cliError("set", "Invalid value", spec)
			return
		}
		vals = append(vals, attrValue{spec, norm})
		i += 2
	}
	for _, spec := range prompted {
		v, ok := c.password()
		if !ok {
			return
		}
		norm, valid := spec.normalize(v, c.h.apps)
		if !valid {
			c.cliError("set", "Invalid value", spec)
			return
		}
		vals = append(vals, attrValue{spec, norm})
	}
	c.h.mu.Lock()
	app := c.h.setAttrs(n, vals)
	c.h.mu.Unlock()
	c.reply(app)
}

// clear empties attributes, or a column of a table row, or one alarm.
func (c *cli) clear(params []string) {
	n := c.cur
	switch n.kind {
	case tableNode:
		c.clearRowAttr(params)
		return
	case alarmNode:
		c.clearAlarm(params)
		return
	}
	if len(params) == 0 {
		c.cliError("clear", "Mandatory parameter missing", attributeChoice(n, (*attrSpec).clearable))
		return
	}
	var vals []attrValue
	for _, p := range params {
		spec := n.attr(p)
		if spec == nil {
			c.cliError("clear", "Invalid parameter "+p, nil)
			return
		}
		if !spec.clearable() {
			c.printf("[Error] Cannot clear %s: a value is mandatory\n", spec.name)
			return
		}
		vals = append(vals, attrValue{spec, ""})
	}
	c.h.mu.Lock()
	app := c.h.setAttrs(n, vals)
	c.h.mu.Unlock()
	c.reply(app)
}

// parseKey reads a row key from params; it prints the error and returns
// ok=false when a key value is missing or invalid.
func (c *cli) parseKey(cmd string, params []string) (map[string]string, []string, bool) {
	key := map[string]string{}
	for i, k := range c.cur.keys() {
		if i >= len(params) {
			c.cliError(cmd, "Mandatory parameter missing", k)
			return nil, nil, false
		}
		norm, ok := k.normalize(params[i], c.h.apps)
		if !ok {
			c.cliError(cmd, "Invalid value", k)
			return nil, nil, false
		}
		key[k.name] = norm
	}
	return key, params[len(key):], true
}

// addOrder lists the positional parameters of add: key values in key
// order, then the required columns in column order. An id-keyed table's id
// is assigned, never typed.
func addOrder(n *node) []*attrSpec {
	var order []*attrSpec
	if !n.idKeyed {
		order = append(order, n.keys()...)
	}
	for i := range n.attrs {
		if a := &n.attrs[i]; !a.key && !a.optional {
			order = append(order, a)
		}
	}
	return order
}

func (c *cli) add(params []string) {
	n := c.cur
	if n.scheduler {
		c.addSchedule(params)
		return
	}
	raw := map[string]string{}
	pos := 0
	order := addOrder(n)
	for _, a := range order {
		if pos >= len(params) {
			c.cliError("add", "Mandatory parameter missing", a)
			return
		}
		if _, ok := a.normalize(params[pos], c.h.apps); !ok {
			c.cliError("add", "Invalid value", a)
			return
		}
		raw[a.name] = params[pos]
		pos++
	}
	for pos < len(params) {
		a := n.attr(params[pos])
		if a == nil || !a.optional {
			c.cliError("add", "Invalid parameter "+params[pos], nil)
			return
		}
		if pos+1 >= len(params) {
			c.cliError("add", "Mandatory parameter missing", a)
			return
		}
		if _, ok := a.normalize(params[pos+1], c.h.apps); !ok {
			c.cliError("add", "Invalid value", a)
			return
		}
		raw[a.name] = params[pos+1]
		pos += 2
	}
	row, err := buildRow(n, raw, c.h.apps)
	if err != nil {
		// Unreachable: every value was validated above.
		c.printf("[Error] Add failed: %v\n", err)
		return
	}
	app, err := c.h.addRow(n, row)
	if errors.Is(err, ErrDuplicateRow) {
		c.println(textDuplicateRow)
		return
	}
	c.reply(app)
}

func (c *cli) setRow(params []string) {
	n := c.cur
	key, rest, ok := c.parseKey("set", params)
	if !ok {
		return
	}
	if len(rest) == 0 {
		c.cliError("set", "Mandatory parameter missing", attributeChoice(n, nonKey))
		return
	}
	type pair struct{ name, value string }
	var pairs []pair
	for i := 0; i < len(rest); i += 2 {
		a := n.attr(rest[i])
		if a == nil || a.key {
			c.cliError("set", "Invalid parameter "+rest[i], nil)
			return
		}
		if i+1 >= len(rest) {
			c.cliError("set", "Mandatory parameter missing", a)
			return
		}
		norm, ok := a.normalize(rest[i+1], c.h.apps)
		if !ok {
			c.cliError("set", "Invalid value", a)
			return
		}
		pairs = append(pairs, pair{a.name, norm})
	}
	var app string
	for _, p := range pairs {
		var err error
		app, err = c.h.setRowAttr(n, key, p.name, p.value)
		if errors.Is(err, ErrRowNotFound) {
			c.println(textRowNotFound)
			return
		}
	}
	c.reply(app)
}

func (c *cli) clearRowAttr(params []string) {
	n := c.cur
	key, rest, ok := c.parseKey("clear", params)
	if !ok {
		return
	}
	if len(rest) == 0 {
		c.cliError("clear", "Mandatory parameter missing", attributeChoice(n, nonKey))
		return
	}
	if len(rest) > 1 {
		c.cliError("clear", "Invalid parameter "+rest[1], nil)
		return
	}
	a := n.attr(rest[0])
	if a == nil || a.key {
		c.cliError("clear", "Invalid parameter "+rest[0], nil)
		return
	}
	if !a.optional || !a.clearable() {
		c.printf("[Error] Cannot clear %s: a value is mandatory\n", a.name)
		return
	}
	app, err := c.h.setRowAttr(n, key, a.name, "")
	if errors.Is(err, ErrRowNotFound) {
		c.println(textRowNotFound)
		return
	}
	c.reply(app)
}

func (c *cli) deleteRow(params []string) {
	key, rest, ok := c.parseKey("delete", params)
	if !ok {
		return
	}
	if len(rest) > 0 {
		c.cliError("delete", "Invalid parameter "+rest[0], nil)
		return
	}
	app, err := c.h.deleteRow(c.cur, key)
	if errors.Is(err, ErrRowNotFound) {
		c.println(textRowNotFound)
		return
	}
	c.reply(app)
}

func (c *cli) list(params []string) {
	if len(params) > 0 {
		c.cliError("list", "Invalid parameter "+params[0], nil)
		return
	}
	alarms := c.h.Alarms()
	rows := make([]map[string]string, 0, len(alarms))
	for _, al := range alarms {
		rows = append(rows, alarmRow(al))
	}
	c.printTable(c.cur, rows)
}

func (c *cli) clearAlarm(params []string) {
	idSpec := c.cur.keys()[0]
	if len(params) == 0 {
		c.cliError("clear", "Mandatory parameter missing", idSpec)
		return
	}
	if len(params) > 1 {
		c.cliError("clear", "Invalid parameter "+params[1], nil)
		return
	}
	id, err := strconv.Atoi(params[0])
	if err != nil {
		c.cliError("clear", "Invalid value", idSpec)
		return
	}
	if !c.h.clearAlarm(id) {
		c.println(textRowNotFound)
		return
	}
	c.println(textDone)
}

func (c *cli) clearAll(params []string) {
	if len(params) > 0 {
		c.cliError("clearAll", "Invalid parameter "+params[0], nil)
		return
	}
	c.println(textDangerWarning)
	c.println("")
	c.println("All raised alarms will be cleared. Continue?")
	if !c.confirm() {
		return
	}
	c.h.clearAllAlarms()
	c.println(textDone)
}
