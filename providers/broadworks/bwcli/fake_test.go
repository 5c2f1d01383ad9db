package bwcli

import (
	"bufio"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// Texts the scripted server prints, as docs/bwcli.md and docs/simulator.md show
// them. The fake shares nothing with patterns.go on purpose.
const (
	motd        = "Last login: Thu Nov 27 10:15:00 2026 from 10.0.0.1\n"
	shellPrompt = "bwadmin@xsp1$ "
	banner      = "======================================================================\n" +
		"BroadWorks Command Line Interface\n" +
		"  Type HELP for more information\n" +
		"======================================================================\n\n"
	rootPrompt = "XSP_CLI> "
	capPath    = "Applications/OpenClientServer/CAPProxy"
	capPrompt  = "XSP_CLI/Applications/OpenClientServer/CAPProxy> "
	confirmQ   = "Please confirm (Yes, Y, No, N): "
	restartW   = "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***"
)

// step is one exchange of the script: the line the server expects to read
// and what it answers.
type step struct {
	// want is the line the session must send (without the newline).
	want string
	// noEcho reads the line without echoing it, as a password prompt does.
	noEcho bool
	// echo replaces the PTY echo when not empty (wrap artefacts, ...).
	echo string
	// reply is written after the echo; "\n" is sent as "\r\n" like a PTY.
	reply string
	// rawReply is written as is after reply (stray bytes, Latin-1).
	rawReply []byte
	// parts are written after reply, one write each, so the session sees
	// partial tails; "\n" is sent as "\r\n".
	parts []string
	// byteByByte writes reply one byte per write.
	byteByByte bool
	// onRead runs when the line was read, before anything is answered.
	onRead func()
	// hang stops answering after this step (until the session closes).
	hang bool
	// drop closes the stream after the reply.
	drop bool
}

// fakeServer answers a Session from a script over two in-memory pipes, with
// PTY-style echo and \r\n line endings.
type fakeServer struct {
	t      *testing.T
	in     *bufio.Reader  // what the session writes
	inR    *io.PipeReader // its raw end, closed to unblock the session
	out    *io.PipeWriter // what the session reads
	noEcho bool           // a stream without a PTY: nothing is echoed
	done   chan struct{}

	mu  sync.Mutex
	got []string // every line read, for assertions
	// marks counts the empty lines read at login (the session's way of
	// making the prompt show itself); they are not in got.
	marks int
	// markPrompt is printed after each of them.
	markPrompt string
}

// countingWriter counts Write calls: one command must be one write.
type countingWriter struct {
	w      io.WriteCloser
	mu     sync.Mutex
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.w.Write(p)
}

func (c *countingWriter) Close() error { return c.w.Close() }

func (c *countingWriter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

type fakeOptions struct {
	opts     Options
	greeting string // written before any step; default motd + shellPrompt
	noEcho   bool
	// markPrompt answers the login's empty line; default: the greeting's
	// last line.
	markPrompt string
}

// newFake starts a session against a scripted server. Cleanup closes the
// session, waits for the server and the session's goroutines, and fails
// the test if either is left running.
func newFake(t *testing.T, fo fakeOptions, steps ...step) (*Session, *fakeServer, *countingWriter) {
	t.Helper()
	toSrvR, toSrvW := io.Pipe()
	fromSrvR, fromSrvW := io.Pipe()
	f := &fakeServer{t: t, in: bufio.NewReader(toSrvR), inR: toSrvR, out: fromSrvW, noEcho: fo.noEcho, done: make(chan struct{})}
	cw := &countingWriter{w: toSrvW}
	s := New(fromSrvR, cw, fo.opts)
	greeting := fo.greeting
	if greeting == "" {
		greeting = motd + shellPrompt
	}
	f.markPrompt = fo.markPrompt
	go f.serve(greeting, steps)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		waitClosed(t, "fake server", f.done)
		waitClosed(t, "session goroutines", s.Done())
	})
	return s, f, cw
}

// waitClosed waits for ch with a generous deadline: a goroutine that never
// ends is a leak and fails the test instead of hanging it.
func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Errorf("%s still running 10s after close", what)
	}
}

