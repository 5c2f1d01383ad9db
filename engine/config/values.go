package config

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/bwstate/bwstate/engine"
)

// MaxValueBytes is the longest value bwstate sends to the CLI.
const MaxValueBytes = 1024

var (
	pathSegmentRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	appNameRE     = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// valueProblem says why a value cannot be sent to the CLI.
type valueProblem struct {
	summary string
	detail  string
}

// UnsafeReason reports why s cannot be placed in a BWCLI command, or "" when
// it can. A value may hold spaces (the driver quotes it) but nothing that
// could end the quoting or the command: a ";" separates commands and a
// pending confirmation would take the next one as its answer, a line break
// submits the line (U+2028 and U+2029 count: some terminals and line
// editors break lines at them), a double quote closes the quoting, and a
// trailing backslash would escape the closing quote on a CLI that honours
// escapes; other control characters and invalid UTF-8 are refused because
// terminals interpret them. The provider applies the same rules again
// before sending (bwcli.QuoteValue), so a value that bypassed configuration
// loading is still refused, and a value accepted here is never refused
// there.
func UnsafeReason(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if len(s) > MaxValueBytes {
		return fmt.Sprintf("is %d bytes long; the limit is %d", len(s), MaxValueBytes)
	}
	for _, r := range s {
		switch {
		case r == ';':
			return `contains ";", which the CLI reads as a command separator`
		case r == '"':
			return "contains a double quote, which would end the CLI's quoting"
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			return "contains a line break, which would submit the command early"
		case unicode.IsControl(r):
			return fmt.Sprintf("contains the control character %U", r)
		}
	}
	if strings.HasSuffix(s, `\`) {
		return "ends with a backslash, which could escape the CLI's closing quote"
	}
	return ""
}

// MaxNameBytes is the longest path segment, attribute name or application
// name bwstate sends to the CLI (the driver's bwcli.MaxNameLen).
const MaxNameBytes = 128

// maxPathBytes bounds a whole context path (the driver's limit).
const maxPathBytes = 1024

// validPath reports why p is not an acceptable context path, or "".
func validPath(p string) string {
	trimmed := canonicalPath(p)
	if trimmed == "" {
		return "is empty"
	}
	for _, seg := range strings.Split(trimmed, "/") {
		if !pathSegmentRE.MatchString(seg) || strings.Trim(seg, ".") == "" {
			return fmt.Sprintf("has the segment %q; segments may only hold letters, digits, \"_\", \".\" and \"-\" and are separated by \"/\"", seg)
		}
		// The driver refuses these too (bwcli.CheckPath): a segment that
		// starts with "-" or "." could read as an option or a relative
		// step, so it must not pass validate and fail at apply.
		if !isAlnum(seg[0]) {
			return fmt.Sprintf("has the segment %q, which does not start with a letter or digit", seg)
		}
		if len(seg) > MaxNameBytes {
			return fmt.Sprintf("has a segment of %d bytes; the limit is %d", len(seg), MaxNameBytes)
		}
	}
	if len(trimmed) > maxPathBytes {
		return fmt.Sprintf("is %d bytes long; the limit is %d", len(trimmed), maxPathBytes)
	}
	return ""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// validAttrName reports why an attribute name of a set or row body cannot
// be sent to the CLI, or "". HCL identifiers admit non-ASCII letters, but
// the CLI's names are ASCII and the driver refuses anything else; a name
// the catalogue knows always passes.
func validAttrName(s string) string {
	if !appNameRE.MatchString(s) || !isAlnum(s[0]) {
		return "is not a CLI attribute name: use ASCII letters, digits, \"_\" and \"-\", starting with a letter or digit"
	}
	if len(s) > MaxNameBytes {
		return fmt.Sprintf("is %d bytes long; the limit is %d", len(s), MaxNameBytes)
	}
	return ""
}

// canonicalPath trims the leading and trailing slashes users may write.
func canonicalPath(p string) string {
	return strings.Trim(strings.TrimSpace(p), "/")
}

// validAppName reports why an application name for restartbw is not
// acceptable, or "".
func validAppName(s string) string {
	if !appNameRE.MatchString(s) || strings.Trim(s, ".") == "" || len(s) > MaxNameBytes {
		return "is not an application name: use letters, digits, \"_\", \".\" and \"-\", like \"OpenClientServer\""
	}
	if !isAlnum(s[0]) {
		// restartbw would read a leading "-" as an option; the driver
		// refuses it (bwcli.CheckName).
		return "is not an application name: it must start with a letter or digit, like \"OpenClientServer\""
	}
	return ""
}

// show renders a value for a message, or a neutral phrase for secrets.
func show(v cty.Value, sensitive bool) string {
	if sensitive {
		return "the given (sensitive) value"
	}
	if v.IsNull() {
		return "null"
	}
	if !v.IsKnown() {
		return "an unknown value"
	}
	switch v.Type() {
	case cty.String:
		s := v.AsString()
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return fmt.Sprintf("%q", s)
	case cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	}
	return v.Type().FriendlyName()
}

// cliValue converts an evaluated value to the canonical CLI text of
// attribute a (nil for contexts the catalogue does not know, whose values
// are compared as strings). Conversion follows cty's rules, so the string
// "true" is a valid bool and "22" a valid number, but "yes" is not a bool.
// When v is not yet known (facts at validate time), only its type is
// checked and known is false.
func cliValue(v cty.Value, a *engine.Attribute, label string) (text string, known, sensitive bool, p *valueProblem) {
	v, marks := v.UnmarkDeep()
	sensitive = len(marks) > 0 || (a != nil && a.Sensitive)
	if v.IsNull() {
		return "", true, sensitive, &valueProblem{"Missing value",
			fmt.Sprintf("%s is null. Give it a value (for text, \"\" clears it).", label)}
	}
	if !v.Type().IsPrimitiveType() && v.Type() != cty.DynamicPseudoType {
		if a == nil {
			return "", false, sensitive, &valueProblem{"Invalid value",
				fmt.Sprintf("%s must be a string, number or bool, not %s.", label, typeName(v))}
		}
		return "", false, sensitive, &valueProblem{"Invalid value",
			fmt.Sprintf("%s is a %s attribute and cannot take %s.", label, kindWord(a), typeName(v))}
	}
	target := cty.String
	if a != nil {
		switch a.Type {
		case engine.TypeBool:
			target = cty.Bool
		case engine.TypeInt:
			target = cty.Number
		}
	}
	cv, err := convert.Convert(v, target)
	if err != nil {
		switch target {
		case cty.Bool:
			return "", false, sensitive, &valueProblem{"Invalid value for " + label,
				fmt.Sprintf("%s is a bool: use true or false, not %s.", label, show(v, sensitive))}
		case cty.Number:
			return "", false, sensitive, &valueProblem{"Invalid value for " + label,
				fmt.Sprintf("%s is a whole number, not %s.", label, show(v, sensitive))}
		}
		return "", false, sensitive, &valueProblem{"Invalid value for " + label, fmt.Sprintf("%s: %s.", label, err)}
	}
	if !cv.IsWhollyKnown() {
		return "", false, sensitive, nil
	}
	if cv.IsNull() {
		return "", true, sensitive, &valueProblem{"Missing value", fmt.Sprintf("%s is null.", label)}
	}
	switch target {
	case cty.Bool:
		if cv.True() {
			return "true", true, sensitive, nil
		}
		return "false", true, sensitive, nil
	case cty.Number:
		n, acc := cv.AsBigFloat().Int64()
		if acc != big.Exact {
			return "", true, sensitive, &valueProblem{"Invalid value for " + label,
				fmt.Sprintf("%s is a whole number, not %s.", label, show(cv, sensitive))}
		}
		if (a.Min != 0 || a.Max != 0) && (n < a.Min || n > a.Max) {
			return "", true, sensitive, &valueProblem{"Value out of range",
				fmt.Sprintf("%s must be between %d and %d, not %s.", label, a.Min, a.Max, show(cv, sensitive))}
		}
		return fmt.Sprint(n), true, sensitive, nil
	}
	s := cv.AsString()
	if why := UnsafeReason(s); why != "" {
		what := theValue(s, sensitive)
		return "", true, sensitive, &valueProblem{"Unsafe value",
			fmt.Sprintf("%s of %s %s. Values must not contain \";\", double quotes, line breaks or other control characters, must be valid UTF-8 and at most %d bytes, so that nothing can break out of the CLI command.",
				what, label, why, MaxValueBytes)}
	}
	if a != nil && a.Prompted && s == "" {
		// The value is typed at the CLI's password prompt as the whole
		// line; the driver refuses an empty answer, so validate must too.
		return "", true, sensitive, &valueProblem{"Empty password",
			fmt.Sprintf("%s is a password typed at the CLI's prompt and cannot be empty.", label)}
	}
	if (a == nil || !a.Prompted) && s != strings.Trim(s, " ") {
		// `get` prints `name = value` and tables print cells between
		// blanks: spaces around a value never show, so bwstate could not
		// confirm it after writing it. A password is never read back.
		what := theValue(s, sensitive)
		return "", true, sensitive, &valueProblem{"Value cannot be read back",
			fmt.Sprintf("%s of %s begins or ends with a space. The CLI prints values without the spaces around them, so after writing it bwstate could never read it back as written; remove them.", what, label)}
	}
	if a != nil && a.Type == engine.TypeChoice {
		norm, err := a.Normalize(s)
		if err != nil {
			return "", true, sensitive, &valueProblem{"Invalid choice",
				fmt.Sprintf("%s must be one of %s, not %s.", label, strings.Join(a.Choices, ", "), show(cv, sensitive))}
		}
		return norm, true, sensitive, nil
	}
	return s, true, sensitive, nil
}

// theValue names a value in a message: quoted when it is short, printable
// text and not sensitive, else only "The value".
func theValue(s string, sensitive bool) string {
	if !sensitive && len(s) <= 60 && utf8.ValidString(s) {
		return fmt.Sprintf("The value %q", s)
	}
	return "The value"
}

func kindWord(a *engine.Attribute) string {
	switch a.Type {
	case engine.TypeBool:
		return "bool"
	case engine.TypeInt:
		return "number"
	case engine.TypeChoice:
		return "choice"
	}
	return "text"
}
