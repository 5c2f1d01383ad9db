package bwcli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("bwcli session closed")
	// ErrBroken is wrapped by every method after a command was abandoned
	// (timeout, cancellation, closed stream, unexpected prompt): the
	// abandoned command's output may still arrive, so the session can no
	// longer tell replies apart. Open a new session.
	ErrBroken = errors.New("bwcli session unusable after an earlier failure")
	// ErrNotShell is wrapped when a shell command is run while bwcli is
	// running (or before WaitShell).
	ErrNotShell = errors.New("not at the shell prompt")
	// ErrNotCLI is wrapped when a CLI command is run while bwcli is not
	// running.
	ErrNotCLI = errors.New("bwcli is not running")
)

// CommandError is a command the server refused, with the server's own text.
type CommandError struct {
	// Command is the command line as sent, with sensitive values replaced
	// by ********.
	Command string
	// Text is the server's reply from the first error line on, including
	// the parameter spec line that follows it, with sensitive values
	// redacted.
	Text string
}

func (e *CommandError) Error() string {
	if e.Command == "" {
		return "server refused: " + oneLine(e.Text)
	}
	return fmt.Sprintf("%s: server refused: %s", e.Command, oneLine(e.Text))
}

// NavigationError is a `cd` that did not arrive at the requested context:
// the server answered with an error (Text) or its prompt names another
// context (Prompt).
type NavigationError struct {
	// Path is the requested context path.
	Path string
	// Prompt is the prompt the server showed afterwards.
	Prompt string
	// Text is the server's reply (`Invalid command`), empty if none.
	Text string
}

func (e *NavigationError) Error() string {
	if e.Text != "" {
		return fmt.Sprintf("cd /%s: %s", strings.TrimPrefix(e.Path, "/"), oneLine(e.Text))
	}
	return fmt.Sprintf("cd /%s: the prompt shows %q, not the requested context", strings.TrimPrefix(e.Path, "/"), strings.TrimSpace(e.Prompt))
}

// IsInvalidCommand reports whether a server's reply is BWCLI's `Invalid
// command` (an unknown command or context) [C].
func IsInvalidCommand(text string) bool {
	return patterns.invalidCommand.MatchString(strings.TrimSpace(text))
}

// UnsafeRule names the rule an unsafe value broke.
type UnsafeRule int

// The rules of CheckName, CheckPath and QuoteValue.
const (
	// RuleSemicolon: BWCLI runs text after `;` as a second command.
	RuleSemicolon UnsafeRule = iota + 1
	// RuleLineBreak: a newline or carriage return ends the command line.
	RuleLineBreak
	// RuleControl: other control characters (ESC, DEL, NUL, TAB, C1) drive
	// the terminal or the line editor.
	RuleControl
	// RuleQuote: a double quote would change how the line splits into
	// arguments.
	RuleQuote
	// RuleBackslash: a trailing backslash may escape the closing quote or
	// the line end.
	RuleBackslash
	// RuleEncoding: the value is not valid UTF-8.
	RuleEncoding
	// RuleTooLong: the value exceeds MaxValueLen (or MaxNameLen).
	RuleTooLong
	// RuleCharset: a name, path or application has a character outside
	// [A-Za-z0-9_.-], does not start with a letter or digit, or is a `.`/`..`
	// path segment.
	RuleCharset
	// RuleEmpty: a name or prompted secret is empty.
	RuleEmpty
)

func (r UnsafeRule) String() string {
	switch r {
	case RuleSemicolon:
		return "contains ';', which BWCLI treats as a command separator"
	case RuleLineBreak:
		return "contains a line break, which would end the command line"
	case RuleControl:
		return "contains a control character"
	case RuleQuote:
		return "contains a double quote, which BWCLI cannot carry inside a value"
	case RuleBackslash:
		return "ends with a backslash, which could escape the closing quote or line end"
	case RuleEncoding:
		return "is not valid UTF-8"
	case RuleTooLong:
		return "is too long"
	case RuleCharset:
		return "has characters outside letters, digits, '_', '.' and '-'"
	case RuleEmpty:
		return "is empty"
	}
	return fmt.Sprintf("UnsafeRule(%d)", int(r))
}

