package live

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/internal/ptytest"
)

// fakeSource shows the lines it is given and counts status lines.
type fakeSource struct {
	mu     sync.Mutex
	live   []string
	status int
}

func (s *fakeSource) set(lines ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live = lines
}

func (s *fakeSource) Live(_ time.Time, max int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.live[:min(max, len(s.live))])
}

func (s *fakeSource) Status(time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status++
	return fmt.Sprintf("[ status %d ]", s.status)
}

func (s *fakeSource) statusCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// lockedBuffer collects output written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Off a terminal (here a buffer, though Live is asked for), status lines
// come at the interval between whole event lines, with no escape code; a
// suspended display holds both; nothing is written after Close.
func TestPlainDisplay(t *testing.T) {
	var out lockedBuffer
	src := &fakeSource{}
	d := Start(&out, src, Options{Live: true, Interval: 5 * time.Millisecond})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				fmt.Fprintf(d, "[  0.0s] xsp%d: event %d\n", i, j)
			}
		})
	}
	wg.Wait()
	waitUntil(t, "two status lines", func() bool { return strings.Count(out.String(), "[ status ") >= 2 })

	d.Suspend()
	before := out.String()
	calls := src.statusCalls()
	fmt.Fprintf(d, "[  0.1s] xsp1: held\n")
	waitUntil(t, "two ticks while suspended", func() bool { return src.statusCalls() >= calls+2 })
	if got := out.String(); got != before {
		t.Errorf("output while suspended: %q", strings.TrimPrefix(got, before))
	}
	d.Resume()
	if got := strings.TrimPrefix(out.String(), before); !strings.HasPrefix(got, "[  0.1s] xsp1: held\n") {
		t.Errorf("wrong result after Resume\ngot: %q\nwant: the held line first", got)
	}
	d.Close()
	if _, err := fmt.Fprintln(d, "late"); err == nil {
		t.Error("a write after Close succeeded")
	}

	text := out.String()
	if strings.Contains(text, "\x1b") {
		t.Errorf("escape codes off a terminal: %q", text)
	}
	line := regexp.MustCompile(`^(\[  0\.[01]s\] xsp\d: (event \d+|held)|\[ status \d+ \])$`)
	events := 0
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if !line.MatchString(l) {
			t.Fatalf("torn or unexpected line %q in:\n%s", l, text)
		}
		if strings.Contains(l, "event") {
			events++
		}
	}
	if events != 200 {
		t.Errorf("wrong result\ngot: %d event lines\nwant: 200", events)
	}
}

// An interval of 0 prints no status line at all.
func TestPlainDisplayNoInterval(t *testing.T) {
	var out lockedBuffer
	src := &fakeSource{}
	d := Start(&out, src, Options{})
	fmt.Fprintln(d, "[  0.0s] xsp1: done")
	d.Close()
	if got, want := out.String(), "[  0.0s] xsp1: done\n"; got != want || src.statusCalls() != 0 {
		t.Errorf("wrong result\ngot: %q (%d status lines)\nwant: %q", got, src.statusCalls(), want)
	}
}

// On a terminal the live area stays below the event lines, grows and
// shrinks with its lines, is cleared while suspended, and is gone after
// Close: the screen then shows the event lines only, in order.
func TestTerminalDisplay(t *testing.T) {
	term, err := ptytest.Open(60, 20)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer term.Close()
	src := &fakeSource{}
	src.set("head 1", "  xsp1: waiting 1s")
	d := Start(term.TTY, src, Options{Live: true, Refresh: 5 * time.Millisecond})
	screen := func(what string, want ...string) {
		t.Helper()
		if _, err := term.WaitFor(10*time.Second, what, func(lines []string) bool { return slices.Equal(lines, want) }); err != nil {
			t.Fatalf("%v\nwant:\n%s", err, strings.Join(want, "\n"))
		}
	}
	screen("the live area", "head 1", "  xsp1: waiting 1s")

	fmt.Fprintln(d, "[  0.1s] xsp1: restarting OpenClientServer")
	screen("an event line above the area", "[  0.1s] xsp1: restarting OpenClientServer", "head 1", "  xsp1: waiting 1s")

	src.set("head 2", "  xsp1: waiting 2s", "  xsp2: connecting 0s")
	screen("a longer area", "[  0.1s] xsp1: restarting OpenClientServer", "head 2", "  xsp1: waiting 2s", "  xsp2: connecting 0s")

	src.set("head 3")
	screen("a shorter area", "[  0.1s] xsp1: restarting OpenClientServer", "head 3")

	// A line longer than the terminal is cut, never wrapped.
	src.set("head 4 " + strings.Repeat("x", 80))
	screen("a cut line", "[  0.1s] xsp1: restarting OpenClientServer", "head 4 "+strings.Repeat("x", 51)+"…")

	d.Suspend()
	screen("the area cleared while suspended", "[  0.1s] xsp1: restarting OpenClientServer")
	fmt.Fprintln(d, "[  0.2s] xsp2: connected")
	fmt.Fprint(term.TTY, "Enter passphrase for key 'id': \r\n")
	screen("a prompt", "[  0.1s] xsp1: restarting OpenClientServer", "Enter passphrase for key 'id':")
	d.Resume()
	src.set("head 5")
	screen("the held line and the area after the prompt",
		"[  0.1s] xsp1: restarting OpenClientServer", "Enter passphrase for key 'id':", "[  0.2s] xsp2: connected", "head 5")

	// The terminal echoes ^C where the cursor is, below the area.
	fmt.Fprint(term.TTY, "^C")
	fmt.Fprintln(d, "[  0.3s] xsp1: healthy after 0.3s")
	screen("an event line after ^C",
		"[  0.1s] xsp1: restarting OpenClientServer", "Enter passphrase for key 'id':", "[  0.2s] xsp2: connected",
		"[  0.3s] xsp1: healthy after 0.3s", "head 5")

	d.Close()
	fmt.Fprint(term.TTY, "Apply complete: 2 hosts changed.\r\n")
	want := []string{"[  0.1s] xsp1: restarting OpenClientServer", "Enter passphrase for key 'id':", "[  0.2s] xsp2: connected",
		"[  0.3s] xsp1: healthy after 0.3s", "Apply complete: 2 hosts changed."}
	screen("the summary after the cleared area", want...)
	if d := cmp.Diff([]string(nil), term.Unknown()); d != "" {
		t.Errorf("escape sequences beyond cursor up, erase and colour (-want +got):\n%s", d)
	}
	if !strings.Contains(term.Raw(), "\x1b[") {
		t.Error("the area was never redrawn in place")
	}
}
