package bwcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Options fields left zero.
const (
	// DefaultCommandTimeout bounds one command when Options.CommandTimeout
	// is zero. It is generous because restartbw and large tables are slow on
	// real servers; callers wanting less pass a context deadline.
	DefaultCommandTimeout = 2 * time.Minute
	// DefaultMaxOutput bounds one command's output when Options.MaxOutput
	// is zero: far above any real table, low enough that a runaway stream
	// cannot exhaust memory.
	DefaultMaxOutput = 16 << 20
)

// maxAnswers bounds the confirmations and password prompts one command may
// raise; a server that keeps asking is looping, not configuring.
const maxAnswers = 4

// Options configure a Session. The zero value is usable.
type Options struct {
	// CommandTimeout bounds each command, on top of the caller's context:
	// from the write until the prompt that ends the reply. Zero means
	// DefaultCommandTimeout; a negative value means the context alone.
	CommandTimeout time.Duration
	// Transcript, when not nil, receives what was sent (lines starting with
	// ">>> ") and received (control characters escaped, see
	// transcriptText), with prompted secrets written as "(sensitive)" and
	// every sensitive value the session knows replaced by "********" (see
	// AddSecrets). Write errors do not fail commands; see TranscriptErr.
	Transcript io.Writer
	// MaxOutput bounds one command's output in bytes. Zero means
	// DefaultMaxOutput.
	MaxOutput int
	// ShellPrompt, when not nil, recognises the login shell's prompt on the
	// last line the server printed (see PromptPattern); nil means learn it
	// at login (WaitShell).
	ShellPrompt *regexp.Regexp
	// CLIPrompt, when not nil, recognises bwcli's prompt instead of the
	// built-in `<ROOT>_CLI/Path> ` pattern; its named groups `root` and
	// `path`, when present, give the CLI root and the current context.
	CLIPrompt *regexp.Regexp
}

// mode is where the session's terminal is.
type mode int

const (
	modeLogin mode = iota // before WaitShell
	modeShell
	modeCLI
)

// Session drives one interactive BroadWorks login over a terminal stream:
// the login shell, the shell tools and bwcli. It reads with one goroutine
// that feeds a buffer, so every wait honours its context; a command's reply
// ends at the prompt found on the tail of the buffer, never after a sleep or
// a fixed number of bytes.
//
// Methods are safe to call from several goroutines but run one at a time;
// Close may be called at any time to abandon a blocked command.
type Session struct {
	opts Options
	r    io.Reader
	w    io.Writer

	in         inbox
	readerDone chan struct{} // closed when the reader goroutine ends
	wreq       chan []byte
	wres       chan error
	closing    chan struct{}
	closeOnce  sync.Once
	done       chan struct{} // closed when both goroutines have ended
	live       atomic.Int32
	sent       atomic.Int64

	mu          sync.Mutex // serialises commands and guards what follows
	mode        mode
	shellPrompt string         // the first shell prompt, as printed
	shellRE     *regexp.Regexp // matches every shell prompt
	// promptPrefix matches the lines above the last one of a prompt that
	// spans several lines.
	promptPrefix []*regexp.Regexp
	root         string // learned from the first CLI prompt: "XSP_CLI"
	path         string // current context as the prompt shows it, no slash
	prompt       string // the last prompt seen
	broken       error
	raw          []byte
	wbuf         []byte
	tw           transcript
	// secrets are the sensitive values masked in the transcript and in
	// errors (secrets.go); they have their own lock.
	secrets secretSet
}

