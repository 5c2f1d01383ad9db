package bwcli

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// cleanTerm turns raw terminal bytes into text for matching prompts and
// echoes: decodeTerm, then cleanText. Values are never read from its
// result (see valueText).
func cleanTerm(raw []byte) string {
	return cleanText(decodeTerm(raw), nil)
}

// decodeTerm turns raw terminal bytes into text: a line that is not valid
// UTF-8 is decoded as ISO-8859-1 (docs/bwcli.md: output may be ISO-8859-1,
// inferred). Nothing else changes: control characters stay.
func decodeTerm(raw []byte) string {
	if utf8.Valid(raw) {
		return string(raw)
	}
	return decodeLines(raw)
}

// cleanText removes ANSI escape sequences and control characters other than
// \n, \r and \t from text (none are known, so this is defensive); a
// backspace or DEL erases the previous character of the line, as the
// terminal would show it. \r is kept: the echo matcher needs it to
// recognise line-wrap artefacts, and normaliseNewlines removes it
// afterwards.
//
// With ends, (*ends)[j] is set to the index in text just after the input
// that produced output byte j (nil when nothing was removed), so that a position found in the cleaned text
// (the end of an echo) can be carried back to text, where the control
// characters of the data that follows are still there.
func cleanText(text string, ends *[]int) string {
	if !needsCleaning(text) {
		if ends != nil {
			*ends = nil // the identity: see rawOffset
		}
		return text
	}
	out := make([]byte, 0, len(text))
	var end []int
	if ends != nil {
		end = make([]int, 0, len(text))
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == 0x1b:
			i = skipEscape(text, i+1)
			continue
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(text, i+n)
			continue
		case r == '\b' || r == 0x7f:
			out = eraseLast(out)
			if ends != nil {
				end = end[:len(out)]
			}
		case r == '\n' || r == '\r' || r == '\t':
			out = append(out, byte(r))
			if ends != nil {
				end = append(end, i+n)
			}
		case r < 0x20 || (r >= 0x80 && r < 0xa0):
			// Other C0 and C1 controls carry no text.
		default:
			out = append(out, text[i:i+n]...)
			if ends != nil {
				for range n {
					end = append(end, i+n)
				}
			}
		}
		i += n
	}
	if ends != nil {
		*ends = end
	}
	return string(out)
}

// rawOffset carries the start of a suffix of the cleaned text (cleaned[at:])
// back to text: the index just after the input that produced the byte
// before it, so whatever cleanText dropped between the two (escape
// sequences, control characters) belongs to the suffix.
func rawOffset(ends []int, at int) int {
	if at <= 0 || ends == nil {
		return max(at, 0)
	}
	return ends[at-1]
}

// needsCleaning reports whether text holds anything cleanTerm changes, so
// the common case (plain ASCII or UTF-8 text) costs one scan.
func needsCleaning(text string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			return true
		}
		if c == 0xc2 && i+1 < len(text) && text[i+1] >= 0x80 && text[i+1] < 0xa0 {
			return true // a C1 control encoded in UTF-8
		}
	}
	return false
}

// decodeLines decodes each line of raw that is not valid UTF-8 as
// ISO-8859-1, keeping valid lines as they are: a server may mix an ASCII
// echo with Latin-1 data.
func decodeLines(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/8)
	dec := charmap.ISO8859_1
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line = raw[:i+1]
		}
		raw = raw[len(line):]
		if utf8.Valid(line) {
			b.Write(line)
			continue
		}
		for _, c := range line {
			b.WriteRune(dec.DecodeByte(c))
		}
	}
	return b.String()
}