// UnsafeValueError is a value, name or path refused before anything was
// written, because it could inject a command or break the command line.
type UnsafeValueError struct {
	// What was checked: "value", "attribute name", "path", ...
	What string
	Rule UnsafeRule
	// Offset is the byte offset of the offending character, -1 when the
	// rule concerns the whole text.
	Offset int
	// Text is the refused text for names and paths; always empty for
	// values, which may be secrets.
	Text string
}

func (e *UnsafeValueError) Error() string {
	var b strings.Builder
	b.WriteString("unsafe ")
	b.WriteString(e.What)
	if e.Text != "" {
		fmt.Fprintf(&b, " %q", truncate(e.Text, 64))
	}
	b.WriteString(": ")
	b.WriteString(e.Rule.String())
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (byte %d)", e.Offset)
	}
	return b.String()
}

// TimeoutError is a command that got no complete reply within
// Options.CommandTimeout. It matches context.DeadlineExceeded with errors.Is.
type TimeoutError struct {
	// Command as sent, sensitive values redacted.
	Command string
	Timeout time.Duration
	// Received is the end of what arrived, cleaned, redacted and truncated.
	Received string
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s: no reply within %s; last received: %q", e.Command, e.Timeout, e.Received)
}

// Is makes errors.Is(err, context.DeadlineExceeded) true.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// ClosedError is a stream that ended (EOF or a read error) while a command
// was running.
type ClosedError struct {
	// Command as sent, sensitive values redacted.
	Command string
	// Received is the end of what arrived, cleaned, redacted and truncated.
	Received string
	// Err is the read error (io.EOF for an orderly close).
	Err error
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("%s: connection closed while running the command (%v); last received: %q", e.Command, e.Err, e.Received)
}

func (e *ClosedError) Unwrap() error { return e.Err }

// ProtocolError is output the driver cannot interpret: an unrecognised
// reply, an unexpected confirmation or password prompt, bwcli ending
// unexpectedly, too much output.
type ProtocolError struct {
	// Command as sent, sensitive values redacted.
	Command string
	// Reason says what was unexpected.
	Reason string
	// Text is the output concerned, redacted and truncated.
	Text string
}

func (e *ProtocolError) Error() string {
	if e.Command == "" {
		if e.Text == "" {
			return e.Reason
		}
		return fmt.Sprintf("%s: %q", e.Reason, e.Text)
	}
	if e.Text == "" {
		return fmt.Sprintf("%s: %s", e.Command, e.Reason)
	}
	return fmt.Sprintf("%s: %s: %q", e.Command, e.Reason, e.Text)
}

// ParseError is output of a known command that does not have the expected
// shape.
type ParseError struct {
	// What was being parsed: "attributes", "table", "bwshowver", ...
	What string
	// Line is the 1-based line number in the parsed text, 0 when the error
	// concerns the whole text.
	Line int
	// Text is the offending line, truncated.
	Text   string
	Reason string
	// full is the offending line before truncation, so that a session
	// masks a secret in it before cutting (see Session.scrub).
	full string
}

// maxQuoted bounds a line of server output quoted in an error.
const maxQuoted = 120

// lineError is a ParseError quoting line n of the parsed text.
func lineError(what string, n int, text, reason string) *ParseError {
	return &ParseError{What: what, Line: n, Text: truncate(text, maxQuoted), Reason: reason, full: text}
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("parse %s: %s", e.What, e.Reason)
	}
	return fmt.Sprintf("parse %s: line %d: %s: %q", e.What, e.Line, e.Reason, e.Text)
}

// oneLine joins a multi-line server text for an error message; control
// characters and other non-printing runes in it are shown as Go escapes
// (`\x1b`), so a message never carries them raw.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	if strings.IndexFunc(s, notPrintable) >= 0 {
		var b strings.Builder
		for _, r := range s {
			if notPrintable(r) {
				q := strconv.QuoteRune(r)
				b.WriteString(q[1 : len(q)-1])
				continue
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	return strings.Join(strings.Fields(s), " ")
}

// notPrintable reports a rune a message shows escaped.
func notPrintable(r rune) bool { return r != ' ' && r != '\t' && !unicode.IsPrint(r) }

// truncate keeps at most n runes of s, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

// truncateTail keeps the last n runes of s, marking the cut.
func truncateTail(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "..." + string(r[len(r)-n:])
}