// New starts a Session reading server output from r and writing commands to
// w: in production an SSH session's stdout and stdin with a PTY (ask for a
// wide one: lines may wrap at 80 columns, docs/bwcli.md). New starts the reader
// and writer goroutines; they end when r returns an error (EOF when the
// connection closes) or after Close.
func New(r io.Reader, w io.Writer, opts Options) *Session {
	if opts.CommandTimeout == 0 {
		opts.CommandTimeout = DefaultCommandTimeout
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = DefaultMaxOutput
	}
	s := &Session{
		opts:       opts,
		r:          r,
		w:          w,
		in:         inbox{notify: make(chan struct{}, 1)},
		readerDone: make(chan struct{}),
		wreq:       make(chan []byte),
		wres:       make(chan error, 1),
		closing:    make(chan struct{}),
		done:       make(chan struct{}),
		tw:         transcript{w: opts.Transcript, atLineStart: true},
		shellRE:    opts.ShellPrompt,
	}
	s.live.Store(2)
	go s.readLoop()
	go s.writeLoop()
	return s
}

// Close abandons the session at once: it stops delivery to any blocked
// command (which returns ErrClosed) and closes w and r when they implement
// io.Closer, which makes a blocked Read or Write return. It does not send
// `exit`; use ExitCLI first for a clean logout. Close does not wait for the
// goroutines: Done reports when they have ended, which needs the stream to
// be closed (by Close or by its owner, e.g. closing the SSH session).
func (s *Session) Close() error {
	var errs []error
	s.closeOnce.Do(func() {
		close(s.closing)
		if c, ok := s.w.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
		if c, ok := s.r.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	})
	var kept []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrClosed) && !errors.Is(err, io.ErrClosedPipe) {
			kept = append(kept, err)
		}
	}
	if err := errors.Join(kept...); err != nil {
		return fmt.Errorf("close bwcli session: %w", err)
	}
	return nil
}

// Done is closed when the session's reader and writer goroutines have both
// ended: after the stream returned an error or EOF, or after Close once any
// blocked Read and Write returned.
func (s *Session) Done() <-chan struct{} { return s.done }

// Commands returns how many lines the session has sent: commands plus
// answers to confirmations and password prompts. Each is one round trip.
func (s *Session) Commands() int { return int(s.sent.Load()) }

// Root returns the CLI root learned by StartCLI ("XSP_CLI"), or "".
func (s *Session) Root() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.root
}

// Path returns the current CLI context as the last prompt named it, in the
// server's spelling and without a leading slash ("" at the root).
func (s *Session) Path() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.path
}

// Prompt returns the last prompt the server printed.
func (s *Session) Prompt() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prompt
}

// Usable reports whether commands can still run: not closed, and not
// broken by an earlier failure (see ErrBroken).
func (s *Session) Usable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usable() == nil
}

// ErrNotIdle is wrapped by Idle's error: the session is not as its last
// command left it.
var ErrNotIdle = errors.New("session not idle")

// Idle reports, without sending anything, whether the session is still as
// its last command left it: usable, its stream open and nothing received
// since. Output nobody asked for means the server did something on its own
// (a CLI that ended after being idle, a message to every user); the session
// is then marked broken so that nothing more is sent on it (not even the
// exit of Close), and what arrived goes to the transcript.
func (s *Session) Idle() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	s.in.mu.Lock()
	got, rerr := append([]byte(nil), s.in.buf...), s.in.err
	s.in.buf = s.in.buf[:0]
	s.in.mu.Unlock()
	if len(got) > 0 {
		s.tw.received(normaliseNewlines(cleanTerm(got)))
	}
	switch {
	case rerr != nil:
		return s.fail(fmt.Errorf("%w: the connection ended (%v)", ErrNotIdle, rerr))
	case len(got) > 0:
		return s.fail(fmt.Errorf("%w: %d bytes arrived unasked", ErrNotIdle, len(got)))
	}
	return nil
}

// ShellPrompt returns the first shell prompt WaitShell saw, as printed.
func (s *Session) ShellPrompt() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shellPrompt
}

// TranscriptErr returns the first error writing the transcript, if any.
func (s *Session) TranscriptErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tw.err
}

func (s *Session) exited() {
	if s.live.Add(-1) == 0 {
		close(s.done)
	}
}

// inbox is the buffer the reader goroutine fills. The goroutine never waits
// for a consumer, so it ends as soon as the stream does.
type inbox struct {
	mu     sync.Mutex
	buf    []byte
	err    error
	notify chan struct{} // capacity 1: "something changed"
}