// skipEscape returns the index after the escape sequence whose ESC was at
// i-1. An incomplete sequence at the end of the text is dropped whole.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']':
		// OSC: ends with BEL or ST (ESC \).
		for j := i + 1; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
			if s[j] == '\n' {
				return j // an unterminated OSC does not swallow lines
			}
		}
		return len(s)
	case c == 'P' || c == 'X' || c == '^' || c == '_':
		// DCS, SOS, PM, APC: end with ST.
		if j := strings.Index(s[i+1:], "\x1b\\"); j >= 0 {
			return i + 1 + j + 2
		}
		return len(s)
	case c >= 0x20 && c <= 0x2f:
		// nF: intermediates then one final byte, e.g. ESC ( B.
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
			j++
		}
		if j < len(s) && s[j] < 0x80 {
			j++
		}
		return j
	case c < 0x80:
		// Two-byte escapes: ESC 7, ESC =, ESC c, ...
		return i + 1
	default:
		// ESC before a non-ASCII character: drop the ESC, keep the text.
		return i
	}
}

// skipCSI skips a control sequence's parameter, intermediate and final
// bytes starting at i.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x30 && s[i] <= 0x3f {
		i++
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// eraseLast removes the last character of the current line, if any.
func eraseLast(b []byte) []byte {
	if len(b) == 0 || b[len(b)-1] == '\n' {
		return b
	}
	_, n := utf8.DecodeLastRune(b)
	return b[:len(b)-n]
}

// normaliseNewlines turns \r\n, \r\r\n and a stray \r into \n.
func normaliseNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\r' {
			b = append(b, c)
			continue
		}
		if i+1 < len(s) && (s[i+1] == '\r' || s[i+1] == '\n') {
			continue
		}
		b = append(b, '\n')
	}
	return string(b)
}

// tailStart returns the index where the last line of raw starts: only that
// tail can be a prompt, so a prompt-like text inside data never counts.
func tailStart(raw []byte) int {
	return bytes.LastIndexByte(raw, '\n') + 1
}

// tailText cleans the last line for prompt matching. A carriage return
// inside it (a redrawn prompt) keeps only what follows it.
func tailText(tail []byte) string {
	if len(tail) > maxPromptLen {
		return string(tail[len(tail)-maxPromptLen-1:]) // too long to be a prompt
	}
	t := cleanTerm(tail)
	if i := strings.LastIndexByte(t, '\r'); i >= 0 && i+1 < len(t) {
		t = t[i+1:]
	}
	return t
}

// stripEcho removes the PTY echo of cmd from the start of text (cleaned,
// \r still present), tolerating carriage returns, line breaks and the
// ` \r` a line editor writes when it wraps a long line, and a prompt the
// editor redraws before the echo. ok is false (and text is returned
// unchanged) when no echo is found, as on a stream without a PTY.
func stripEcho(text, cmd, prompt string) (rest string, ok bool) {
	i := 0
	for i < len(text) && (text[i] == '\r' || text[i] == '\n') {
		i++
	}
	if end, ok := matchEcho(text, i, cmd); ok {
		return text[end:], true
	}
	if prompt != "" && strings.HasPrefix(text[i:], prompt) {
		if end, ok := matchEcho(text, i+len(prompt), cmd); ok {
			return text[end:], true
		}
	}
	return text, false
}

// matchEcho matches cmd in text from k to the end of its line and returns
// the index after that line's end.
func matchEcho(text string, k int, cmd string) (int, bool) {
	for j := 0; j < len(cmd); {
		if k >= len(text) {
			return 0, false
		}
		c := text[k]
		switch {
		case c == cmd[j]:
			k++
			j++
			continue
		case c == '\r' || c == '\n':
			k++
			continue
		case c == ' ':
			m := k
			for m < len(text) && text[m] == ' ' {
				m++
			}
			if m < len(text) && (text[m] == '\r' || text[m] == '\n') {
				k = m
				continue
			}
		}
		return 0, false
	}
	for k < len(text) && (text[k] == ' ' || text[k] == '\r') {
		k++
	}
	if k < len(text) {
		if text[k] != '\n' {
			return 0, false
		}
		k++
	}
	return k, true
}

// maskText stands for a redacted value in transcripts and errors.
const maskText = "********"

