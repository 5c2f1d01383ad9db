package live

import (
	"bytes"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// Defaults of Options.
const (
	// DefaultInterval is how often a status line is printed off a
	// terminal: often enough that a log shows a long health wait is
	// alive, rarely enough that a run of a few seconds prints none.
	DefaultInterval = 10 * time.Second
	// DefaultRefresh is how often the live area is redrawn; it shows
	// seconds, and an unchanged area is not redrawn.
	DefaultRefresh = 250 * time.Millisecond
	// DefaultMaxLines caps the live area (the headline and the hosts in
	// flight); the terminal's height caps it too.
	DefaultMaxLines = 12
)

// Options configure a Display.
type Options struct {
	// Live keeps a live area redrawn in place on the output, which must be
	// a terminal (an *os.File); the caller decides, from the output and
	// NO_COLOR, -no-color and TERM=dumb. Otherwise status lines are
	// printed every Interval.
	Live bool
	// Interval between status lines when not Live; 0 prints none.
	Interval time.Duration
	// Refresh is how often the live area may be redrawn (DefaultRefresh
	// when 0).
	Refresh time.Duration
	// MaxLines caps the live area (DefaultMaxLines when 0).
	MaxLines int
}

// Display shows a Source on an output while work runs, below the event
// lines written to it (Write). Close it before printing anything else on
// the output: on a terminal it clears the live area. A Display is safe for
// concurrent use.
type Display struct {
	impl display
}

type display interface {
	write(p []byte) (int, error)
	suspend()
	resume()
	close()
}

// Start shows src on out until Close.
func Start(out io.Writer, src Source, opts Options) *Display {
	if f, ok := out.(*os.File); ok && opts.Live && term.IsTerminal(int(f.Fd())) {
		return &Display{impl: startTerminal(f, src, opts)}
	}
	return &Display{impl: startPlain(out, src, opts.Interval)}
}

// Write writes event lines (whole lines) above the live area, or as they
// are off a terminal.
func (d *Display) Write(p []byte) (int, error) { return d.impl.write(p) }

// Suspend clears the live area and holds status and event lines until
// Resume, so that a question asked on the terminal (a key's passphrase)
// is neither overwritten nor interleaved.
func (d *Display) Suspend() { d.impl.suspend() }

// Resume shows again what Suspend held.
func (d *Display) Resume() { d.impl.resume() }

// Close stops the display; on a terminal it clears the live area and
// leaves the cursor at the start of the line after the last event line.
// Writes after Close fail.
func (d *Display) Close() { d.impl.close() }

// plain prints status lines at an interval, for logs: no redrawing, no
// escape code.
type plain struct {
	out  io.Writer
	src  Source
	stop chan struct{}
	done chan struct{}

	mu   sync.Mutex // orders lines on out; guards gate
	gate gate
}

func startPlain(out io.Writer, src Source, interval time.Duration) *plain {
	d := &plain{out: out, src: src, stop: make(chan struct{}), done: make(chan struct{})}
	go d.loop(interval)
	return d
}

func (d *plain) loop(interval time.Duration) {
	defer close(d.done)
	if interval <= 0 {
		<-d.stop
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-d.stop:
			return
		case now := <-tick.C:
			line := d.src.Status(now)
			d.mu.Lock()
			if d.gate.suspended == 0 && line != "" {
				// A status line that cannot be written is lost like
				// any other output; the event lines report the error.
				_, _ = io.WriteString(d.out, line+"\n")
			}
			d.mu.Unlock()
		}
	}
}

func (d *plain) write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now, err := d.gate.admit(p); !now {
		return heldOrRefused(p, err)
	}
	return d.out.Write(p)
}

func (d *plain) suspend() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gate.suspend()
}

func (d *plain) resume() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeHeld(d.gate.resume())
}

// writeHeld writes lines the gate held; d.mu is held.
func (d *plain) writeHeld(held [][]byte) {
	for _, p := range held {
		_, _ = d.out.Write(p)
	}
}