func (s *Session) readLoop() {
	defer s.exited()
	defer close(s.readerDone)
	buf := make([]byte, 32<<10)
	for {
		n, err := s.r.Read(buf)
		s.in.mu.Lock()
		select {
		case <-s.closing:
			// Nobody will consume: drop the data, keep draining until the
			// stream ends so its writer is not blocked.
		default:
			s.in.buf = append(s.in.buf, buf[:n]...)
		}
		if err != nil {
			s.in.err = err
		}
		s.in.mu.Unlock()
		select {
		case s.in.notify <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// take appends what arrived to dst and reports whether the stream ended.
func (in *inbox) take(dst []byte) ([]byte, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	dst = append(dst, in.buf...)
	in.buf = in.buf[:0]
	return dst, in.err
}

func (s *Session) writeLoop() {
	defer s.exited()
	for {
		select {
		case b := <-s.wreq:
			_, err := s.w.Write(b)
			s.wres <- err
		case <-s.closing:
			return
		case <-s.readerDone:
			// The stream is gone: nothing written could be answered.
			return
		}
	}
}

// errStreamEnded is reported when a write is attempted after the reader saw
// the end of the stream.
var errStreamEnded = errors.New("stream ended")

// write sends one line. It is the only place that writes, so one command is
// one write and Commands counts round trips.
func (s *Session) write(ctx context.Context, line string) error {
	b := append(s.wbuf[:0], line...)
	b = append(b, '\n')
	select {
	case s.wreq <- b:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return ErrClosed
	case <-s.readerDone:
		return errStreamEnded
	}
	s.sent.Add(1)
	select {
	case err := <-s.wres:
		s.wbuf = b
		return err
	case <-ctx.Done():
		// The writer may still hold b: never reuse it.
		s.wbuf = nil
		return ctx.Err()
	case <-s.closing:
		s.wbuf = nil
		return ErrClosed
	}
}

// confirmPolicy says how a command answers `Please confirm`.
type confirmPolicy int

const (
	// confirmNo answers a confirmation with n and fails the command: writes
	// and navigation never expect one.
	confirmNo confirmPolicy = iota
	// confirmSize answers y to the size warning of a read
	// (`About to access N entries. Continue?`), and n to anything else.
	confirmSize
	// confirmYes answers y.
	confirmYes
	// confirmQueued expects one confirmation that the command line answers
	// itself (`exit;y`: the CLI takes a confirmation's answer from the
	// next `;` item), so it sends nothing for it; any further one is
	// answered n and fails the command.
	confirmQueued
)

// command is one line to send and how to handle what comes back.
type command struct {
	line  string // as sent; "" sends nothing (waiting for the login prompt)
	shown string // for errors and the transcript: secrets replaced
	// secrets are redacted from received text in the transcript and errors.
	secrets []string
	confirm confirmPolicy
	// password answers password prompts (at most two: new and re-type);
	// empty means a password prompt is unexpected.
	password string
	// login waits for the first shell prompt and, unless the operator
	// set one, learns it (WaitShell).
	login bool
	// values marks a read: its result carries the output as the server
	// printed it (result.values), control characters included.
	values bool
	// redactAfter, when set, returns more strings to redact from the
	// transcript once the output is known (sensitive values read by get).
	// The session keeps masking them.
	redactAfter func(out string) []string
}

// result is what a command produced.
type result struct {
	// out is the output without echo, interim prompts or final prompt,
	// cleaned of escape sequences (output); for reads the same as values.
	out string
	// values is, for reads, the output without echo, interim prompts and
	// final prompt, but otherwise as printed: decoded, line ends
	// normalised, control characters kept (valueText).
	values  string
	atShell bool   // the final prompt was the shell's
	root    string // the CLI root, when the final prompt was a CLI prompt
	path    string // the CLI path, without leading slash
}

// errCommandTimeout is the cause of a command context whose per-command
// timeout fired, telling it apart from the caller's own deadline.
var errCommandTimeout = errors.New("command timeout")

// usable reports why no command can run now.
func (s *Session) usable() error {
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	if s.broken != nil {
		return fmt.Errorf("%w: %w", ErrBroken, s.broken)
	}
	return nil
}

// run sends c.line and reads until a shell or CLI prompt, answering
// confirmations and password prompts per c. Caller holds s.mu.
func (s *Session) run(ctx context.Context, c *command) (result, error) {
	// What the command carries as sensitive is masked from now on, in
	// this and every later command (a read-back, a value quoted in an
	// error).
	s.secrets.add(c.secrets...)
	if c.shown != "" {
		// The command as errors and the transcript show it.
		c.shown = s.redactText(c.shown, c)
	}
	if err := s.usable(); err != nil {
		return result{}, fmt.Errorf("%s: %w", c.shown, err)
	}
	if err := ctx.Err(); err != nil {
		// Nothing was sent: the session stays usable.
		return result{}, fmt.Errorf("%s: %w", c.shown, err)
	}
	cctx := ctx
	if s.opts.CommandTimeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeoutCause(ctx, s.opts.CommandTimeout, errCommandTimeout)
		defer cancel()
	}

	// Output that arrived between commands belongs to no command: record it
	// and drop it, so it cannot be mistaken for this command's reply. When
	// nothing is sent (waiting for the login prompt) it is the reply.
	stale, rerr := s.in.take(s.raw[:0])
	if c.line != "" {
		if len(stale) > 0 {
			s.recordReceived(decodeTerm(stale), c, nil)
		}
		stale = stale[:0]
	}
	x := &exchange{s: s, c: c, raw: stale, first: true}
	if rerr != nil {
		return result{}, s.fail(&ClosedError{Command: c.shown, Err: rerr})
	}
	if c.line != "" {
		if err := x.send(cctx, c.line, c.shown); err != nil {
			return result{}, s.fail(s.abandonError(ctx, cctx, c, x.raw, err))
		}
	}

	checked := -1 // length of raw at the last tail check
	for {
		if len(x.raw) != checked {
			checked = len(x.raw)
			res, done, err := x.step(cctx)
			if err != nil {
				return result{}, s.fail(s.abandonError(ctx, cctx, c, x.raw, err))
			}
			if done {
				return res, x.declinedError()
			}
		}

		select {
		case <-s.in.notify:
		case <-cctx.Done():
			x.record(len(x.raw), nil)
			return result{}, s.fail(s.abandonError(ctx, cctx, c, x.raw, cctx.Err()))
		case <-s.closing:
			return result{}, fmt.Errorf("%s: %w", c.shown, ErrClosed)
		}
		var err error
		x.raw, err = s.in.take(x.raw)
		if len(x.raw) > s.opts.MaxOutput {
			x.record(len(x.raw), nil)
			return result{}, s.fail(&ProtocolError{Command: c.shown, Reason: fmt.Sprintf("more than %d bytes of output", s.opts.MaxOutput), Text: s.lastReceived(x.raw, c)})
		}
		if err != nil {
			// The prompt may have arrived together with the end of the
			// stream: finish on it if so.
			if len(x.raw) != checked {
				k, _, _ := s.classifyTail(tailText(x.raw[tailStart(x.raw):]))
				if k == tailShell || k == tailCLI {
					continue
				}
			}
			x.record(len(x.raw), nil)
			return result{}, s.fail(&ClosedError{Command: c.shown, Received: s.lastReceived(x.raw, c), Err: err})
		}
	}
}

// exchange is the state of one running command.
type exchange struct {
	s        *Session
	c        *command
	raw      []byte   // everything received since the command was sent
	segStart int      // start of the text since the last answer
	first    bool     // the transcript segment still holds the echo
	answers  []string // answers sent, for stripping their echo
	declined string   // a confirmation answered n
	pwCount  int
	// marked is set once the login's empty line was sent.
	marked bool
}

// send writes one line and records it, masked.
func (x *exchange) send(ctx context.Context, line, shown string) error {
	if shown != "(sensitive)" {
		shown = x.s.redactText(shown, x.c)
	}
	x.s.tw.sent(shown)
	return x.s.write(ctx, line)
}

// step looks at the tail once: a final prompt ends the command (done), an
// interim prompt is answered.
func (x *exchange) step(ctx context.Context) (res result, done bool, err error) {
	s, c := x.s, x.c
	ts := tailStart(x.raw)
	tail := tailText(x.raw[ts:])
	k, root, path := s.classifyTail(tail)
	if c.login && s.shellRE == nil && k == tailNone {
		return x.learn(ctx, tail)
	}
	switch k {
	case tailShell, tailCLI:
		if k == tailShell && s.shellPrompt == "" {
			s.shellPrompt = tail
		}
		res = result{atShell: k == tailShell, root: root, path: path}
		if c.values {
			// A read's output as printed serves for its checks too.
			res.values = valueText(x.raw[:ts], c.line, s.prompt, x.answers)
			res.out = res.values
		} else {
			res.out = s.output(x.raw[:ts], c, x.answers)
		}
		if k == tailShell {
			res.out = s.stripPromptPrefix(res.out)
		}
		var extra []string
		if c.redactAfter != nil {
			extra = c.redactAfter(res.out)
			s.secrets.add(extra...)
		}
		x.record(len(x.raw), extra)
		s.prompt = tail
		s.raw = x.raw[:0]
		if k == tailShell && s.mode == modeCLI {
			s.mode, s.root, s.path = modeShell, "", ""
		}
		return res, true, nil

	case tailConfirm:
		text := normaliseNewlines(cleanTerm(x.raw[x.segStart:]))
		x.record(len(x.raw), nil)
		if len(x.answers) >= maxAnswers {
			return res, false, &ProtocolError{Command: c.shown, Reason: "the server keeps asking for confirmation", Text: truncateTail(s.redactText(text, c), 200)}
		}
		answer := answerNo
		switch c.confirm {
		case confirmQueued:
			// The line's own answer takes the first question: sending
			// another would reach whatever reads after it (the shell).
			// Questions are counted in everything received, since several
			// may arrive at once.
			if confirmations(x.raw)-1 <= len(x.answers) {
				return res, false, nil
			}
		case confirmYes:
			answer = answerYes
		case confirmSize:
			if isSizeWarning(text) && !patterns.dangerous.MatchString(text) {
				answer = answerYes
			}
		case confirmNo:
			// Writes and navigation never expect a question.
		}
		if answer == answerNo && x.declined == "" {
			x.declined = strings.TrimSpace(text)
		}
		x.answers = append(x.answers, answer)
		return res, false, x.send(ctx, answer, answer)

	case tailPassword:
		x.record(len(x.raw), nil)
		if c.password == "" || x.pwCount >= 2 {
			// Answering blindly could set an empty or wrong password:
			// leave the prompt and give up the session.
			reason := "unexpected password prompt"
			if x.pwCount >= 2 {
				reason = "password prompt repeated (new password refused?)"
			}
			return res, false, &ProtocolError{Command: c.shown, Reason: reason, Text: s.redactText(tail, c)}
		}
		x.pwCount++
		x.answers = append(x.answers, c.password)
		return res, false, x.send(ctx, c.password, "(sensitive)")
	}
	return res, false, nil
}

// learn waits for the login's prompt to show itself (see prompt.go): it
// sends one empty line once the server printed an unended line, then
// waits until the prompt repeats.
func (x *exchange) learn(ctx context.Context, tail string) (result, bool, error) {
	s := x.s
	if !x.marked {
		if strings.TrimSpace(tail) == "" {
			return result{}, false, nil
		}
		x.record(len(x.raw), nil)
		x.marked = true
		return result{}, false, x.send(ctx, "", "")
	}
	// Only the end of the text can hold the prompt twice.
	from := max(0, len(x.raw)-2*(maxPromptPeriod+1)*maxPromptLen)
	text := normaliseNewlines(cleanTerm(x.raw[from:]))
	prompt, prefix, ok := repeatedPrompt(text)
	if !ok {
		return result{}, false, nil
	}
	if s.shellPrompt == "" {
		s.shellPrompt = prompt
	}
	s.shellRE = tolerantPattern(prompt)
	s.promptPrefix = nil
	for _, line := range prefix {
		s.promptPrefix = append(s.promptPrefix, tolerantPattern(line))
	}
	x.record(len(x.raw), nil)
	s.prompt = tail
	s.raw = x.raw[:0]
	return result{atShell: true}, true, nil
}

// record writes the received text since the last answer, up to end, to the
// transcript: the echo replaced by the redacted command, secrets and extra
// strings redacted, control characters escaped.
func (x *exchange) record(end int, extra []string) {
	s, c := x.s, x.c
	if s.tw.w == nil || end <= x.segStart {
		x.segStart = max(x.segStart, end)
		return
	}
	text := decodeTerm(x.raw[x.segStart:end])
	echo := ""
	if x.first && c.line != "" {
		var ends []int
		cleaned := cleanText(text, &ends)
		if rest, ok := stripEcho(cleaned, c.line, s.prompt); ok {
			echo = s.redactText(c.shown, c, extra) + "\n"
			text = text[rawOffset(ends, len(cleaned)-len(rest)):]
		}
	}
	x.first = false
	x.segStart = end
	if echo != "" {
		s.tw.received(echo)
	}
	s.recordReceived(text, c, extra)
}

// recordReceived writes text the server printed to the transcript: line
// ends normalised, secrets masked, then control characters escaped.
func (s *Session) recordReceived(text string, c *command, extra []string) {
	if s.tw.w == nil {
		return
	}
	s.tw.received(transcriptText(s.redactText(normaliseNewlines(text), c, extra)))
}

// confirmations counts the lines of raw that ask for a confirmation.
func confirmations(raw []byte) int {
	n := 0
	for _, line := range strings.Split(normaliseNewlines(cleanTerm(raw)), "\n") {
		if findConfirm(strings.TrimSpace(line)) != nil {
			n++
		}
	}
	return n
}

// isSizeWarning reports whether a confirmation's text asks about a number
// of entries (patterns.sizeWarning) on one of its lines.
func isSizeWarning(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		if patterns.sizeWarning.MatchString(strings.TrimSpace(line)) {
			return true
		}
	}
	return false
}

// declinedError reports a confirmation the command did not expect.
func (x *exchange) declinedError() error {
	if x.declined == "" {
		return nil
	}
	return &ProtocolError{Command: x.c.shown, Reason: "unexpected confirmation, answered No", Text: truncateTail(x.s.redactText(x.declined, x.c), 200)}
}

// output cleans a command's output for parsing replies and the shell
// tools' reports (not values: see valueText). Secrets are not redacted
// here: a short secret (".", "one") can be part of the server's own words
// ("...Done"), and redacting it would make a successful write unreadable.
// Whatever leaves the driver as text (errors, Reply.Text) is redacted where
// it is built (cliRun, change).
func (s *Session) output(raw []byte, c *command, answers []string) string {
	out := cleanTerm(raw)
	if c.line != "" {
		out, _ = stripEcho(out, c.line, s.prompt)
	}
	out = normaliseNewlines(out)
	out = stripInterim(out, answers)
	out = strings.TrimRight(out, " \n")
	for strings.HasPrefix(out, "\n") {
		out = out[1:]
	}
	return out
}

// valueText is a read's output as the server printed it: decoded
// (decodeTerm), line ends normalised, the echo of line, interim texts and
// blank edges removed, everything else kept, control characters included.
// The echo and the interim texts are found on a cleaned copy (a line editor
// may decorate them); values never are: a value holding an escape sequence
// must reach the plan as it is, not as the part a terminal would show.
func valueText(raw []byte, line, prompt string, answers []string) string {
	text := decodeTerm(raw)
	if line != "" {
		var ends []int
		cleaned := cleanText(text, &ends)
		if rest, ok := stripEcho(cleaned, line, prompt); ok {
			text = text[rawOffset(ends, len(cleaned)-len(rest)):]
		}
	}
	out := normaliseNewlines(text)
	out = stripInterimValues(out, answers)
	out = strings.TrimRight(out, " \n")
	for strings.HasPrefix(out, "\n") {
		out = out[1:]
	}
	return out
}

// tailKind classifies the last line of the buffer.
type tailKind int

const (
	tailNone tailKind = iota
	tailShell
	tailCLI
	tailConfirm
	tailPassword
)

// maxPromptLen bounds the tail examined for a prompt: prompts are short,
// and cleaning a long unterminated line at every chunk would cost time
// quadratic in its length.
const maxPromptLen = 4096

// classifyTail says what the tail is. The shell prompt is the operator's
// pattern or the one learned at login; before either, no shell prompt is
// recognised.
func (s *Session) classifyTail(t string) (k tailKind, root, path string) {
	if t == "" || len(t) > maxPromptLen {
		return tailNone, "", ""
	}
	if s.shellRE != nil && s.shellRE.MatchString(t) {
		return tailShell, "", ""
	}
	if root, path, ok := s.parseCLIPrompt(t); ok {
		return tailCLI, root, path
	}
	if loc := findConfirm(t); loc != nil && strings.TrimSpace(t[loc[1]:]) == "" {
		return tailConfirm, "", ""
	}
	if loc := patterns.password.FindStringIndex(t); loc != nil && strings.TrimSpace(t[loc[1]:]) == "" {
		return tailPassword, "", ""
	}
	return tailNone, "", ""
}

// fail marks the session unusable, because err leaves it out of step with
// the server, and returns err.
func (s *Session) fail(err error) error {
	if s.broken == nil {
		s.broken = err
	}
	return err
}

// abandonError builds the error for a command abandoned because of err:
// the per-command timeout (cctx's cause), the caller's context, a closed
// session or a failed write.
func (s *Session) abandonError(ctx, cctx context.Context, c *command, raw []byte, err error) error {
	var pe *ProtocolError
	switch {
	case errors.As(err, &pe):
		return err
	case errors.Is(err, ErrClosed):
		return fmt.Errorf("%s: %w", c.shown, ErrClosed)
	case ctx.Err() == nil && errors.Is(context.Cause(cctx), errCommandTimeout):
		return &TimeoutError{Command: c.shown, Timeout: s.opts.CommandTimeout, Received: s.lastReceived(raw, c)}
	case ctx.Err() != nil:
		return fmt.Errorf("%s: abandoned: %w; last received: %q", c.shown, ctx.Err(), s.lastReceived(raw, c))
	case errors.Is(err, errStreamEnded):
		_, rerr := s.in.take(nil)
		return &ClosedError{Command: c.shown, Received: s.lastReceived(raw, c), Err: rerr}
	}
	return fmt.Errorf("%s: write: %w", c.shown, err)
}

// lastReceived is the end of what a command received, for error messages.
func (s *Session) lastReceived(raw []byte, c *command) string {
	if len(raw) > 4096 {
		raw = raw[len(raw)-4096:]
	}
	text := s.redactText(normaliseNewlines(cleanTerm(raw)), c)
	return truncateTail(text, 200)
}

// transcript writes the session record. Errors are kept, not returned: a
// full disk must not fail a configuration change.
type transcript struct {
	w           io.Writer
	err         error
	atLineStart bool
}

// sent records a line sent; callers mask it (exchange.send).
func (t *transcript) sent(line string) {
	if t.w == nil {
		return
	}
	prefix := ">>> "
	if !t.atLineStart {
		prefix = "\n>>> "
	}
	t.write(prefix + line + "\n")
}

func (t *transcript) received(text string) {
	if t.w == nil || text == "" {
		return
	}
	t.write(text)
}

func (t *transcript) write(text string) {
	if _, err := io.WriteString(t.w, text); err != nil && t.err == nil {
		t.err = err
	}
	t.atLineStart = strings.HasSuffix(text, "\n")
}
