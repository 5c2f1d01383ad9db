package sim

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// A replay host answers from a session transcript instead of simulating a
// server: the format bwstate writes with BWSTATE_TRANSCRIPT_DIR, documented
// for people in docs/simulator.md ("Replay"). In short:
//
//   - A line starting with `>>> ` is what the client sent (the rest of the
//     line); `>>>` alone sent an empty line. Everything else is what the
//     server printed: LF line ends, control characters written as escapes
//     (`\x1b`, `\u0085`) and backslashes doubled (unescapeTranscript).
//   - The text before the first `>>> ` line is the login output; its last
//     line is the first prompt.
//   - The text after a `>>> ` line is the reply: first the echo of the sent
//     line (dropped when served, because the terminal echoes what is
//     typed), then the output, and last the next prompt. The line just
//     before a `>>> ` line (and the file's last line) is a prompt and is
//     printed without a line end.
//
// Replies are keyed by the prompt they followed and the line sent there.
// A prompt that asks a question (it ends in `:` or `?`, such as `Please
// confirm (Yes, Y, No, N): ` or `New Password: `) is keyed together with
// the exchange that asked it, so the `y` that confirms an exit and the `y`
// that confirms a large table have different replies. A key recorded
// several times is answered with its recordings in order, the last one
// repeating.

// maxReplaySize bounds a transcript file: far above any session, low
// enough that a wrong path (a disk image) is refused quickly.
const maxReplaySize = 64 << 20

// replaySent is the marker of a line the client sent.
const replaySent = ">>> "

// replaySensitive is what a transcript shows for a typed password.
const replaySensitive = "(sensitive)"

// replayScript is a parsed transcript.
type replayScript struct {
	// login is printed when a session starts; its last line is the first
	// prompt.
	login string
	// replies maps a key (see replayKey) to the replies recorded for it.
	replies map[string][]string
	// cds holds the replies to absolute `cd /PATH` lines by line alone: a
	// CLI answers them the same wherever they are typed, so a client that
	// navigates in another order still finds them.
	cds map[string][]string
	// exchanges are the (sent line, reply) pairs in recorded order.
	exchanges []replayExchange
	// serverType and release are what the transcript's bwshowver or CLI
	// prompts tell, for Host.Type and Host.Release ("" when unknown).
	serverType, release string
}

// replayExchange is one line sent and the reply served for it (without
// the echo).
type replayExchange struct {
	sent, reply string
}

// replayError is a problem in a transcript, with its line number (0 for
// the whole file).
type replayError struct {
	Line   int
	Reason string
}

