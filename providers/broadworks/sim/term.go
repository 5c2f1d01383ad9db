package sim

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/term"
)

// errInterrupt is returned by readLine when Ctrl-C was typed on a PTY.
var errInterrupt = errors.New("interrupt")

// readMode says how a line is read.
type readMode int

const (
	// readCommand echoes the line and remembers it in the history.
	readCommand readMode = iota
	// readAnswer echoes the line (a confirmation answer) but does not
	// remember it.
	readAnswer
	// readSecret reads a password: no echo, no history.
	readSecret
)

// noWrapWidth is the line editor's width when the client gave none: wide
// enough that typed lines never wrap.
const noWrapWidth = 10000

// terminal is the line-oriented terminal the shell and bwcli run on. On a
// PTY it plays the kernel's line discipline and bash's readline: a line
// editor (golang.org/x/term) echoes what is typed, edits with the arrow
// keys, Home/End, backspace, Ctrl-A/E/K/U/W, recalls history with Up and
// Down, and turns "\n" into "\r\n" on output; Ctrl-C interrupts the line,
// Ctrl-D on an empty line ends input. Plain typed text, as clients type it,
// is echoed as it comes, followed by CR LF. Without a PTY it only splits
// input into lines. Keeping it apart from SSH lets transcript tests drive
// the interpreters in memory.
type terminal struct {
	in     *bufio.Reader
	out    *outBuffer
	errOut io.Writer
	pty    bool

	// PTY only: the line editor, fed one line at a time by feed.
	feed    *lineFeeder
	mu      sync.Mutex // guards ed, width and height (window-change)
	ed      *term.Terminal
	width   int
	height  int
	history *lineHistory
}

func newTerminal(in io.Reader, out, errOut io.Writer, pty bool) *terminal {
	if pty || errOut == nil {
		errOut = out
	}
	ob := &outBuffer{w: out}
	t := &terminal{in: bufio.NewReaderSize(flushingReader{in, ob}, 4096), out: ob, errOut: errOut, pty: pty,
		width: noWrapWidth, height: 24, history: &lineHistory{}}
	if pty {
		t.feed = &lineFeeder{in: t.in}
	}
	return t
}

