package sim

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// errInterrupt is returned by readLine when Ctrl-C was typed on a PTY.
var errInterrupt = errors.New("interrupt")

// terminal is the line-oriented terminal the shell and bwcli run on. It
// plays the part of the kernel's line discipline: on a PTY it echoes what is
// typed, handles backspace, Ctrl-C and Ctrl-D, and turns "\n" into "\r\n" on
// output; without a PTY it only splits input into lines. Keeping it apart
// from SSH lets transcript tests drive the interpreters in memory.
type terminal struct {
	in     *bufio.Reader
	out    io.Writer
	errOut io.Writer
	pty    bool
	// lastCR remembers that the previous line ended with '\r', so that the
	// '\n' of a "\r\n" pair does not end a second, empty line.
	lastCR bool
	// echo collects echoed bytes until the reader would block, so typed-
	// ahead input is echoed in one write instead of one per byte.
	echo []byte
}

func newTerminal(in io.Reader, out, errOut io.Writer, pty bool) *terminal {
	if pty || errOut == nil {
		errOut = out
	}
	return &terminal{in: bufio.NewReaderSize(in, 4096), out: out, errOut: errOut, pty: pty}
}

// write prints program output; on a PTY "\n" becomes "\r\n".
func (t *terminal) write(s string) {
	t.flushEcho()
	if t.pty {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	_, _ = io.WriteString(t.out, s)
}

// writeErr prints an error message: to stderr without a PTY, as bash does.
func (t *terminal) writeErr(s string) {
	if t.pty {
		t.write(s)
		return
	}
	_, _ = io.WriteString(t.errOut, s)
}

func (t *terminal) flushEcho() {
	if len(t.echo) > 0 {
		_, _ = t.out.Write(t.echo)
		t.echo = t.echo[:0]
	}
}

// readLine reads one line. echo false suppresses the echo (password
// prompts). It returns io.EOF at the end of input or on Ctrl-D typed on an
// empty PTY line, and errInterrupt on Ctrl-C.
func (t *terminal) readLine(echo bool) (string, error) {
	var buf []byte
	for {
		if t.in.Buffered() == 0 {
			t.flushEcho()
		}
		b, err := t.in.ReadByte()
		if err != nil {
			t.flushEcho()
			if len(buf) > 0 && errors.Is(err, io.EOF) {
				return string(buf), nil
			}
			return "", err
		}
		if !t.pty {
			if b == '\n' {
				return strings.TrimSuffix(string(buf), "\r"), nil
			}
			buf = append(buf, b)
			continue
		}
		if t.lastCR && b == '\n' {
			t.lastCR = false
			continue
		}
		t.lastCR = false
		switch b {
		case '\r', '\n':
			t.lastCR = b == '\r'
			t.echo = append(t.echo, '\r', '\n')
			t.flushEcho()
			return string(buf), nil
		case 0x7f, 0x08:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
				if echo {
					t.echo = append(t.echo, '\b', ' ', '\b')
				}
			}
		case 0x03:
			t.echo = append(t.echo, "^C\r\n"...)
			t.flushEcho()
			return "", errInterrupt
		case 0x04:
			if len(buf) == 0 {
				t.flushEcho()
				return "", io.EOF
			}
		case 0x15: // Ctrl-U erases the line
			if echo {
				for range buf {
					t.echo = append(t.echo, '\b', ' ', '\b')
				}
			}
			buf = buf[:0]
		default:
			buf = append(buf, b)
			if echo {
				t.echo = append(t.echo, b)
			}
		}
	}
}
