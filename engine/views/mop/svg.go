package mop

import (
	"fmt"
	"math"
	"strings"

	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
)

// The timeline picture's geometry: computed here, drawn by the HTML
// template as inline SVG, so the template holds no arithmetic.

const (
	chartWidth  = 960
	labelWidth  = 170
	plotRight   = 20
	chartTop    = 30
	rowHeight   = 20
	barHeight   = 12
	axisHeight  = 26
	maxLanes    = 100 // more hosts are drawn one bar per batch
	minBarWidth = 2.0
)

type chart struct {
	Width, Height int
	Desc          string
	Ticks         []tick
	Marks         []tick
	Rows          []chartRow
	AxisY         string
	PlotLeft      string
	PlotRight     string
	Aggregated    bool
}

type tick struct {
	X, Label string
}

type chartRow struct {
	Label, LabelY string
	Group         string
	Bar           box
	Windows       []box
}

type box struct {
	X, Y, W, H string
	Class      string
	Title      string
}

func px(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") }

// newChart lays out a timeline. desc describes it for screen readers.
func newChart(tl review.Timeline, desc string) *chart {
	lanes := tl.Lanes
	aggregated := false
	if len(lanes) > maxLanes {
		lanes, aggregated = byGroup(lanes), true
	}
	total := math.Max(tl.Seconds, 1)
	for _, l := range lanes {
		total = math.Max(total, l.StartSeconds+l.Seconds)
	}
	plot := float64(chartWidth - labelWidth - plotRight)
	x := func(t float64) float64 { return labelWidth + t/total*plot }
	w := func(t float64) float64 { return math.Max(t/total*plot, minBarWidth) }
	c := &chart{
		Width: chartWidth, Height: chartTop + len(lanes)*rowHeight + axisHeight, Desc: desc,
		PlotLeft: px(labelWidth), PlotRight: px(chartWidth - plotRight), Aggregated: aggregated,
	}
	c.AxisY = px(float64(chartTop + len(lanes)*rowHeight))
	step := tickStep(total)
	for i := 0; float64(i)*step <= total+1e-9; i++ {
		t := float64(i) * step
		label := clock(t)
		if step < 1 {
			label = dur(t)
		}
		c.Ticks = append(c.Ticks, tick{X: px(x(t)), Label: label})
	}
	for _, m := range tl.Marks {
		c.Marks = append(c.Marks, tick{X: px(x(m.AtSeconds)), Label: views.Clean(m.Label)})
	}
	for i, l := range lanes {
		y := float64(chartTop + i*rowHeight + (rowHeight-barHeight)/2)
		row := chartRow{Label: views.Clean(l.Host), LabelY: px(y + barHeight - 2), Group: views.Clean(l.Group)}
		cls := "bar"
		switch l.Outcome {
		case "failed", "stale", "interrupted", "unknown":
			cls = "bar bad"
		}
		row.Bar = box{X: px(x(l.StartSeconds)), Y: px(y), W: px(w(l.Seconds)), H: px(barHeight), Class: cls,
			Title: fmt.Sprintf("%s: %s to %s (%s)", row.Label, clock(l.StartSeconds), clock(l.StartSeconds+l.Seconds), row.Group)}
		if l.Outcome != "" {
			row.Bar.Title += ": " + views.Clean(l.Outcome)
		}
		for _, win := range l.Windows {
			wc := "win"
			switch win.Outcome {
			case "unhealthy", "timeout", "failed", "started":
				wc = "win bad"
			}
			b := box{X: px(x(win.StartSeconds)), Y: px(y), W: px(w(win.Seconds)), H: px(barHeight), Class: wc,
				Title: fmt.Sprintf("%s on %s: %s to %s (%s)", views.Clean(win.Label), row.Label, clock(win.StartSeconds), clock(win.StartSeconds+win.Seconds), dur(win.Seconds))}
			if win.Outcome != "" {
				b.Title += ": " + views.Clean(win.Outcome)
			}
			row.Windows = append(row.Windows, b)
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// byGroup folds lanes into one per group (batch): its hosts' extent, and
// one window from the first restart's start to the last one's end.
func byGroup(lanes []review.Lane) []review.Lane {
	var out []review.Lane
	idx := map[string]int{}
	count := map[string]int{}
	for _, l := range lanes {
		i, ok := idx[l.Group]
		if !ok {
			i = len(out)
			idx[l.Group] = i
			out = append(out, review.Lane{Group: l.Group, StartSeconds: l.StartSeconds})
		}
		count[l.Group]++
		g := &out[i]
		end := math.Max(g.StartSeconds+g.Seconds, l.StartSeconds+l.Seconds)
		g.StartSeconds = math.Min(g.StartSeconds, l.StartSeconds)
		g.Seconds = end - g.StartSeconds
		switch l.Outcome {
		case "failed", "stale", "interrupted", "unknown":
			g.Outcome = l.Outcome
		}
		for _, win := range l.Windows {
			if len(g.Windows) == 0 {
				g.Windows = []review.Window{{Label: "restarts", StartSeconds: win.StartSeconds, Seconds: win.Seconds}}
				continue
			}
			gw := &g.Windows[0]
			wend := math.Max(gw.StartSeconds+gw.Seconds, win.StartSeconds+win.Seconds)
			gw.StartSeconds = math.Min(gw.StartSeconds, win.StartSeconds)
			gw.Seconds = wend - gw.StartSeconds
		}
	}
	for i := range out {
		out[i].Host = fmt.Sprintf("%s (%d hosts)", out[i].Group, count[out[i].Group])
	}
	return out
}

// tickStep picks a round step that gives at most about eight ticks.
func tickStep(total float64) float64 {
	for _, s := range []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800} {
		if total/s <= 8 {
			return s
		}
	}
	return math.Ceil(total/8/3600) * 3600
}