func (d *plain) close() {
	d.mu.Lock()
	held, first := d.gate.close()
	d.writeHeld(held)
	d.mu.Unlock()
	if first {
		close(d.stop)
		<-d.done
	}
}

// gate decides what becomes of event lines: written now, held while the
// display is suspended, or refused once it is closed. Its display guards
// it with its own mutex.
type gate struct {
	suspended int
	held      [][]byte
	closed    bool
}

// admit reports whether p is to be written now; when it is not, p was
// held, or refused with the error.
func (g *gate) admit(p []byte) (now bool, err error) {
	switch {
	case g.closed:
		return false, errClosed
	case g.suspended > 0:
		g.held = append(g.held, bytes.Clone(p))
		return false, nil
	}
	return true, nil
}

// heldOrRefused is what Write returns for a line the gate did not let
// through.
func heldOrRefused(p []byte, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// suspend holds lines until the matching resume; first reports that the
// display was not suspended before.
func (g *gate) suspend() (first bool) {
	g.suspended++
	return g.suspended == 1
}

// resume ends a suspension and returns the lines held, to write, when it
// was the last one.
func (g *gate) resume() [][]byte {
	if g.suspended == 0 {
		return nil
	}
	g.suspended--
	if g.suspended > 0 {
		return nil
	}
	held := g.held
	g.held = nil
	return held
}

// close refuses lines from now on and returns the lines held, to write;
// first reports that the display was not closed before.
func (g *gate) close() (held [][]byte, first bool) {
	if g.closed {
		return nil, false
	}
	g.closed, g.suspended = true, 0
	held, g.held = g.held, nil
	return held, true
}

type closedError struct{}

func (closedError) Error() string { return "live: display closed" }

var errClosed error = closedError{}

// terminal keeps a live area on a terminal with mpb. Each line of the area
// is an mpb bar without a filler whose only decorator shows the line, so
// the area grows and shrinks with the work in flight (a dropped bar is
// drawn once more, blank, then gone). The area is redrawn on a manual
// refresh that this display's goroutine drives: on a tick when the lines
// changed, and soon after event lines were written, which mpb prints
// above the bars when it next draws them.
type terminal struct {
	f        *os.File
	src      Source
	p        *mpb.Progress
	refresh  chan any
	maxLines int

	kick chan struct{}        // event lines are waiting to be drawn
	ops  chan func(*terminal) // run by the loop goroutine
	stop chan struct{}
	done chan struct{}

	// mu guards gate; it is held while writing to mpb so that no event
	// line slips out while suspended.
	mu   sync.Mutex
	gate gate

	// linesMu guards lines, which the bars' decorators read while mpb
	// draws; it is never held while calling mpb.
	linesMu sync.Mutex
	lines   []string

	// Owned by the loop goroutine.
	bars  []*mpb.Bar
	shown []string // the lines last drawn
	dead  bool     // mpb stopped (a write to the terminal failed)
}

func startTerminal(f *os.File, src Source, opts Options) *terminal {
	refresh := opts.Refresh
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	maxLines := opts.MaxLines
	if maxLines <= 0 {
		maxLines = DefaultMaxLines
	}
	t := &terminal{
		f: f, src: src, refresh: make(chan any), maxLines: maxLines,
		kick: make(chan struct{}, 1), ops: make(chan func(*terminal)),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	t.p = mpb.New(mpb.WithOutput(f), mpb.WithManualRefresh(t.refresh))
	go t.loop(refresh)
	return t
}

func (t *terminal) loop(every time.Duration) {
	defer close(t.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	t.redraw(true)
	for {
		select {
		case <-tick.C:
			t.redraw(false)
		case <-t.kick:
			t.redraw(true)
		case op := <-t.ops:
			op(t)
		case <-t.stop:
			t.clear()
			if t.dead {
				t.p.Shutdown()
			} else {
				t.p.Wait()
			}
			return
		}
	}
}

// size returns the terminal's width and height, or a usual one.
func (t *terminal) size() (int, int) {
	w, h, err := term.GetSize(int(t.f.Fd()))
	if err != nil || w <= 0 || h <= 0 {
		return 80, 24
	}
	return w, h
}

// redraw draws the area again if its lines changed, or if event lines
// wait to be printed (force).
func (t *terminal) redraw(force bool) {
	t.mu.Lock()
	suspended := t.gate.suspended > 0
	t.mu.Unlock()
	if suspended || t.dead {
		return
	}
	w, h := t.size()
	lines := t.src.Live(time.Now(), max(1, min(t.maxLines, h-1)))
	for i := range lines {
		// One column short of the width: a line that fills the row would
		// wrap on some terminals and break the count of lines to redraw.
		// A line starts with \r: the cursor may not be at the start of
		// its row (the terminal echoed ^C there).
		lines[i] = "\r" + fit(lines[i], w-1)
	}
	if !force && slicesEqual(lines, t.shown) {
		return
	}
	t.show(lines)
}

// show makes the area's bars match lines and draws them.
func (t *terminal) show(lines []string) {
	t.linesMu.Lock()
	t.lines = lines
	t.linesMu.Unlock()
	t.shown = lines
	dropped := false
	for len(t.bars) < len(lines) {
		i := len(t.bars)
		line := decor.Any(func(decor.Statistics) string {
			t.linesMu.Lock()
			defer t.linesMu.Unlock()
			if i < len(t.lines) {
				return t.lines[i]
			}
			return ""
		})
		t.bars = append(t.bars, t.p.New(0, mpb.NopStyle(), mpb.BarFillerTrim(), mpb.PrependDecorators(line)))
	}
	for len(t.bars) > len(lines) {
		t.bars[len(t.bars)-1].Abort(true)
		t.bars = t.bars[:len(t.bars)-1]
		dropped = true
	}
	t.draw()
	if dropped {
		// The dropped bars were drawn blank once; the next draw leaves
		// them out.
		t.draw()
	}
}

// draw asks mpb to draw now. It first writes nothing through mpb: that
// fails once mpb has stopped, whose manual refresh would then block.
func (t *terminal) draw() {
	if t.dead {
		return
	}
	if _, err := t.p.Write(nil); err != nil {
		t.dead = true
		return
	}
	t.refresh <- time.Now()
}

// clear removes every line of the area and waits until the terminal shows
// that, with every event line written before printed.
func (t *terminal) clear() {
	t.show(nil)
	// mpb draws on the refresh after the one just asked for has been
	// taken; an empty write returns after that draw.
	t.draw()
	if !t.dead {
		_, _ = t.p.Write(nil)
	}
}

func (t *terminal) write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now, err := t.gate.admit(p); !now {
		return heldOrRefused(p, err)
	}
	if err := t.emit(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// emit hands event lines to mpb, which prints them above the area when it
// next draws, and asks the loop to draw soon; t.mu is held.
func (t *terminal) emit(p []byte) error {
	// The cursor may not be at the start of its row (see redraw).
	if _, err := t.p.Write(append([]byte("\r"), p...)); err != nil {
		return err
	}
	select {
	case t.kick <- struct{}{}:
	default:
	}
	return nil
}

func (t *terminal) emitHeld(held [][]byte) {
	for _, p := range held {
		_ = t.emit(p)
	}
}

// do runs op on the loop goroutine and waits for it.
func (t *terminal) do(op func(*terminal)) {
	done := make(chan struct{})
	select {
	case t.ops <- func(t *terminal) { op(t); close(done) }:
		<-done
	case <-t.done:
	}
}

func (t *terminal) suspend() {
	t.mu.Lock()
	first := t.gate.suspend()
	t.mu.Unlock()
	if first {
		t.do((*terminal).clear)
	}
}

func (t *terminal) resume() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.emitHeld(t.gate.resume())
}

func (t *terminal) close() {
	t.mu.Lock()
	held, first := t.gate.close()
	t.emitHeld(held)
	t.mu.Unlock()
	if first {
		close(t.stop)
		<-t.done
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
