package views

import "github.com/bwstate/bwstate/engine"

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

// KeyText prints a table row's key as the human view does:
// [host=10.9.0.5], sensitive values masked.
func KeyText(key []engine.Field) string { return formatKey(key) }

// SummaryLine is the human view's last line for the counts c.
func SummaryLine(c Counts) string { return summaryLine(c) }
