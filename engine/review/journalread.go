package review

import (
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/views"
)

// This file is the only one of the package that knows the journal's record
// kinds and fields (docs/journal.md): it turns records into runLogs, and
// everything else works on those. A change of the record format is a
// change here.

// runLog is one run as the journal recorded it.
type runLog struct {
	id, operator, mode, policy, planHash, configHash string
	start, end                                       time.Time
	startText, endText                               string
	complete                                         bool
	exitCode                                         *int
	// hosts by name, and their order: the run-start record's list, then
	// any other host in the order of its first record.
	hosts map[string]*hostLog
	order []string
	// pending are restarts recorded pending in this run and not cleared
	// by it, in the order recorded.
	pending []PendingRestart
}

// hostLog is one host's records in one run.
type hostLog struct {
	name        string
	first, last time.Time
	seen        bool
	// writes counts the writes sent (reply records, refused ones too).
	writes int
	// writeEnd is the time of the last read-back (or, without one, the
	// last write) before the first restart: the end of the write phase.
	writeEnd  time.Time
	restarted bool
	events    []logEvent
	restarts  []*restartLog
	checks    []HostCheck
	outcome   string
	reason    string
	ended     bool
	// add is the row add the last event shows, while its columns come in:
	// the journal records an added row one column per record, and the log
	// shows it as one line.
	add *addGroup
}

// addGroup is one added row being gathered from its change records.
type addGroup struct {
	where string          // path and key, as changeText writes them
	event int             // index in hostLog.events
	attrs map[string]bool // columns seen: a repeated one starts a new row
}

type logEvent struct {
	at   time.Time
	text string
	step string
	raw  string // the record's time as written
}

// restartLog is one restart: from its started record to the record that
// ended it.
type restartLog struct {
	app        string
	start, end time.Time
	// took is the duration the healthy record states ("after 1.2s"),
	// finer than the records' times; 0 when it states none.
	took    time.Duration
	outcome string
	detail  string
	ended   bool
}

// seconds is the restart's duration: the stated one, else the span
// between its records.
func (r *restartLog) seconds() float64 {
	if r.took > 0 {
		return r.took.Seconds()
	}
	if r.ended {
		return r.end.Sub(r.start).Seconds()
	}
	return 0
}

// parseTime reads a record's time; records carry RFC 3339 (fractions of
// a second are read when present).
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// readRuns groups records into runs, in the order the runs started.
// Records without a run (an operator clearing a pending restart) and of
// runs whose run-start record is missing are skipped, as `journal list`
// does.
func readRuns(recs []*journal.Record) []*runLog {
	var runs []*runLog
	byID := map[string]*runLog{}
	for _, r := range recs {
		if r.Run == "" {
			continue
		}
		rl := byID[r.Run]
		if rl == nil {
			if r.Kind != journal.KindRunStart {
				continue
			}
			rl = &runLog{id: r.Run, hosts: map[string]*hostLog{}}
			byID[r.Run] = rl
			runs = append(runs, rl)
		}
		rl.add(r)
	}
	return runs
}

func (rl *runLog) host(name string) *hostLog {
	h := rl.hosts[name]
	if h == nil {
		h = &hostLog{name: name}
		rl.hosts[name] = h
		rl.order = append(rl.order, name)
	}
	return h
}

