// Package ptytest runs output on a pseudo-terminal in tests and keeps what
// a terminal would show. Screen is a small terminal model that understands
// what bwstate writes (text, CR, LF, cursor up, erase below, erase line,
// SGR colours) and records any other escape sequence, so a test can check
// what an operator sees: the lines on the screen after redraws, rather than
// the bytes that drew them.
package ptytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
)

// Terminal is a pseudo-terminal whose output is read into a Screen.
type Terminal struct {
	// TTY is the terminal end a program writes to (nil once a command
	// started with StartCommand has it).
	TTY  *os.File
	ptmx *os.File
	read chan struct{} // closed when the output ends

	mu     sync.Mutex
	raw    bytes.Buffer
	screen *Screen
}

// Open opens a pseudo-terminal of cols x rows.
func Open(cols, rows int) (*Terminal, error) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		return nil, err
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}); err != nil {
		ptmx.Close()
		tty.Close()
		return nil, err
	}
	t := &Terminal{TTY: tty, ptmx: ptmx, read: make(chan struct{}), screen: NewScreen(cols, rows)}
	go t.readLoop()
	return t, nil
}

// StartCommand starts cmd with the terminal as its stdin, stdout and
// stderr (and controlling terminal), and closes the parent's copy of the
// terminal end, so the output ends when cmd and its children exit.
func (t *Terminal) StartCommand(cmd *exec.Cmd) error {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = t.TTY, t.TTY, t.TTY
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = sysProcAttr()
	}
	err := cmd.Start()
	t.TTY.Close()
	t.TTY = nil
	return err
}

func (t *Terminal) readLoop() {
	defer close(t.read)
	buf := make([]byte, 4096)
	for {
		n, err := t.ptmx.Read(buf)
		if n > 0 {
			t.mu.Lock()
			t.raw.Write(buf[:n])
			t.screen.Write(buf[:n])
			t.mu.Unlock()
		}
		if err != nil {
			return // EIO once every terminal end is closed
		}
	}
}

// Close closes the terminal and waits until its output is read.
func (t *Terminal) Close() error {
	if t.TTY != nil {
		t.TTY.Close()
	}
	select {
	case <-t.read:
	case <-time.After(5 * time.Second):
	}
	return t.ptmx.Close()
}

// Drain waits until the output ends (every terminal end closed), at most
// d.
func (t *Terminal) Drain(d time.Duration) error {
	if t.TTY != nil {
		t.TTY.Close()
		t.TTY = nil
	}
	select {
	case <-t.read:
		return nil
	case <-time.After(d):
		return errors.New("ptytest: the terminal's output did not end")
	}
}

// Type sends s as if typed on the terminal's keyboard: the terminal
// driver echoes it and turns ^C into SIGINT for the foreground process
// group.
func (t *Terminal) Type(s string) error {
	_, err := io.WriteString(t.ptmx, s)
	return err
}

// Raw returns every byte written to the terminal so far.
func (t *Terminal) Raw() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.raw.String()
}

// Lines returns the screen's lines now (the scrollback included).
func (t *Terminal) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.screen.Lines()
}

// Unknown returns the escape sequences the screen did not understand.
func (t *Terminal) Unknown() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.screen.unknown...)
}

// WaitFor polls the screen until cond holds, at most d; it returns the
// lines that satisfied it.
func (t *Terminal) WaitFor(d time.Duration, what string, cond func(lines []string) bool) ([]string, error) {
	deadline := time.Now().Add(d)
	for {
		lines := t.Lines()
		if cond(lines) {
			return lines, nil
		}
		if time.Now().After(deadline) {
			return lines, fmt.Errorf("ptytest: waited %s for %s; the screen shows:\n%s", d, what, strings.Join(lines, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Screen is a terminal's screen with unlimited scrollback: lines that
// scroll off the top stay, but the cursor cannot move above the visible
// rows, as on a real terminal.
type Screen struct {
	cols, rows int
	lines      [][]rune
	row, col   int
	// wrapNext: a character was written in the last column; the next one
	// goes to the next line (deferred wrap, as xterm does).
	wrapNext bool
	esc      []byte // an escape sequence being read
	unknown  []string
}

// NewScreen returns an empty screen of cols x rows.
func NewScreen(cols, rows int) *Screen {
	return &Screen{cols: cols, rows: rows, lines: [][]rune{nil}}
}

// Write interprets p.
func (s *Screen) Write(p []byte) (int, error) {
	for _, r := range string(p) {
		s.put(r)
	}
	return len(p), nil
}

func (s *Screen) put(r rune) {
	if s.esc != nil {
		s.esc = append(s.esc, string(r)...)
		if len(s.esc) == 2 && r != '[' {
			s.unknown = append(s.unknown, string(s.esc))
			s.esc = nil
			return
		}
		if len(s.esc) > 2 && r >= 0x40 && r <= 0x7e {
			s.csi(string(s.esc[2:len(s.esc)-1]), r)
			s.esc = nil
		}
		return
	}
	switch r {
	case 0x1b:
		s.esc = []byte{0x1b}
	case '\r':
		s.col, s.wrapNext = 0, false
	case '\n':
		s.down()
	case '\b':
		if s.col > 0 {
			s.col--
		}
	case '\a':
	default:
		if r < 0x20 {
			s.unknown = append(s.unknown, fmt.Sprintf("%q", r))
			return
		}
		if s.wrapNext {
			s.col, s.wrapNext = 0, false
			s.down()
		}
		line := s.lines[s.row]
		for len(line) <= s.col {
			line = append(line, ' ')
		}
		line[s.col] = r
		s.lines[s.row] = line
		if s.col == s.cols-1 {
			s.wrapNext = true
		} else {
			s.col++
		}
	}
}

func (s *Screen) down() {
	s.row++
	s.wrapNext = false
	for len(s.lines) <= s.row {
		s.lines = append(s.lines, nil)
	}
}

// top is the first visible row.
func (s *Screen) top() int {
	return max(0, len(s.lines)-s.rows)
}

func (s *Screen) csi(params string, final rune) {
	n := 1
	if params != "" {
		if _, err := fmt.Sscanf(params, "%d", &n); err != nil && final != 'm' {
			s.unknown = append(s.unknown, "\x1b["+params+string(final))
			return
		}
	}
	switch final {
	case 'A':
		s.row = max(s.top(), s.row-n)
		s.wrapNext = false
	case 'J', 'K':
		// Only erasing from the cursor on is modelled: below it (J) or
		// to the end of its line (K).
		if params != "" && params != "0" {
			s.unknown = append(s.unknown, "\x1b["+params+string(final))
			return
		}
		if s.col < len(s.lines[s.row]) {
			s.lines[s.row] = s.lines[s.row][:s.col]
		}
		if final == 'J' {
			s.lines = s.lines[:s.row+1]
		}
	case 'm':
		// colours: what they colour is the text
	default:
		s.unknown = append(s.unknown, "\x1b["+params+string(final))
	}
}

// Lines returns the screen's lines, trailing spaces removed, without the
// empty lines at the end.
func (s *Screen) Lines() []string {
	out := make([]string, len(s.lines))
	for i, l := range s.lines {
		out[i] = strings.TrimRight(string(l), " ")
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

var _ io.Writer = (*Screen)(nil)