// write prints program output; on a PTY "\n" becomes "\r\n".
func (t *terminal) write(s string) {
	if s == "" {
		return
	}
	if t.pty {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	_, _ = io.WriteString(t.out, s)
}

// writeErr prints an error message: to stderr without a PTY, as bash does
// (after what was printed before it, so a client reading both streams
// sees them in order).
func (t *terminal) writeErr(s string) {
	if t.pty {
		t.write(s)
		return
	}
	_ = t.flush()
	_, _ = io.WriteString(t.errOut, s)
}

// flush sends what the session printed and has not sent yet. The session
// calls it before it waits (latency, delays) and before the connection is
// dropped; reading input flushes by itself.
func (t *terminal) flush() error { return t.out.Flush() }

// outBuffer collects what a session prints and sends it when the session
// is about to wait: for input (flushingReader), for time, or for the end.
// A reply then reaches the client in one SSH packet, as a server's reply
// to a command usually does, rather than one packet per line written
// (which cost the fleet benchmark a system call and an encryption for
// every line, on the CPU the client shares with the simulator).
type outBuffer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// outBufferMax bounds what is held before it is sent anyway.
const outBufferMax = 32 << 10

func (b *outBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= outBufferMax
	b.mu.Unlock()
	if full {
		if err := b.Flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what is held, in one Write.
func (b *outBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// flushingReader sends the pending output before it reads input: the
// session only reads when it has printed everything for now (a prompt, a
// question), and a read blocks until the client answers it.
type flushingReader struct {
	r   io.Reader
	out *outBuffer
}

func (f flushingReader) Read(p []byte) (int, error) {
	if err := f.out.Flush(); err != nil {
		return 0, err
	}
	return f.r.Read(p)
}

// resize sets the width the line editor wraps typed lines at (the
// client's pty-req and window-change); 0 means no wrapping.
func (t *terminal) resize(width, height int) {
	if width <= 0 {
		width = noWrapWidth
	}
	if height <= 0 {
		height = 24
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.width, t.height = width, height
	if t.ed != nil {
		_ = t.ed.SetSize(width, height)
	}
}

// useHistory makes h the history Up and Down recall (the shell and bwcli
// keep their own, as bash and the real CLI do) and returns the previous.
func (t *terminal) useHistory(h *lineHistory) *lineHistory {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev := t.history
	t.history = h
	if t.ed != nil {
		t.ed.History = h
	}
	return prev
}

// editor returns the line editor, creating it after an interrupt
// discarded the previous one (and the line it was editing).
func (t *terminal) editor() *term.Terminal {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ed == nil {
		t.ed = term.NewTerminal(struct {
			io.Reader
			io.Writer
		}{t.feed, t.out}, "")
		t.ed.History = t.history
		_ = t.ed.SetSize(t.width, t.height)
	}
	return t.ed
}

// readLine prints prompt and reads one line. It returns io.EOF at the end
// of input or on Ctrl-D typed on an empty PTY line, and errInterrupt on
// Ctrl-C (after printing ^C).
func (t *terminal) readLine(prompt string, mode readMode) (string, error) {
	if !t.pty {
		t.write(prompt)
		return t.readPlainLine()
	}
	ed := t.editor()
	t.history.skip = mode != readCommand
	var line string
	var err error
	if mode == readSecret {
		line, err = ed.ReadPassword(prompt)
	} else {
		ed.SetPrompt(prompt)
		line, err = ed.ReadLine()
	}
	t.history.skip = false
	if errors.Is(err, errInterrupt) {
		// The editor still holds the interrupted line: start afresh.
		t.mu.Lock()
		t.ed = nil
		t.mu.Unlock()
		t.write("^C\n")
		return "", errInterrupt
	}
	if err != nil {
		return "", err
	}
	return line, nil
}

// readPlainLine reads a line without a PTY: no echo, no editing.
func (t *terminal) readPlainLine() (string, error) {
	var buf []byte
	for {
		b, err := t.in.ReadByte()
		if err != nil {
			if len(buf) > 0 && errors.Is(err, io.EOF) {
				return string(buf), nil
			}
			return "", err
		}
		if b == '\n' {
			return strings.TrimSuffix(string(buf), "\r"), nil
		}
		buf = append(buf, b)
	}
}

// lineFeeder is what the line editor reads: the input up to the end of the
// current line and no further, so that typed-ahead lines stay in the
// buffer (a Ctrl-C then discards only its own line, and each line is
// echoed when it is read, as a kernel line discipline does). It also
// turns Ctrl-C into errInterrupt, drops the LF of a CR LF pair, and
// replaces bytes that are not UTF-8 with '?' (the editor would wait
// forever for the rest of such a sequence).
type lineFeeder struct {
	in     *bufio.Reader
	lastCR bool
}

func (f *lineFeeder) Read(p []byte) (int, error) {
	n := 0
	for n+utf8.UTFMax <= len(p) {
		if n > 0 && f.in.Buffered() == 0 {
			break // hand over what arrived; do not wait for more
		}
		r, size, err := f.in.ReadRune()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if f.lastCR && r == '\n' {
			f.lastCR = false
			continue
		}
		f.lastCR = false
		if r == 0x03 {
			if n > 0 {
				_ = f.in.UnreadRune()
				return n, nil
			}
			return 0, errInterrupt
		}
		if r == utf8.RuneError && size == 1 {
			r = '?'
		}
		n += utf8.EncodeRune(p[n:], r)
		if r == '\r' || r == '\n' {
			f.lastCR = r == '\r'
			return n, nil
		}
	}
	return n, nil
}

// lineHistory is the history of one interpreter: commands only (answers to
// questions and passwords are never kept), no empty lines, no immediate
// repeats, at most maxHistory entries.
type lineHistory struct {
	entries []string
	// skip is set while a line that is not a command is read.
	skip bool
}

const maxHistory = 500

// Add implements term.History.
func (h *lineHistory) Add(entry string) {
	if h.skip || strings.TrimSpace(entry) == "" {
		return
	}
	if n := len(h.entries); n > 0 && h.entries[n-1] == entry {
		return
	}
	h.entries = append(h.entries, entry)
	if len(h.entries) > maxHistory {
		h.entries = h.entries[len(h.entries)-maxHistory:]
	}
}

// Len implements term.History.
func (h *lineHistory) Len() int { return len(h.entries) }

// At implements term.History: 0 is the most recent entry.
func (h *lineHistory) At(idx int) string { return h.entries[len(h.entries)-1-idx] }