func (f *fakeServer) serve(greeting string, steps []step) {
	defer close(f.done)
	defer f.out.Close()
	if !f.write(greeting) {
		return
	}
	// An empty line at login is answered like a shell does: the echoed
	// line end, then the prompt again.
	loginPrompt := greeting[strings.LastIndex(greeting, "\n")+1:]
	if f.markPrompt != "" {
		loginPrompt = f.markPrompt
	}
	atLogin := true
	for i, st := range steps {
		line, err := f.in.ReadString('\n')
		if err != nil {
			f.t.Errorf("fake server: step %d: want %q, session sent nothing more (%v)", i, st.want, err)
			return
		}
		line = strings.TrimSuffix(line, "\n")
		for atLogin && line == "" && st.want != "" {
			f.mu.Lock()
			f.marks++
			f.mu.Unlock()
			echo := "\n"
			if f.noEcho {
				echo = ""
			}
			if !f.write(echo + loginPrompt) {
				return
			}
			if line, err = f.in.ReadString('\n'); err != nil {
				f.t.Errorf("fake server: step %d: want %q, session sent nothing more (%v)", i, st.want, err)
				return
			}
			line = strings.TrimSuffix(line, "\n")
		}
		atLogin = false
		f.mu.Lock()
		f.got = append(f.got, line)
		f.mu.Unlock()
		if line != st.want {
			f.t.Errorf("fake server: step %d: wrong line\ngot:  %q\nwant: %q", i, line, st.want)
		}
		if st.onRead != nil {
			st.onRead()
		}
		switch {
		case st.noEcho || f.noEcho:
		case st.echo != "":
			if !f.write(st.echo) {
				return
			}
		default:
			if !f.write(line + "\n") {
				return
			}
		}
		reply := []byte(strings.ReplaceAll(st.reply, "\n", "\r\n"))
		if st.byteByByte {
			for i := range reply {
				if !f.writeRaw(reply[i : i+1]) {
					return
				}
			}
		} else if !f.writeRaw(reply) {
			return
		}
		for _, p := range st.parts {
			if !f.write(p) {
				return
			}
		}
		if !f.writeRaw(st.rawReply) {
			return
		}
		if st.drop {
			return
		}
		if st.hang {
			_, _ = io.Copy(io.Discard, f.in)
			return
		}
	}
	// Anything sent after the script is a test failure: it would have been
	// a command the test did not expect; but a script without steps still
	// answers the login's empty line.
	for {
		line, err := f.in.ReadString('\n')
		if atLogin && line == "\n" {
			f.mu.Lock()
			f.marks++
			f.mu.Unlock()
			atLogin = f.write("\n" + loginPrompt)
			continue
		}
		if line != "" {
			f.t.Errorf("fake server: unexpected line after the script: %q", line)
		}
		if err != nil {
			return
		}
	}
}

func (f *fakeServer) write(s string) bool {
	return f.writeRaw([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
}

func (f *fakeServer) writeRaw(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	_, err := f.out.Write(b)
	return err == nil
}

func (f *fakeServer) markCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.marks
}

func (f *fakeServer) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

// Script fragments.

func stepBWCLI() step {
	return step{want: "bwcli", reply: banner + rootPrompt}
}

func stepCd(path, prompt string) step {
	return step{want: "cd /" + path, reply: prompt}
}

// cliSession returns a session logged in, with bwcli started and in the
// CAPProxy context, followed by steps.
func cliSession(t *testing.T, fo fakeOptions, steps ...step) (*Session, *fakeServer, *countingWriter) {
	t.Helper()
	all := append([]step{stepBWCLI(), stepCd(capPath, capPrompt)}, steps...)
	s, f, cw := newFake(t, fo, all...)
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	if _, err := s.StartCLI(ctx); err != nil {
		t.Fatalf("StartCLI: %v", err)
	}
	if _, err := s.Cd(ctx, capPath); err != nil {
		t.Fatalf("Cd: %v", err)
	}
	return s, f, cw
}

// shellSession returns a logged-in session at the shell prompt.
func shellSession(t *testing.T, fo fakeOptions, steps ...step) (*Session, *fakeServer, *countingWriter) {
	t.Helper()
	s, f, cw := newFake(t, fo, steps...)
	if err := s.WaitShell(testContext(t)); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	return s, f, cw
}

// testContext bounds a test so a driver bug fails it instead of hanging
// the whole run.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
