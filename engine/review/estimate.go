package review

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine/journal"
)

// Defaults used when the journal has no measurement. They are assumptions,
// and every estimate made from one says so.
const (
	// DefaultRestart is the time from restartbw to healthy assumed for an
	// application never restarted through this configuration. BroadWorks
	// applications usually take under a minute or two to start; the
	// rollout's health_timeout bounds the worst case.
	DefaultRestart = 60 * time.Second
	// DefaultWrite is the time per write (one set, add or delete, and its
	// share of the read-back) assumed without history.
	DefaultWrite = 2 * time.Second
	// HostOverhead is the time per host to connect, start bwcli, re-read
	// the values the plan saw and evaluate checks. The journal records
	// none of these steps, so it is always assumed.
	HostOverhead = 5 * time.Second
)

// History is what the journal measured on earlier runs of the
// configuration: restart durations per application and server type, and
// the time writes took.
type History struct {
	// Runs is the number of runs that contributed a measurement.
	Runs int
	// restarts are seconds from restartbw to healthy, by application (lower
	// case) and server type ("" when the host's type is unknown).
	restarts map[appType][]float64
	// writeSeconds over writes, on writeHosts hosts.
	writeSeconds float64
	writes       int
	writeHosts   int
}

type appType struct{ app, typ string }

// NewHistory measures the runs of the journal records recs that started
// before the run before (all runs when before is ""). hostType gives a
// host's server type from the configuration ("" when unknown).
func NewHistory(recs []*journal.Record, before string, hostType func(host string) string) *History {
	var runs []*runLog
	for _, rl := range readRuns(recs) {
		if before != "" && rl.id == before {
			break
		}
		runs = append(runs, rl)
	}
	return historyOf(runs, hostType)
}

func historyOf(runs []*runLog, hostType func(string) string) *History {
	h := &History{restarts: map[appType][]float64{}}
	if hostType == nil {
		hostType = func(string) string { return "" }
	}
	for _, rl := range runs {
		measured := false
		for _, name := range rl.order {
			hl := rl.hosts[name]
			if hl.writes > 0 && !hl.writeEnd.IsZero() {
				h.writeSeconds += max(hl.writeEnd.Sub(hl.first).Seconds(), 0)
				h.writes += hl.writes
				h.writeHosts++
				measured = true
			}
			for _, rs := range hl.restarts {
				if rs.outcome != "healthy" {
					continue
				}
				k := appType{strings.ToLower(rs.app), hostType(name)}
				h.restarts[k] = append(h.restarts[k], rs.seconds())
				measured = true
			}
		}
		if measured {
			h.Runs++
		}
	}
	return h
}

// Restart estimates the time from restartbw to healthy of app on a server
// of type typ: the median of its restarts on that type, else on any type,
// else DefaultRestart.
func (h *History) Restart(app, typ string) Estimate {
	if h != nil {
		if s := h.restarts[appType{strings.ToLower(app), typ}]; len(s) > 0 && typ != "" {
			return Estimate{Seconds: round(median(s)), Samples: len(s), Source: SourceHistory,
				Basis: fmt.Sprintf("median of %s of %s on %s servers in the journal", count(len(s), "restart"), app, typ)}
		}
		var all []float64
		for k, s := range h.restarts {
			if k.app == strings.ToLower(app) {
				all = append(all, s...)
			}
		}
		if len(all) > 0 {
			on := "servers of other types"
			if typ == "" {
				on = "any server (this one's type is unknown)"
			}
			return Estimate{Seconds: round(median(all)), Samples: len(all), Source: SourceHistoryAnyType,
				Basis: fmt.Sprintf("median of %s of %s on %s in the journal", count(len(all), "restart"), app, on)}
		}
	}
	on := ""
	if typ != "" {
		on = " on " + typ + " servers"
	}
	return Estimate{Seconds: DefaultRestart.Seconds(), Source: SourceDefault,
		Basis: fmt.Sprintf("no restart of %s%s in the journal: assumed %s", app, on, Duration(DefaultRestart.Seconds()))}
}

// Write estimates the time per write: the journal's total write time over
// its writes, else DefaultWrite.
func (h *History) Write() Estimate {
	if h != nil && h.writes > 0 {
		return Estimate{Seconds: round(h.writeSeconds / float64(h.writes)), Samples: h.writes, Source: SourceHistory,
			Basis: fmt.Sprintf("average of %s on %s in the journal (from a host's first record to its read-back)",
				count(h.writes, "write"), count(h.writeHosts, "host"))}
	}
	return Estimate{Seconds: DefaultWrite.Seconds(), Source: SourceDefault,
		Basis: fmt.Sprintf("no write in the journal: assumed %s per write", Duration(DefaultWrite.Seconds()))}
}

// Overhead is the per-host time the journal cannot measure.
func (h *History) Overhead() Estimate {
	return Estimate{Seconds: HostOverhead.Seconds(), Source: SourceDefault,
		Basis: fmt.Sprintf("connecting, re-reading the planned values and evaluating checks are not journaled: assumed %s per host", Duration(HostOverhead.Seconds()))}
}

func median(s []float64) float64 {
	s = slices.Clone(s)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// round keeps tenths of a second: the precision restarts are journaled at.
func round(sec float64) float64 {
	return math.Round(sec*10) / 10
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Duration prints seconds for people: "0.2s", "41s", "1m05s", "1h02m".
func Duration(sec float64) string {
	switch {
	case sec < 10:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", round(sec)), ".0") + "s"
	case sec < 59.5:
		return fmt.Sprintf("%ds", int(math.Round(sec)))
	case sec < 3599.5:
		s := int(math.Round(sec))
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	m := int(math.Round(sec / 60))
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}