func (rl *runLog) add(r *journal.Record) {
	at, ok := parseTime(r.Time)
	if !ok {
		at = rl.start // an unreadable time: place it at the start
	}
	switch r.Kind {
	case journal.KindRunStart:
		rl.operator, rl.mode, rl.policy = r.Operator, string(r.Mode), string(r.RestartPolicy)
		rl.planHash, rl.configHash = r.PlanHash, r.ConfigHash
		rl.start, rl.startText = at, r.Time
		for _, h := range r.Hosts {
			rl.host(h)
		}
		return
	case journal.KindRunEnd:
		rl.end, rl.endText, rl.complete = at, r.Time, true
		if r.ExitCode != nil {
			code := *r.ExitCode
			rl.exitCode = &code
		}
		return
	}
	if r.Host == "" {
		return
	}
	h := rl.host(r.Host)
	if !h.seen {
		h.first, h.seen = at, true
	}
	h.last = at
	ev := func(step, text string) {
		h.events = append(h.events, logEvent{at: at, step: step, text: text, raw: r.Time})
	}
	outcome := string(r.Outcome)
	switch r.Kind {
	case journal.KindPending:
		app := r.App
		text := "restart of " + app + " recorded as pending"
		if app == "" {
			text = "restart of an unknown application recorded as pending"
		}
		if r.Reason != "" {
			text += ": " + r.Reason
		}
		ev("pending", text)
		rl.pending = append(rl.pending, PendingRestart{Host: r.Host, App: app, Reason: r.Reason})
	case journal.KindPendingCleared:
		ev("pending-cleared", "pending restart of "+orUnknownApp(r.App)+" cleared: "+r.Reason)
		for i, p := range rl.pending {
			if p.Host == r.Host && strings.EqualFold(p.App, r.App) {
				rl.pending = append(rl.pending[:i], rl.pending[i+1:]...)
				break
			}
		}
	case journal.KindChange:
		action, _ := engine.ParseAction(r.Action)
		if action != engine.Create || r.Attr == "" {
			h.add = nil
			ev("write", changeText(r))
			break
		}
		where := changeWhere(r)
		if g := h.add; g != nil && g.where == where && g.event == len(h.events)-1 && !g.attrs[r.Attr] {
			g.attrs[r.Attr] = true
			h.events[g.event].text += ", " + r.Attr + " = " + changeValue(r, r.After)
			break
		}
		ev("write", changeText(r))
		h.add = &addGroup{where: where, event: len(h.events) - 1, attrs: map[string]bool{r.Attr: true}}
	case journal.KindReply:
		h.writes++
		if !h.restarted {
			h.writeEnd = at
		}
		if r.Reply == "error" {
			ev("refused", r.Command+": "+r.Text)
		}
	case journal.KindVerify:
		if !h.restarted {
			h.writeEnd = at
		}
		text := "read back " + r.Path
		if r.Attr != "" {
			text += " " + r.Attr
		}
		switch outcome {
		case "ok":
			text += ": as planned"
		default:
			text += ": " + outcome
			if r.Detail != "" {
				text += ": " + r.Detail
			}
		}
		ev("read-back", text)
	case journal.KindRestart:
		switch outcome {
		case "started":
			h.restarted = true
			h.restarts = append(h.restarts, &restartLog{app: r.App, start: at, outcome: "started"})
			ev("restart", "restartbw "+r.App)
		default:
			rs := h.openRestart(r.App)
			if rs == nil {
				// An end without a start: keep it, as a zero-length window.
				rs = &restartLog{app: r.App, start: at}
				h.restarts = append(h.restarts, rs)
			}
			rs.end, rs.ended, rs.outcome, rs.detail = at, true, outcome, r.Detail
			if outcome == "healthy" {
				rs.took = statedDuration(r.Detail)
				ev("healthy", r.App+" healthy "+r.Detail)
			} else {
				text := r.App + " " + outcome
				if r.Detail != "" {
					text += ": " + r.Detail
				}
				ev("restart-failed", text)
			}
		}
	case journal.KindCheck:
		c := HostCheck{Host: r.Host, Check: r.Detail, Passed: outcome == "passed", Message: r.Message}
		h.checks = append(h.checks, c)
		text := r.Detail + " " + outcome
		if r.Message != "" {
			text += ": " + r.Message
		}
		ev("check", text)
	case journal.KindHostEnd:
		h.outcome, h.reason, h.ended = outcome, r.Reason, true
		text := outcome
		if r.Reason != "" {
			text += ": " + r.Reason
		}
		ev("end", text)
	}
}

// openRestart is the host's last restart of app still waiting for its end.
func (h *hostLog) openRestart(app string) *restartLog {
	for i := len(h.restarts) - 1; i >= 0; i-- {
		if rs := h.restarts[i]; !rs.ended && strings.EqualFold(rs.app, app) {
			return rs
		}
	}
	return nil
}

// statedDuration reads the "after 1.2s" of a healthy restart record.
func statedDuration(detail string) time.Duration {
	s, ok := strings.CutPrefix(detail, "after ")
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0
	}
	return d
}

// changeText says what one change record wrote, sensitive values masked
// whatever the record holds.
func changeText(r *journal.Record) string {
	where := changeWhere(r)
	val := func(p *string) string { return changeValue(r, p) }
	action, _ := engine.ParseAction(r.Action)
	switch action {
	case engine.Create:
		if r.Attr == "" {
			return "add " + where
		}
		return "add " + where + " " + r.Attr + " = " + val(r.After)
	case engine.Delete:
		return "delete " + where
	}
	return "set " + where + " " + r.Attr + ": " + val(r.Before) + " -> " + val(r.After)
}

// changeWhere is the path of a change record and the row key, if any.
func changeWhere(r *journal.Record) string {
	where := r.Path
	if len(r.Key) > 0 {
		where += " " + views.KeyText(r.Key)
	}
	return where
}

// changeValue shows one value of a change record.
func changeValue(r *journal.Record, p *string) string {
	if r.Sensitive {
		return views.SensitiveText
	}
	if p == nil {
		return `""`
	}
	return views.Value(*p)
}

func orUnknownApp(app string) string {
	if app == "" {
		return "an unknown application"
	}
	return app
}
