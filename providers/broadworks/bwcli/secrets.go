package bwcli

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Masking (docs/security.md, "Sensitive values"): whatever the session
// records (the transcript, in both directions, and the texts of its
// errors) has every sensitive value it knows replaced by ********. It
// learns them from the commands that carry them (a sensitive set or add, a
// typed password), from reads (the values of attributes and columns named
// sensitive) and from its owner (AddSecrets: the raw values of the
// configuration's sensitive variables, the sensitive values desired on the
// host). Values are masked wherever they occur, inside longer text too,
// except short ones:
//
// A value shorter than MinMaskedLen bytes is masked only where it stands
// alone: between blanks, line ends, double quotes or the ends of the text,
// as a whole attribute value, table cell or command argument does. Masking
// every "ab" inside every word would make a transcript unreadable and say
// nothing about the secret; a short secret inside a longer word is
// indistinguishable from chance. A value computed from a secret is itself
// sensitive and masked as a whole.
//
// Values are masked only in what is recorded, never in what is parsed: a
// secret may be part of the server's own words ("one" in "...Done").

// MinMaskedLen is the length in bytes from which a sensitive value is masked
// wherever it occurs, also inside a longer word.
const MinMaskedLen = 4

// secretSet is the sensitive values a session masks, longest first (so a
// value containing another is masked whole).
type secretSet struct {
	mu   sync.Mutex
	vals []string
}

// add learns values; empty, blank and already masked values are ignored.
func (ss *secretSet) add(vals ...string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, v := range vals {
		if maskable(v) && !slices.Contains(ss.vals, v) {
			ss.vals = append(ss.vals, v)
		}
	}
	sortLongestFirst(ss.vals)
}

// list returns the values learned so far together with more.
func (ss *secretSet) list(more ...[]string) []string {
	ss.mu.Lock()
	out := slices.Clone(ss.vals)
	ss.mu.Unlock()
	if len(more) == 0 {
		return out
	}
	for _, m := range more {
		for _, v := range m {
			if maskable(v) && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	sortLongestFirst(out)
	return out
}

func sortLongestFirst(vals []string) {
	slices.SortStableFunc(vals, func(a, b string) int { return len(b) - len(a) })
}

func maskable(v string) bool {
	return strings.TrimSpace(v) != "" && v != maskText
}

// AddSecrets tells the session more sensitive values to mask in everything
// it records from now on (see MinMaskedLen for short ones). Values it sends
// or reads as sensitive it learns by itself.
func (s *Session) AddSecrets(values ...string) {
	s.secrets.add(values...)
}

// redactText masks the session's secrets and those of c and extra in text.
func (s *Session) redactText(text string, c *command, extra ...[]string) string {
	lists := extra
	if c != nil {
		lists = append(lists, c.secrets)
	}
	return redact(text, s.secrets.list(lists...))
}

// redact replaces each secret in s with ********: values of MinMaskedLen
// bytes or more wherever they occur, shorter ones where they stand alone.
// secrets should be longest first.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if !maskable(sec) || !strings.Contains(s, sec) {
			continue
		}
		if len(sec) >= MinMaskedLen {
			s = strings.ReplaceAll(s, sec, maskText)
			continue
		}
		s = redactAlone(s, sec)
	}
	return s
}

// redactAlone masks the occurrences of sec that are bounded on both sides by
// a blank, a double quote or the end of s.
func redactAlone(s, sec string) string {
	var b strings.Builder
	last := 0
	for p := 0; p <= len(s)-len(sec); {
		j := strings.Index(s[p:], sec)
		if j < 0 {
			break
		}
		j += p
		k := j + len(sec)
		if boundaryBefore(s, j) && boundaryAfter(s, k) {
			b.WriteString(s[last:j])
			b.WriteString(maskText)
			last, p = k, k
			continue
		}
		p = j + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isSeparator(r)
}

func boundaryAfter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isSeparator(r)
}

func isSeparator(r rune) bool { return unicode.IsSpace(r) || r == '"' }

// scrub masks the session's secrets in the texts an error carries from the
// server: every error leaving a Session method passes here, so a secret the
// session learned during the command (or before) never leaves in an error.
// Texts that were truncated are masked where they were cut from when the
// full text is known (ParseError), so no secret is left half visible.
func (s *Session) scrub(err error) error {
	if err == nil {
		return nil
	}
	secrets := s.secrets.list()
	if len(secrets) == 0 {
		return err
	}
	var (
		ce *CommandError
		ne *NavigationError
		pe *ProtocolError
		te *TimeoutError
		cl *ClosedError
		pa *ParseError
	)
	if errors.As(err, &ce) {
		ce.Command, ce.Text = redact(ce.Command, secrets), redact(ce.Text, secrets)
	}
	if errors.As(err, &ne) {
		ne.Text, ne.Prompt = redact(ne.Text, secrets), redact(ne.Prompt, secrets)
	}
	if errors.As(err, &pe) {
		pe.Command, pe.Text = redact(pe.Command, secrets), redact(pe.Text, secrets)
	}
	if errors.As(err, &te) {
		te.Command, te.Received = redact(te.Command, secrets), redact(te.Received, secrets)
	}
	if errors.As(err, &cl) {
		cl.Command, cl.Received = redact(cl.Command, secrets), redact(cl.Received, secrets)
	}
	if errors.As(err, &pa) {
		if pa.full != "" {
			pa.Text = truncate(redact(pa.full, secrets), maxQuoted)
		} else {
			pa.Text = redact(pa.Text, secrets)
		}
		pa.Reason = redact(pa.Reason, secrets)
	}
	return err
}

// scrubErr is scrub for a deferred call on a named result.
func (s *Session) scrubErr(err *error) { *err = s.scrub(*err) }