// transcriptText writes server text for the transcript (docs/simulator.md,
// "The transcript format"): every character a terminal would act on or
// that does not print (C0 and C1 controls, DEL, other non-printing runes)
// as an escape, \x1b for a control below 0x80 and \u0085 or \U0001d173
// above, and each backslash doubled, so the text is safe to read on a
// terminal and the replay gets back exactly what the server printed. Line
// feeds and tabs stay as they are.
func transcriptText(s string) string {
	clean := true
	for _, r := range s {
		if r == '\\' || r != '\n' && r != '\t' && r != ' ' && !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == utf8.RuneError && n == 1:
			// Not produced by decodeTerm; kept visible if it ever is.
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t' || r == ' ' || unicode.IsPrint(r):
			b.WriteString(s[i : i+n])
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += n
	}
	return b.String()
}

// stripInterim removes the interim texts of a command from its output: the
// large-table question, `Retrieving data...`, confirmation and password
// prompts with the echo of their answers (answers; masked echoes), keeping
// whatever follows them on the same line (a `...Done` the server printed
// right after a password read without a newline).
func stripInterim(out string, answers []string) string {
	lines := strings.Split(out, "\n")
	kept := lines[:0]
	for _, line := range lines {
		rest, changed := stripInterimLine(line, answers)
		if changed && strings.TrimSpace(rest) == "" {
			continue
		}
		kept = append(kept, rest)
	}
	return strings.Join(kept, "\n")
}

// stripInterimValues is stripInterim for a read's output as printed
// (valueText): each line is matched on its cleaned copy, so a decorated
// interim text is still recognised, and a data line is kept exactly. What
// follows an interim text on its line is taken from the line as printed
// when it is a suffix of the cleaned line, and cleaned otherwise.
func stripInterimValues(out string, answers []string) string {
	lines := strings.Split(out, "\n")
	kept := lines[:0]
	for _, line := range lines {
		var ends []int
		cleaned := cleanText(line, &ends)
		rest, changed := stripInterimLine(cleaned, answers)
		if !changed {
			kept = append(kept, line)
			continue
		}
		if strings.TrimSpace(rest) == "" {
			continue
		}
		if strings.HasSuffix(cleaned, rest) {
			rest = line[rawOffset(ends, len(cleaned)-len(rest)):]
		}
		kept = append(kept, rest)
	}
	return strings.Join(kept, "\n")
}

func stripInterimLine(line string, answers []string) (string, bool) {
	changed := false
	for {
		t := strings.TrimLeft(line, " ")
		if t == "" || !strings.ContainsRune("AaRrPpNnCc", rune(t[0])) && !strings.Contains(t, "? ") && !strings.Contains(t, "ontinue?") {
			// Every interim text starts with one of these letters, ends
			// in `Continue?` or follows a question; the check keeps
			// regular expressions off ordinary data lines.
			return line, changed
		}
		if loc := patterns.sizeWarning.FindStringIndex(t); loc != nil {
			line, changed = t[loc[1]:], true
			continue
		}
		if loc := patterns.retrieving.FindStringIndex(t); loc != nil {
			line, changed = t[loc[1]:], true
			continue
		}
		loc := findConfirm(t)
		if loc == nil {
			loc = patterns.password.FindStringIndex(t)
		}
		if loc == nil {
			return line, changed
		}
		// A question before the confirmation on the same line (a dangerous
		// operation's description) stays in the output.
		question := strings.TrimSpace(t[:loc[0]])
		line, changed = strings.TrimLeft(t[loc[1]:], " "), true
		// Drop the echo of our answer, or the stars a password reader shows.
		word := line
		if i := strings.IndexByte(line, ' '); i >= 0 {
			word = line[:i]
		}
		if word != "" && (patterns.masked.MatchString(word) || containsFold(answers, word)) {
			line = line[len(word):]
		}
		if question != "" {
			return question + line, changed
		}
	}
}

// findConfirm locates the confirmation prompt in a line: at its start, or
// after a question (text ending in `?`), so data that merely contains the
// words is left alone.
func findConfirm(t string) []int {
	loc := patterns.confirm.FindStringIndex(t)
	if loc == nil {
		return nil
	}
	if loc[0] == 0 || strings.HasSuffix(strings.TrimSpace(t[:loc[0]]), "?") {
		return loc
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if v != "" && strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
