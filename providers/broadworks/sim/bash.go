package sim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The login shell understands enough of bash for a person learning
// bwstate at `bwstate lab serve` to feel at home: `;` between commands,
// single and double quotes, `$?`, `$HOSTNAME` and `$USER`, pipes into
// grep, head and tail after any command, and the builtins echo, hostname,
// clear, history, help and exit. docs/simulator.md lists it all.

// splitCommands splits a shell line into its `;`-separated commands (a `;`
// inside quotes does not split), trimmed, empty ones dropped. Each is
// recorded as one shell command.
func splitCommands(line string) []string {
	var cmds []string
	for _, c := range splitUnquoted(line, ';') {
		if c = strings.TrimSpace(c); c != "" {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// splitUnquoted splits s on sep outside single and double quotes (a
// backslash escapes the next character outside single quotes).
func splitUnquoted(s string, sep byte) []string {
	var parts []string
	start := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == 0 && c == '\\':
			i++
		case quote == '"' && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == 0 && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// shellWords splits one command into words as bash does: blanks separate,
// quotes group, a backslash escapes, `$?`, `$HOSTNAME` and `$USER` expand
// outside single quotes (other variables are empty). An unclosed quote
// runs to the end of the line.
func (s *session) shellWords(cmd string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case quote == '\'' && c == '\'':
			quote = 0
		case quote == '\'':
			cur.WriteByte(c)
		case c == '\\' && i+1 < len(cmd):
			i++
			cur.WriteByte(cmd[i])
			inWord = true
		case quote == '"' && c == '"':
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
			inWord = true
		case c == '$' && i+1 < len(cmd):
			name, n := varName(cmd[i+1:])
			if n == 0 {
				cur.WriteByte(c)
			} else {
				cur.WriteString(s.variable(name))
				i += n
			}
			inWord = true
		case quote == 0 && (c == ' ' || c == '\t'):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

var varPattern = regexp.MustCompile(`^(\?|[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})`)

// varName returns the variable name at the start of s (after a `$`) and
// how many bytes it takes.
func varName(s string) (string, int) {
	m := varPattern.FindString(s)
	return strings.Trim(m, "{}"), len(m)
}

func (s *session) variable(name string) string {
	switch name {
	case "?":
		return strconv.Itoa(s.status)
	case "HOSTNAME":
		return s.host.hostname()
	case "USER", "LOGNAME":
		return labUser
	}
	return ""
}

// shellHelp is what `help` prints.
const shellHelp = `Simulated BroadWorks shell (bwstate lab). Commands:
  bwcli                 the BroadWorks CLI (help inside it; exit, then y, to leave)
  bwshowver             release, applications and patches
  showrun               applications and their states
  healthmon -l          the health report
  restartbw [APP]       restart one application, or all
  stopbw [APP]          stop one application, or all
  startbw [APP]         start one application, or all
  echo, hostname, clear, history, help, exit
Any command's output can go through | grep [-ivcnF] PATTERN, | head [-n N], | tail [-n N].
Line editing: arrow keys, Home/End, Ctrl-A/E/K/U/W; Up and Down recall history.
`

// shellCommand runs one command (a pipeline); it reports whether the shell
// ends. The status is left in s.status.
func (s *session) shellCommand(cmd string) (exit bool) {
	stages := splitUnquoted(cmd, '|')
	words := s.shellWords(stages[0])
	if len(words) == 0 {
		s.fail(2, "-bash: syntax error near unexpected token `|'\n")
		return false
	}
	if len(stages) == 1 {
		switch words[0] {
		case "exit", "logout":
			s.status = 0
			if len(words) > 1 {
				if n, err := strconv.Atoi(words[1]); err == nil {
					s.status = n & 0xff
				}
			}
			return true
		case "bwcli":
			if len(words) > 1 {
				s.finish("Usage: bwcli\n", 1)
				return false
			}
			newCLI(s).run()
			s.status = 0
			return s.ctx().Err() != nil
		}
	}
	if words[0] == "bwcli" {
		s.fail(1, "-bash: bwcli: the simulator does not pipe the interactive CLI; run bwcli alone\n")
		return false
	}
	out, status, ok := s.runCommand(words)
	if !ok {
		s.status = status
		s.t.write(s.garbage())
		return false
	}
	for _, stage := range stages[1:] {
		fw := s.shellWords(stage)
		if len(fw) == 0 {
			s.fail(2, "-bash: syntax error near unexpected token `|'\n")
			return false
		}
		var err string
		out, status, err = filter(fw, out)
		if err != "" {
			s.fail(status, err)
			return false
		}
	}
	s.finish(out, status)
	return false
}

// finish prints a command's output (and the garbage fault's line) and
// sets its status.
func (s *session) finish(out string, status int) {
	s.t.write(out + s.garbage())
	s.status = status
}

// fail prints an error on stderr and sets the status.
func (s *session) fail(status int, msg string) {
	s.t.writeErr(msg)
	s.t.write(s.garbage())
	s.status = status
}

// runCommand runs a command that is not bwcli, exit or a filter and
// returns its output. ok is false when it failed before producing any
// (the error is printed).
func (s *session) runCommand(words []string) (out string, status int, ok bool) {
	name, args := words[0], words[1:]
	switch name {
	case "restartbw", "startbw", "stopbw":
		out, status = s.appCommand(name, args)
	case "showrun":
		if s.host.cfg.Showrun == ShowrunAbsent {
			s.t.writeErr("-bash: showrun: command not found\n")
			return "", 127, false
		}
		out = s.showrun()
	case "bwshowver":
		out = s.bwshowver()
	case "healthmon":
		if len(args) != 1 || args[0] != "-l" {
			return "Usage: healthmon -l\n", 1, true
		}
		out = s.healthmon()
	case "echo":
		newline := true
		if len(args) > 0 && args[0] == "-n" {
			newline, args = false, args[1:]
		}
		out = strings.Join(args, " ")
		if newline {
			out += "\n"
		}
	case "hostname":
		out = s.host.hostname() + "\n"
	case "clear":
		out = "\x1b[H\x1b[2J"
	case "help":
		out = shellHelp
	case "history":
		var b strings.Builder
		for i, h := range s.history {
			fmt.Fprintf(&b, "%5d  %s\n", i+1, h)
		}
		out = b.String()
	case "grep", "head", "tail":
		s.t.writeErr(fmt.Sprintf("-bash: %s: the simulator's %s reads a pipe: try showrun | %s ...\n", name, name, name))
		return "", 2, false
	case "exit", "logout":
		// In a pipeline, as in bash's subshell, exit ends nothing.
		return "", 0, true
	default:
		s.t.writeErr(fmt.Sprintf("-bash: %s: command not found\n", name))
		return "", 127, false
	}
	return out, status, true
}

// filter runs grep, head or tail over text. err is the message for a
// misuse (status 2 for grep, 1 for head and tail).
func filter(words []string, text string) (out string, status int, err string) {
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	switch words[0] {
	case "grep":
		return grep(words[1:], lines)
	case "head", "tail":
		n, e := lineCount(words[0], words[1:])
		if e != "" {
			return "", 1, e
		}
		if n > len(lines) {
			n = len(lines)
		}
		if words[0] == "head" {
			return strings.Join(lines[:n], ""), 0, ""
		}
		return strings.Join(lines[len(lines)-n:], ""), 0, ""
	}
	return "", 127, fmt.Sprintf("-bash: %s: command not found (after | the simulator has grep, head and tail)\n", words[0])
}

// lineCount reads head's and tail's -n N, -nN or -N (default 10).
func lineCount(cmd string, args []string) (int, string) {
	n := 10
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		switch {
		case a == "-n" && i+1 < len(args):
			v = args[i+1]
			i++
		case strings.HasPrefix(a, "-n"):
			v = a[2:]
		case strings.HasPrefix(a, "-") && len(a) > 1:
			v = a[1:]
		default:
			return 0, fmt.Sprintf("%s: the simulator's %s reads only its pipe, not %s\n", cmd, cmd, a)
		}
		c, err := strconv.Atoi(v)
		if err != nil || c < 0 {
			return 0, fmt.Sprintf("%s: invalid number of lines: '%s'\n", cmd, v)
		}
		n = c
	}
	return n, ""
}

// grep selects lines matching a regular expression (RE2 syntax): -i
// ignores case, -v inverts, -c counts, -n numbers lines, -F takes the
// pattern literally, -E is accepted. Status 0 when a line was selected, 1
// when none, 2 for a misuse.
func grep(args []string, lines []string) (string, int, string) {
	var ignoreCase, invert, count, number, fixed bool
	var pattern string
	havePattern := false
	for i, a := range args {
		if !havePattern && strings.HasPrefix(a, "-") && len(a) > 1 && a != "--" {
			for _, f := range a[1:] {
				switch f {
				case 'i':
					ignoreCase = true
				case 'v':
					invert = true
				case 'c':
					count = true
				case 'n':
					number = true
				case 'F':
					fixed = true
				case 'E':
				default:
					return "", 2, fmt.Sprintf("grep: invalid option -- '%c'\nUsage: grep [-ivcnFE] PATTERN\n", f)
				}
			}
			continue
		}
		if a == "--" && !havePattern {
			continue
		}
		if havePattern {
			return "", 2, fmt.Sprintf("grep: %s: the simulator's grep reads only its pipe\n", args[i])
		}
		pattern, havePattern = a, true
	}
	if !havePattern {
		return "", 2, "Usage: grep [-ivcnFE] PATTERN\n"
	}
	if fixed {
		pattern = regexp.QuoteMeta(pattern)
	}
	if ignoreCase {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "", 2, fmt.Sprintf("grep: invalid pattern: %v\n", err)
	}
	var b strings.Builder
	n := 0
	for i, l := range lines {
		if re.MatchString(strings.TrimSuffix(l, "\n")) == invert {
			continue
		}
		n++
		if count {
			continue
		}
		if number {
			fmt.Fprintf(&b, "%d:", i+1)
		}
		b.WriteString(l)
		if !strings.HasSuffix(l, "\n") {
			b.WriteByte('\n')
		}
	}
	if count {
		fmt.Fprintf(&b, "%d\n", n)
	}
	if n == 0 {
		return b.String(), 1, ""
	}
	return b.String(), 0, ""
}