func (e *replayError) Error() string {
	if e.Line == 0 {
		return e.Reason
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// lastLine returns the text after the last line feed: the prompt a reply
// ends with.
func lastLine(s string) string {
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// isQuestion reports whether a prompt asks a question (a confirmation or
// a password) rather than waiting for a command.
func isQuestion(prompt string) bool {
	t := strings.TrimRight(prompt, " \t")
	return strings.HasSuffix(t, ":") || strings.HasSuffix(t, "?")
}

// replayKey joins a context and a sent line into a key.
func replayKey(context, sent string) string { return context + "\n" + replaySent + sent }

// nextContext is the context of the prompt a reply ends with: the prompt
// itself, or, for a question, the exchange that asked it and the question.
func nextContext(key, prompt string) string {
	if isQuestion(prompt) {
		return key + "\n" + prompt
	}
	return prompt
}

// absoluteCD matches a bwcli `cd` to an absolute path.
var absoluteCD = regexp.MustCompile(`^(?i:cd)\s+/`)

var (
	replayVersion = regexp.MustCompile(`(?m)^([A-Z]+) version (Rel_\S+)\s*$`)
	replayRoot    = regexp.MustCompile(`(?m)^([A-Z]+)_CLI(/[^\n>]*)?> ?$`)
)

// parseReplay parses a transcript. It fails only on what cannot be
// served: no login prompt before the first sent line, or a file too large.
func parseReplay(data []byte) (*replayScript, error) {
	if len(data) > maxReplaySize {
		return nil, &replayError{Reason: fmt.Sprintf("the transcript is larger than %d MiB", maxReplaySize>>20)}
	}
	// Line ends may be CR LF (a file edited on Windows); other CRs are
	// terminal noise the recorder already removes.
	text := strings.ReplaceAll(string(data), "\r", "")
	lines := strings.SplitAfter(text, "\n")
	sc := &replayScript{replies: map[string][]string{}, cds: map[string][]string{}}

	// Split into the login text and (sent line, reply) exchanges.
	type exchange struct {
		line  int
		sent  string
		reply strings.Builder
	}
	var login strings.Builder
	var exchanges []*exchange
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		if body == strings.TrimSpace(replaySent) || strings.HasPrefix(body, replaySent) {
			exchanges = append(exchanges, &exchange{line: i + 1, sent: strings.TrimPrefix(strings.TrimPrefix(body, strings.TrimSpace(replaySent)), " ")})
			continue
		}
		if len(exchanges) == 0 {
			login.WriteString(l)
		} else {
			exchanges[len(exchanges)-1].reply.WriteString(l)
		}
	}
	// The line before a sent line, and the file's last line, are prompts:
	// the line end after them is the file's, not the server's.
	sc.login = unescapeTranscript(strings.TrimSuffix(login.String(), "\n"))
	if strings.TrimSpace(lastLine(sc.login)) == "" {
		return nil, &replayError{Line: 1, Reason: "no login prompt: the text before the first `>>> ` line must end with the shell prompt (e.g. `bwadmin@as1$ `)"}
	}
	context := lastLine(sc.login)
	for _, x := range exchanges {
		reply := strings.TrimSuffix(x.reply.String(), "\n")
		// The echo of the sent line comes first; the terminal echoes what
		// is typed, so it is not served again. A password is not echoed:
		// its line is empty.
		if first, rest, ok := strings.Cut(reply, "\n"); ok {
			if strings.TrimSpace(first) == strings.TrimSpace(x.sent) || (first == "" && x.sent == replaySensitive) {
				reply = rest
			}
		} else if strings.TrimSpace(reply) == strings.TrimSpace(x.sent) && reply != "" {
			reply = ""
		}
		reply = unescapeTranscript(reply)
		key := replayKey(context, x.sent)
		sc.replies[key] = append(sc.replies[key], reply)
		sc.exchanges = append(sc.exchanges, replayExchange{sent: x.sent, reply: reply})
		if absoluteCD.MatchString(x.sent) && replayRoot.MatchString(lastLine(context)) {
			sc.cds[x.sent] = append(sc.cds[x.sent], reply)
		}
		context = nextContext(key, lastLine(reply))
	}
	if m := replayVersion.FindStringSubmatch(text); m != nil {
		sc.serverType, sc.release = strings.ToLower(m[1]), m[2]
	} else if m := replayRoot.FindStringSubmatch(text); m != nil {
		sc.serverType = strings.ToLower(m[1])
	}
	return sc, nil
}

// unescapeTranscript turns the server text of a transcript back into what
// the server printed: `\\` is a backslash, `\xHH`, `\uHHHH` and
// `\UHHHHHHHH` the character with that hexadecimal code. Any other
// backslash stands for itself, so a hand-written transcript needs no
// escaping except of a backslash followed by `\`, `x`, `u` or `U`.
func unescapeTranscript(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '\\' {
			b.WriteByte('\\')
			i++
			continue
		}
		digits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[i+1]]
		if digits == 0 || i+2+digits > len(s) {
			b.WriteByte(s[i])
			continue
		}
		code, err := strconv.ParseUint(s[i+2:i+2+digits], 16, 32)
		if err != nil || code > unicode.MaxRune {
			b.WriteByte(s[i])
			continue
		}
		b.WriteRune(rune(code))
		i += 1 + digits
	}
	return b.String()
}

// readTranscript reads a transcript file: a regular file of at most
// maxReplaySize bytes (a device or a pipe named by mistake is refused, not
// read forever).
func readTranscript(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxReplaySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxReplaySize {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, maxReplaySize>>20)
	}
	return data, nil
}

// replayState is one session's position in a script.
type replayState struct {
	sc      *replayScript
	context string
	served  map[string]int
}

func newReplayState(sc *replayScript) *replayState {
	return &replayState{sc: sc, context: lastLine(sc.login), served: map[string]int{}}
}

// prompt is the prompt the session waits at.
func (st *replayState) prompt() string {
	return st.context[strings.LastIndexByte(st.context, '\n')+1:]
}

