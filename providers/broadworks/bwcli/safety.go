package bwcli

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what the driver puts on a command line. BroadWorks values are
// short (addresses, descriptions, numbers); anything longer is more likely a
// mistake or an attack than configuration, and a long line risks wrapping
// artefacts on a narrow PTY.
const (
	// MaxValueLen is the longest value, in bytes, QuoteValue accepts.
	MaxValueLen = 1024
	// MaxNameLen is the longest attribute name, application name or path
	// segment, in bytes.
	MaxNameLen = 128
	// maxPathLen bounds a whole context path.
	maxPathLen = 1024
)

// QuoteValue returns v as one BWCLI argument: double-quoted when it is empty
// or contains white space, as is otherwise. It refuses, with an
// *UnsafeValueError, anything that could end the line, start a second
// command or change how the line splits into arguments: `;`, line breaks,
// control characters (ESC, DEL, NUL, TAB, C1), any double quote, a trailing
// backslash, invalid UTF-8, and values longer than MaxValueLen. The error
// never contains the value, which may be a secret.
func QuoteValue(v string) (string, error) {
	if err := checkValue("value", v); err != nil {
		return "", err
	}
	if v == "" {
		return `""`, nil
	}
	if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		return `"` + v + `"`, nil
	}
	return v, nil
}

// checkValue applies QuoteValue's rules without quoting; what names the
// checked text in the error.
func checkValue(what, v string) error {
	if len(v) > MaxValueLen {
		return &UnsafeValueError{What: what, Rule: RuleTooLong, Offset: -1}
	}
	if !utf8.ValidString(v) {
		return &UnsafeValueError{What: what, Rule: RuleEncoding, Offset: invalidUTF8Offset(v)}
	}
	for i, r := range v {
		if rule := runeRule(r); rule != 0 {
			return &UnsafeValueError{What: what, Rule: rule, Offset: i}
		}
	}
	if strings.HasSuffix(v, `\`) {
		return &UnsafeValueError{What: what, Rule: RuleBackslash, Offset: len(v) - 1}
	}
	return nil
}

// runeRule returns the rule a rune of a value breaks, 0 if none.
func runeRule(r rune) UnsafeRule {
	switch {
	case r == ';':
		return RuleSemicolon
	case r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
		return RuleLineBreak
	case r == '"':
		return RuleQuote
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return RuleControl
	}
	return 0
}

func invalidUTF8Offset(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// CheckName checks an attribute name, column name or application name: 1 to
// MaxNameLen characters from [A-Za-z0-9_.-], starting with a letter or
// digit. Names are never quoted, so the charset is what keeps them safe.
func CheckName(s string) error {
	return checkName("name", s)
}

func checkName(what, s string) error {
	if s == "" {
		return &UnsafeValueError{What: what, Rule: RuleEmpty, Offset: -1}
	}
	if len(s) > MaxNameLen {
		return &UnsafeValueError{What: what, Rule: RuleTooLong, Offset: -1, Text: s}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isNameByte(c) || (i == 0 && !isAlnum(c)) {
			return &UnsafeValueError{What: what, Rule: nameRule(s, i), Offset: i, Text: sanitizeForMessage(s)}
		}
	}
	return nil
}

// nameRule reports the most specific rule for a bad byte in a name, so an
// operator reads "contains ';'" rather than a charset complaint.
func nameRule(s string, i int) UnsafeRule {
	if !utf8.ValidString(s) {
		return RuleEncoding
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	if rule := runeRule(r); rule != 0 {
		return rule
	}
	return RuleCharset
}

// CheckPath checks a context path such as `Applications/OpenClientServer/CAPProxy`
// (a leading slash is allowed; `/` or "" is the root): every segment is a
// name per CheckName; as a name starts with a letter or digit, `.` and `..`
// segments are refused, which keeps navigation absolute.
func CheckPath(p string) error {
	if len(p) > maxPathLen {
		return &UnsafeValueError{What: "path", Rule: RuleTooLong, Offset: -1, Text: p}
	}
	trimmed := strings.TrimPrefix(p, "/")
	if trimmed == "" {
		return nil
	}
	off := len(p) - len(trimmed)
	for _, seg := range strings.Split(trimmed, "/") {
		if err := checkName("path segment", seg); err != nil {
			ue := err.(*UnsafeValueError)
			ue.What, ue.Text = "path", sanitizeForMessage(p)
			if ue.Offset >= 0 {
				ue.Offset += off
			} else {
				ue.Offset = off
			}
			return ue
		}
		off += len(seg) + 1
	}
	return nil
}

// checkSecret checks a value typed at a password prompt. It is sent as the
// whole line, unquoted, so it must be non-empty and obey the value rules.
func checkSecret(v string) error {
	if v == "" {
		return &UnsafeValueError{What: "secret", Rule: RuleEmpty, Offset: -1}
	}
	return checkValue("secret", v)
}

// checkShellLine checks a raw shell command line: it may contain shell
// syntax, but nothing that ends the line early or drives the terminal.
func checkShellLine(s string) error {
	if len(s) > MaxValueLen {
		return &UnsafeValueError{What: "shell command", Rule: RuleTooLong, Offset: -1, Text: s}
	}
	if !utf8.ValidString(s) {
		return &UnsafeValueError{What: "shell command", Rule: RuleEncoding, Offset: invalidUTF8Offset(s), Text: sanitizeForMessage(s)}
	}
	for i, r := range s {
		if rule := runeRule(r); rule == RuleLineBreak || rule == RuleControl {
			return &UnsafeValueError{What: "shell command", Rule: rule, Offset: i, Text: sanitizeForMessage(s)}
		}
	}
	if strings.TrimSpace(s) == "" {
		return &UnsafeValueError{What: "shell command", Rule: RuleEmpty, Offset: -1}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isNameByte(c byte) bool {
	return isAlnum(c) || c == '_' || c == '.' || c == '-'
}

// sanitizeForMessage makes a refused name printable: %q in the message
// escapes it, but invalid UTF-8 is replaced so the message stays valid.
func sanitizeForMessage(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}
