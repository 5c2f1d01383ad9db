package bwcli

import (
	"fmt"
	"regexp"
	"strings"
)

// ReplyKind classifies a successful write.
type ReplyKind int

const (
	// Done means the change took effect (`...Done`).
	Done ReplyKind = iota
	// RestartRequired means the change was stored but takes effect only
	// after a restart (either restart warning).
	RestartRequired
)

func (k ReplyKind) String() string {
	switch k {
	case Done:
		return "done"
	case RestartRequired:
		return "restart required"
	}
	return fmt.Sprintf("ReplyKind(%d)", int(k))
}

// MarshalText renders the kind as its String, for JSON journals.
func (k ReplyKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Reply is the classified answer to a successful set, clear, add or delete.
type Reply struct {
	Kind ReplyKind `json:"kind"`
	// Text is the server's own words: the restart warning for
	// RestartRequired, `...Done` for Done.
	Text string `json:"text"`
}

// ClassifyReply classifies the output of a set, clear, add or delete (echo
// and prompt already removed). An error line (`[CLIError]`, `[Error]`,
// `Error:`, `Failed to`, `Cannot`, `Invalid command`, `Mandatory parameter
// missing`, `entry is already present in list`, `Entry not found`) wins and
// yields a *CommandError whose Text runs from that line to the end, so the
// parameter spec line that follows is kept; Command is left empty for the
// caller. A restart warning yields RestartRequired whether or not `...Done`
// follows; `...Done` alone yields Done. Anything else, including no output,
// is a *ProtocolError: the driver cannot tell whether the change happened.
func ClassifyReply(out string) (Reply, error) {
	if text, ok := findError(out, false); ok {
		return Reply{}, &CommandError{Text: text}
	}
	var warnings []string
	done := ""
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
		case matchAny(patterns.restartWarnings, t):
			warnings = append(warnings, t)
		case patterns.done.MatchString(t):
			done = t
		}
	}
	switch {
	case len(warnings) > 0:
		return Reply{Kind: RestartRequired, Text: strings.Join(warnings, "\n")}, nil
	case done != "":
		return Reply{Kind: Done, Text: done}, nil
	case strings.TrimSpace(out) == "":
		return Reply{}, &ProtocolError{Reason: "no reply (expected ...Done, a restart warning or an error)"}
	}
	return Reply{}, &ProtocolError{Reason: "unrecognised reply", Text: truncate(strings.TrimSpace(out), 200)}
}

// findError finds the first error line of out and returns it with every
// line after it, trimmed. With leadingOnly, only the first non-blank line
// is considered: read output (tables, shell tools) may carry words such as
// "Cannot" inside data, but the server reports an error before any data.
func findError(out string, leadingOnly bool) (string, bool) {
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if isErrorLine(t) {
			return strings.TrimSpace(strings.Join(lines[i:], "\n")), true
		}
		if leadingOnly {
			return "", false
		}
	}
	return "", false
}

func isErrorLine(t string) bool {
	return matchAny(patterns.cliErrors, t) || matchAny(patterns.cliErrorSubstrings, t) || matchAny(patterns.shellErrors, t)
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