// wantsPassword reports whether the recording at this prompt is a
// password (typed without echo).
func (st *replayState) wantsPassword() bool {
	_, ok := st.sc.replies[replayKey(st.context, replaySensitive)]
	return ok && isQuestion(st.prompt())
}

// answer returns the reply to a line sent at the current prompt and moves
// to the prompt it ends with; ok is false when nothing was recorded for it.
func (st *replayState) answer(line string) (reply string, ok bool) {
	key := replayKey(st.context, line)
	replies, ok := st.sc.replies[key]
	if !ok && st.wantsPassword() {
		key = replayKey(st.context, replaySensitive)
		replies, ok = st.sc.replies[key]
	}
	if !ok && !isQuestion(st.prompt()) && st.inCLI() && absoluteCD.MatchString(line) {
		// Recorded after another prompt: the same answer.
		key = "cd\n" + line
		replies, ok = st.sc.cds[line]
	}
	if !ok {
		return "", false
	}
	n := st.served[key]
	st.served[key] = n + 1
	reply = replies[min(n, len(replies)-1)]
	st.context = nextContext(key, lastLine(reply))
	return reply, true
}

// answerItems answers the items of one line in order, as if each had been
// sent at the prompt the one before it ends with; ok is false as soon as
// one was not recorded.
func (st *replayState) answerItems(items []string) (reply string, ok bool) {
	var b strings.Builder
	for i, it := range items {
		r, ok := st.answer(it)
		if !ok {
			return "", false
		}
		b.WriteString(r)
		if i < len(items)-1 {
			b.WriteString("\n")
		}
	}
	return b.String(), true
}

// inCLI reports whether the session is at a bwcli prompt (or answering a
// question bwcli asked), for the command log.
func (st *replayState) inCLI() bool {
	for _, l := range strings.Split(st.context, "\n") {
		if strings.HasPrefix(l, replaySent) || isQuestion(l) {
			continue
		}
		if replayRoot.MatchString(l) {
			return true
		}
		// The first plain prompt of a question's context is where the
		// exchange that asked it started.
		return false
	}
	return false
}

// runReplay serves a login shell from a script.
func (s *session) runReplay(sc *replayScript) int {
	st := newReplayState(sc)
	s.t.write(sc.login[:len(sc.login)-len(st.prompt())])
	for {
		secret := st.wantsPassword()
		mode := readCommand
		switch {
		case secret:
			mode = readSecret
		case isQuestion(st.prompt()):
			mode = readAnswer
		}
		line, err := s.t.readLine(st.prompt(), mode)
		if errors.Is(err, errInterrupt) {
			continue
		}
		if err != nil {
			if s.t.pty && errors.Is(err, io.EOF) {
				s.t.write("logout\n")
			}
			return 0
		}
		if strings.TrimSpace(line) == "" && !secret {
			continue
		}
		kind := "shell"
		if st.inCLI() {
			kind = "cli"
		}
		// bwcli runs the `;` items of a line one after the other and logs
		// each; typed passwords are never recorded.
		items := []string{line}
		if kind == "cli" && !secret {
			if its := splitItems(line); len(its) > 1 {
				items = its
			}
		}
		if !secret {
			for i, it := range items {
				if !s.receivedItem(kind, it, i) {
					return 0
				}
			}
		}
		reply, ok := st.answer(line)
		if !ok && len(items) > 1 {
			// Recorded one item per line (`exit`, then `y` at the
			// question): answered the same way, each question printed
			// with the answer its line already holds.
			reply, ok = st.answerItems(items)
		}
		if !ok {
			if !st.inCLI() && (line == "exit" || line == "logout") {
				if s.t.pty {
					s.t.write("logout\n")
				}
				return 0
			}
			s.t.write(textInvalidCommand + "\n" + s.garbage())
			continue
		}
		s.t.write(reply[:len(reply)-len(lastLine(reply))] + s.garbage())
	}
}

// runReplayExec answers one exec command line from a script: the reply
// without its prompt.
func (s *session) runReplayExec(sc *replayScript, line string) int {
	st := newReplayState(sc)
	if !s.received("shell", line) {
		return 255
	}
	reply, ok := st.answer(line)
	if !ok {
		s.t.writeErr(textInvalidCommand + "\n")
		return 127
	}
	s.t.write(reply[:len(reply)-len(lastLine(reply))] + s.garbage())
	return 0
}
