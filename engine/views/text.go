package views

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bwstate/bwstate/engine"
)

// The human view's text rules, for other renderings of the same plan (the
// change review of engine/views/mop): a value, a masked value and a
// server-supplied string print there exactly as they print here.

// Masks the human view prints instead of a value.
const (
	// SensitiveText replaces the value of a sensitive attribute or key.
	SensitiveText = "(sensitive)"
	// UnknownText is the before-value of a prompted password, which the
	// server never shows.
	UnknownText = "(unknown)"
)

// Value prints a CLI value as the human view does: as is, or quoted with Go
// escapes when it is empty, has blanks or quotes, or has control
// characters.
func Value(v string) string { return value(v) }

// Clean escapes control characters and invalid UTF-8 in text that may come
// from a server, as the human view does.
func Clean(s string) string { return clean(s) }

// CleanLines is Clean for text of several lines (a CLI error, a host's
// failure): each line is cleaned, the line feeds between them stay.
func CleanLines(s string) string {
	if !strings.Contains(s, "\n") {
		return clean(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	return strings.Join(lines, "\n")
}

// KeyText prints a table row's key as the human view does:
// [host=10.9.0.5], sensitive values masked.
func KeyText(key []engine.Field) string { return formatKey(key) }

// SummaryLine is the human view's last line for the counts c.
func SummaryLine(c Counts) string { return summaryLine(c) }

// JSONWriter returns a writer for a json.Encoder whose output may reach a
// terminal. The encoder escapes the control characters below 0x20 but
// writes DEL, the C1 controls (U+0080 to U+009F, which some terminals act
// on) and other non-printing characters as they are; through this writer
// they become \u escapes, which decode to the same strings. It relies on
// the encoder writing each value whole, in one Write.
func JSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(EscapeJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// EscapeJSON rewrites encoded JSON so that every non-printing character
// from DEL up is a \u escape (see JSONWriter). Outside strings JSON holds
// only ASCII, so only string contents change, and they decode the same.
func EscapeJSON(b []byte) []byte {
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r >= 0x7f && !(r == utf8.RuneError && n == 1) && !unicode.IsPrint(r) {
			break
		}
		i += n
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r < 0x7f || r == utf8.RuneError && n == 1 || unicode.IsPrint(r):
			out = append(out, b[i:i+n]...)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += n
	}
	return out
}
