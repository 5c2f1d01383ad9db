package bwcli

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// How the shell prompt is found (docs/bwcli.md, "Prompts"):
//
// A login prints whatever it likes (a MOTD of any length, a title escape)
// and then a prompt of whatever shape the account's PS1 gives: `$ `, `# `,
// `> `, with the time or the last exit code in it, over one or several
// lines. Nothing in the text says where the MOTD ends and the prompt
// begins, and waiting for the output to go quiet would be a guess about
// timing. So the session asks: as soon as the server has printed a line
// it did not end (it is probably waiting), the session sends one empty
// line, which every shell answers by printing its prompt again and
// nothing else. The prompt is then the last line when it repeats the
// line before it (or the last k lines repeat the k before them, for a
// prompt of two or three lines; or, when the server echoed nothing, the
// last line is one text twice). Runs of digits may differ between the two
// copies: a prompt showing the time or an exit code changes between
// commands. No timer is involved; the command timeout bounds the wait.
//
// Afterwards the learned prompt is matched with its digit runs as `\d+`,
// so a clock in the prompt never hangs a command. An operator who knows
// the prompt sets ssh.shell_prompt instead, and nothing is sent at login.

// maxPromptPeriod is the most lines a learned prompt may span.
const maxPromptPeriod = 3

// PromptPattern compiles an operator's prompt expression (the
// configuration's shell_prompt or cli_prompt): it must match the whole last
// line the server printed, trailing blanks aside, so no anchors are needed.
// An expression that matches an empty line is refused with an error
// wrapping ErrEmptyPrompt: it would match before the server printed
// anything.
func PromptPattern(expr string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(expr); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(`^(?:` + expr + `)[ \t]*$`)
	if err != nil {
		return nil, err
	}
	if re.MatchString("") {
		return nil, fmt.Errorf("%q matches an empty line; %w", expr, ErrEmptyPrompt)
	}
	return re, nil
}

// ErrEmptyPrompt is wrapped by PromptPattern's error for an expression
// that matches an empty line.
var ErrEmptyPrompt = errors.New("a prompt is never empty")

// maskDigits replaces each run of digits with one 0, so two prints of a
// prompt that shows the time or an exit code compare equal.
func maskDigits(s string) string {
	var b strings.Builder
	inDigits := false
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if !inDigits {
				b.WriteByte('0')
			}
			inDigits = true
			continue
		}
		inDigits = false
		b.WriteRune(r)
	}
	return b.String()
}

// tolerantPattern matches a learned prompt line with any digits where it
// had digits: `bwadmin@xsp1 10:15:59$ ` matches `bwadmin@xsp1 10:16:02$ `.
func tolerantPattern(line string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	run := []rune{}
	flush := func() {
		if len(run) > 0 {
			b.WriteString(regexp.QuoteMeta(string(run)))
			run = run[:0]
		}
	}
	rs := []rune(strings.TrimRight(line, " \t"))
	for i := 0; i < len(rs); i++ {
		if rs[i] >= '0' && rs[i] <= '9' {
			flush()
			for i+1 < len(rs) && rs[i+1] >= '0' && rs[i+1] <= '9' {
				i++
			}
			b.WriteString(`[0-9]+`)
			continue
		}
		run = append(run, rs[i])
	}
	flush()
	// Trailing blanks as printed, or none: some terminals drop them.
	b.WriteString(`[ \t]*$`)
	return regexp.MustCompile(b.String())
}

// repeatedPrompt finds the prompt at the end of the login's text (cleaned,
// newlines normalised): the last line when the last k lines (k up to
// maxPromptPeriod) repeat the k lines before them, digit runs aside; or
// the second half of the last line when it is one text printed twice (a
// server that echoed nothing). prefix holds the prompt's lines above the
// last one, for prompts of several lines.
func repeatedPrompt(text string) (prompt string, prefix []string, ok bool) {
	lines := strings.Split(text, "\n")
	n := len(lines)
	tail := lines[n-1]
	if strings.TrimSpace(tail) == "" {
		return "", nil, false
	}
	for k := 1; k <= maxPromptPeriod && 2*k <= n; k++ {
		same := true
		for i := 0; i < k; i++ {
			a, b := lines[n-k+i], lines[n-2*k+i]
			if strings.TrimSpace(a) == "" || maskDigits(a) != maskDigits(b) {
				same = false
				break
			}
		}
		if same {
			return tail, append([]string(nil), lines[n-k:n-1]...), true
		}
	}
	rs := []rune(tail)
	for i := 3; i+3 <= len(rs); i++ {
		if first, second := string(rs[:i]), string(rs[i:]); strings.TrimSpace(first) != "" && maskDigits(first) == maskDigits(second) {
			return second, nil, true
		}
	}
	return "", nil, false
}

// stripPromptPrefix removes the lines of a multi-line prompt that end a
// shell command's output (the last line of the prompt is never in it).
func (s *Session) stripPromptPrefix(out string) string {
	if len(s.promptPrefix) == 0 {
		return out
	}
	lines := strings.Split(out, "\n")
	k := len(s.promptPrefix)
	if len(lines) < k {
		return out
	}
	for i, re := range s.promptPrefix {
		if !re.MatchString(lines[len(lines)-k+i]) {
			return out
		}
	}
	return strings.TrimRight(strings.Join(lines[:len(lines)-k], "\n"), " \n")
}

// parseCLIPrompt splits a CLI prompt into the root and the path without
// its leading slash: `XSP_CLI/Applications/OpenClientServer> ` gives
// XSP_CLI and Applications/OpenClientServer. With an operator's cli_prompt
// the named groups `root` and `path` are used when present; otherwise the
// root is the text before the first `/` and the path the rest, up to the
// final `>`.
func (s *Session) parseCLIPrompt(t string) (root, path string, ok bool) {
	re := s.opts.CLIPrompt
	if re == nil {
		if !strings.HasSuffix(t, "> ") {
			return "", "", false
		}
		m := patterns.cliPrompt.FindStringSubmatch(t)
		if m == nil {
			return "", "", false
		}
		return m[1], strings.TrimPrefix(m[2], "/"), true
	}
	m := re.FindStringSubmatch(t)
	if m == nil {
		return "", "", false
	}
	ri, pi := re.SubexpIndex("root"), re.SubexpIndex("path")
	if ri > 0 && pi > 0 {
		return m[ri], strings.Trim(m[pi], "/"), true
	}
	text := strings.TrimSpace(t)
	text = strings.TrimSpace(strings.TrimSuffix(text, ">"))
	root, path, _ = strings.Cut(text, "/")
	if ri > 0 {
		root = m[ri]
	}
	if pi > 0 {
		path = strings.Trim(m[pi], "/")
	}
	return root, path, true
}
