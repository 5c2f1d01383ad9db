package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

// hostRun is one host being applied. Only its own goroutine touches it.
type hostRun struct {
	r       *runner
	jb      *job
	hr      *HostResult
	sess    engine.Session
	started time.Time
	// observed holds what the stale check read, by lower-case path.
	observed map[string]*engine.Observed
	// secrets are the resolved sensitive after-values.
	secrets map[*engine.AttrChange]string
	// pending are this host's restarts pending in the journal, by
	// lower-case app ("" for unknown applications), in order.
	pending      map[string]*engine.Restart
	pendingOrder []string
	// applied maps a plan change to its copy in hr.Applied.
	applied    map[*engine.Change]*engine.Change
	unknownApp map[string]bool
	changed    bool
}

func (r *runner) runHost(ctx context.Context, jb *job) {
	h := &hostRun{
		r: r, jb: jb, hr: &HostResult{Name: jb.hp.Name}, started: time.Now(),
		observed: map[string]*engine.Observed{}, secrets: map[*engine.AttrChange]string{},
		pending: map[string]*engine.Restart{}, applied: map[*engine.Change]*engine.Change{},
		unknownApp: map[string]bool{},
	}
	for _, rs := range jb.hp.Restarts {
		if rs.Pending {
			h.addPending(rs)
		}
	}
	outcome, reason := h.run(ctx)
	if outcome == OutcomeChanged && !h.changed {
		outcome = OutcomeUnchanged
	}
	h.hr.Outcome, h.hr.Reason = outcome, reason
	for _, k := range h.pendingOrder {
		if p, ok := h.pending[k]; ok {
			h.hr.PendingLeft = append(h.hr.PendingLeft, p)
		}
	}
	r.finish(jb, h.hr, true, time.Since(h.started))
}

func (h *hostRun) name() string { return h.jb.hp.Name }

func (h *hostRun) emit(step Step, app, detail string, took time.Duration) {
	h.r.emit(Event{Host: h.name(), Step: step, App: app, Detail: detail, Took: took})
}

func (h *hostRun) journal(rec *journal.Record) error {
	rec.Run, rec.Host = h.r.runID, h.name()
	return h.r.j.Append(rec)
}

// fail turns a problem into failed, or interrupted when the run's context
// was cancelled (a second Ctrl-C) and caused it.
func (h *hostRun) fail(ctx context.Context, reason string) (string, string) {
	if ctx.Err() != nil {
		return OutcomeInterrupted, reason
	}
	return OutcomeFailed, reason
}

func (h *hostRun) schema(path string) *engine.Context {
	if h.r.opts.Catalogue == nil {
		return nil
	}
	t := h.jb.hp.Type
	if t == "" {
		t = h.jb.host.Type
	}
	c, ok := h.r.opts.Catalogue.Lookup(t, path)
	if !ok {
		return nil
	}
	return c
}

func (h *hostRun) addPending(rs *engine.Restart) {
	k := strings.ToLower(rs.App)
	if _, ok := h.pending[k]; !ok {
		h.pendingOrder = append(h.pendingOrder, k)
	}
	h.pending[k] = rs
}

func (h *hostRun) run(ctx context.Context) (string, string) {
	sess, err := h.r.opts.Provider.Open(ctx, h.jb.host)
	if err != nil {
		return h.fail(ctx, fmt.Sprintf("connect: %v", err))
	}
	h.sess = sess
	defer sess.Close()
	h.emit(StepConnected, "", "", 0)

	if len(h.jb.changes) > 0 {
		outcome, reason := h.checkStale(ctx)
		if outcome != "" {
			return outcome, reason
		}
	}
	if h.r.stopped(ctx) {
		return OutcomeInterrupted, "stopped before any change"
	}
	if err := h.recordPending(); err != nil {
		return OutcomeFailed, err.Error()
	}
	for _, c := range h.jb.changes {
		if outcome, reason := h.applyChange(ctx, c); outcome != "" {
			return outcome, reason
		}
	}
	if len(h.jb.changes) > 0 {
		if outcome, reason := h.verify(ctx); outcome != "" {
			return outcome, reason
		}
	}
	if outcome, reason := h.restarts(ctx); outcome != OutcomeChanged {
		return outcome, reason
	}
	return h.checks(ctx)
}

// recordPending journals the restarts this host will need before anything
// changes, so a run killed after the first set still leaves them pending.
// Under restart = never nothing is recorded: the operator said no restarts.
func (h *hostRun) recordPending() error {
	if h.r.policy == engine.RestartNever {
		return nil
	}
	for _, rs := range h.jb.apps {
		if rs.Pending {
			continue
		}
		if err := h.journal(&journal.Record{Kind: journal.KindPending, App: rs.App, Reason: strings.Join(rs.Reasons, "; ")}); err != nil {
			return fmt.Errorf("journal the pending restart of %s: %w", rs.App, err)
		}
		h.addPending(&engine.Restart{App: rs.App, Reasons: rs.Reasons, Pending: true, PendingSince: h.r.runID})
	}
	return nil
}

// read reads a context once per host run; later reads of the same path
// for the stale check reuse it.
func (h *hostRun) read(ctx context.Context, path string) (*engine.Observed, error) {
	k := strings.ToLower(path)
	if o, ok := h.observed[k]; ok {
		return o, nil
	}
	o, err := h.sess.Read(ctx, path, h.schema(path))
	if err != nil {
		return nil, err
	}
	h.observed[k] = o
	return o, nil
}

// after returns the value to write for an attribute.
func (h *hostRun) after(ac *engine.AttrChange) string {
	if v, ok := h.secrets[ac]; ok {
		return v
	}
	return ac.After
}

// resolveSecrets finds every sensitive after-value before anything is
// read or written. For a saved plan the value comes from a fresh evaluation
// of the configuration and must hash to what the plan recorded.
func (h *hostRun) resolveSecrets() (string, string) {
	o := h.r.opts
	for _, c := range h.jb.changes {
		if c.Action == engine.Delete {
			continue
		}
		for _, ac := range c.Attrs {
			if !ac.Sensitive || o.SensitiveAfter == nil {
				continue
			}
			v, ok := o.SensitiveAfter(h.name(), c.Path, ac.Name, c.Key)
			if !ok {
				return OutcomeFailed, fmt.Sprintf("%s %s %s is sensitive and the configuration gives no value for it", h.name(), c.Path, ac.Name)
			}
			if o.AfterHash != nil {
				if want, ok := o.AfterHash(h.name(), c.Path, ac.Name, c.Key); ok && journal.HashSalted(o.Plan.Salt, v) != want {
					return OutcomeStale, fmt.Sprintf("stale plan: %s %s %s: the configuration's sensitive value differs from the one planned", h.name(), c.Path, ac.Name)
				}
			}
			h.secrets[ac] = v
		}
	}
	return "", ""
}

// checkStale re-reads every context the host's changes touch and refuses
// the host when a live value is not what the plan saw.
func (h *hostRun) checkStale(ctx context.Context) (string, string) {
	if outcome, reason := h.resolveSecrets(); outcome != "" {
		return outcome, reason
	}
	for _, c := range h.jb.changes {
		if h.r.stopped(ctx) {
			return OutcomeInterrupted, "stopped before any change"
		}
		obs, err := h.read(ctx, c.Path)
		if err != nil {
			return h.fail(ctx, fmt.Sprintf("read %s: %v", c.Path, err))
		}
		if why := h.staleReason(c, obs); why != "" {
			return OutcomeStale, "stale plan: " + h.name() + " " + why
		}
	}
	return "", ""
}

func (h *hostRun) staleReason(c *engine.Change, obs *engine.Observed) string {
	schema := h.schema(c.Path)
	if !isRow(c, schema) {
		for _, ac := range c.Attrs {
			if ac.BeforeUnknown || isPrompted(schema, ac) {
				continue
			}
			live, ok := lookup(obs.Attrs, ac.Name)
			if !ok {
				return fmt.Sprintf("%s %s is no longer present, was %s when planned", c.Path, ac.Name, show(ac, ac.Before))
			}
			if !h.sameBefore(schema, ac, live) {
				if ac.Sensitive {
					return fmt.Sprintf("%s %s changed since planned", c.Path, ac.Name)
				}
				return fmt.Sprintf("%s %s is now %s, was %s when planned", c.Path, ac.Name, quote(live), quote(ac.Before))
			}
		}
		return ""
	}
	row, found := findRow(obs, schema, c.Key)
	rowName := fmt.Sprintf("%s row %s", c.Path, keyString(c.Key))
	if c.Action == engine.Create {
		if len(c.Key) == 0 {
			// Rows numbered by the server (Maintenance/Scheduler) have
			// no key: a row "exists" when one holds every planned value.
			found = hasRowWith(obs, schema, c.Attrs)
			rowName = fmt.Sprintf("%s row %s", c.Path, rowValues(c.Attrs))
		}
		if found {
			return rowName + " now exists, was absent when planned"
		}
		return ""
	}
	if !found {
		return rowName + " is now absent, was present when planned"
	}
	for _, ac := range c.Attrs {
		if ac.BeforeUnknown || isPrompted(schema, ac) || isKey(c.Key, ac.Name) {
			continue
		}
		live, _ := lookup(row, ac.Name)
		if !h.sameBefore(schema, ac, live) {
			if ac.Sensitive {
				return fmt.Sprintf("%s %s changed since planned", rowName, ac.Name)
			}
			return fmt.Sprintf("%s %s is now %s, was %s when planned", rowName, ac.Name, quote(live), quote(ac.Before))
		}
	}
	return ""
}

// sameBefore compares a live value with the plan's before value; for a
// sensitive attribute of a saved plan only the salted hash is known.
func (h *hostRun) sameBefore(schema *engine.Context, ac *engine.AttrChange, live string) bool {
	if ac.Sensitive && ac.BeforeHash != "" && h.r.opts.Plan.Salt != "" {
		return journal.HashSalted(h.r.opts.Plan.Salt, live) == ac.BeforeHash
	}
	return equal(schema, ac.Name, ac.Before, live)
}

// applyChange performs one change's operations in order; a refusal stops
// the host.
func (h *hostRun) applyChange(ctx context.Context, c *engine.Change) (string, string) {
	schema := h.schema(c.Path)
	for _, po := range h.opsFor(c, schema) {
		if h.r.stopped(ctx) {
			return OutcomeInterrupted, fmt.Sprintf("stopped after %d change(s); the rest were not made", h.appliedCount())
		}
		reply, err := h.sess.Exec(ctx, po.op)
		if err != nil {
			var ce *engine.CLIError
			if errors.As(err, &ce) {
				jerr := h.journal(&journal.Record{Kind: journal.KindReply, Command: ce.Command, Reply: "error", Text: ce.Text})
				if jerr == nil && !h.changed {
					jerr = h.withdrawPending()
				}
				return OutcomeFailed, withJournalErr(fmt.Sprintf("%s failed: %s", ce.Command, ce.Text), jerr)
			}
			jerr := h.journal(&journal.Record{Kind: journal.KindReply, Command: po.command, Reply: "error", Text: err.Error()})
			// The driver's errors usually start with the command already.
			msg := err.Error()
			if !strings.HasPrefix(msg, po.command+": ") {
				msg = po.command + ": " + msg
			}
			outcome, reason := h.fail(ctx, msg+"; whether the server applied it is unknown")
			return outcome, withJournalErr(reason, jerr)
		}
		h.changed = true
		h.markApplied(c, po.attrs)
		if err := h.journalChange(c, po, reply); err != nil {
			return OutcomeFailed, fmt.Sprintf("journal %s: %v", po.command, err)
		}
		detail := po.detail
		if reply.Kind == engine.ReplyRestart || po.restartApp != "" {
			detail += " (restart required)"
		}
		h.emit(StepSet, "", detail, 0)
		if reply.Kind == engine.ReplyRestart && po.restartApp == "" {
			if err := h.unknownRestart(c, po, reply.Text); err != nil {
				return OutcomeFailed, err.Error()
			}
		}
	}
	return "", ""
}

// withdrawPending clears the restarts this run recorded pending on the
// host when the server refused its first change: nothing changed, so
// nothing needs a restart, and later plans must not show one. Restarts
// pending from earlier runs stay. (A connection lost mid-command keeps
// them: whether the server applied the command is unknown.)
func (h *hostRun) withdrawPending() error {
	for _, k := range h.pendingOrder {
		p, ok := h.pending[k]
		if !ok || p.App == "" || p.PendingSince != h.r.runID {
			continue
		}
		if err := h.journal(&journal.Record{Kind: journal.KindPendingCleared, App: p.App, Since: h.r.runID,
			Reason: "not needed: the server refused the first change, nothing was changed"}); err != nil {
			return fmt.Errorf("withdraw the pending restart of %s: %w", p.App, err)
		}
		delete(h.pending, k)
	}
	return nil
}

func withJournalErr(reason string, err error) string {
	if err != nil {
		return reason + fmt.Sprintf(" (and the journal could not record it: %v)", err)
	}
	return reason
}

func (h *hostRun) appliedCount() int {
	n := 0
	for _, c := range h.hr.Applied {
		n += max(len(c.Attrs), 1)
	}
	return n
}

func (h *hostRun) markApplied(c *engine.Change, attrs []*engine.AttrChange) {
	cp, ok := h.applied[c]
	if !ok {
		cp = &engine.Change{Resource: c.Resource, Path: c.Path, Action: c.Action, Key: c.Key}
		h.applied[c] = cp
		h.hr.Applied = append(h.hr.Applied, cp)
	}
	cp.Attrs = append(cp.Attrs, attrs...)
}

func (h *hostRun) journalChange(c *engine.Change, po plannedOp, reply engine.Reply) error {
	attrs := po.attrs
	if len(attrs) == 0 {
		// A row delete without listed columns is still one change.
		attrs = []*engine.AttrChange{{}}
	}
	for _, ac := range attrs {
		rec := &journal.Record{Kind: journal.KindChange, Path: c.Path, Key: c.Key, Action: c.Action.String(), Attr: ac.Name}
		before, after := ac.Before, h.after(ac)
		if c.Action == engine.Delete {
			after = ""
		}
		if ac.Sensitive {
			rec.Sensitive = true
			rec.Before, rec.After = journal.Str(journal.Redacted), journal.Str(journal.Redacted)
			if c.Action != engine.Delete {
				rec.ValueHash = h.r.j.HashSecret(after)
			}
		} else if ac.Name != "" {
			rec.Before, rec.After = journal.Str(before), journal.Str(after)
		}
		if err := h.journal(rec); err != nil {
			return err
		}
	}
	kind := "done"
	if reply.Kind == engine.ReplyRestart {
		kind = "restart"
	}
	return h.journal(&journal.Record{Kind: journal.KindReply, Command: po.command, Reply: kind, Text: reply.Text})
}

// unknownRestart handles a restart warning for a change whose application
// nobody knows: recorded pending with the server's words, never restarted.
func (h *hostRun) unknownRestart(c *engine.Change, po plannedOp, text string) error {
	if h.unknownApp[strings.ToLower(c.Path)] {
		return nil
	}
	h.unknownApp[strings.ToLower(c.Path)] = true
	what := c.Path
	if po.op.Attr != "" {
		what += " " + po.op.Attr
	}
	reason := what + " changed"
	warn := fmt.Sprintf("the server asked for a restart after %s changed, but which application needs it is unknown; not restarted", what)
	if h.r.policy != engine.RestartNever {
		if err := h.journal(&journal.Record{Kind: journal.KindPending, App: "", Reason: reason, Text: text, Message: journal.UnknownAppMessage}); err != nil {
			return fmt.Errorf("journal the pending restart after %s: %w", what, err)
		}
		reasons := []string{reason}
		if prev, ok := h.pending[""]; ok {
			reasons = append(append([]string{}, prev.Reasons...), reason)
		}
		h.addPending(&engine.Restart{App: "", Reasons: reasons, Pending: true, PendingSince: h.r.runID})
		warn += ", recorded as pending"
	}
	h.hr.Warnings = append(h.hr.Warnings, warn)
	h.emit(StepDeferred, "", warn, 0)
	return nil
}

// verify reads back every changed context and compares it with the plan's
// after values.
func (h *hostRun) verify(ctx context.Context) (string, string) {
	byPath := map[string][]*engine.Change{}
	var paths []string
	for _, c := range h.hr.Applied {
		k := strings.ToLower(c.Path)
		if _, ok := byPath[k]; !ok {
			paths = append(paths, c.Path)
		}
		byPath[k] = append(byPath[k], c)
	}
	checked := 0
	for _, path := range paths {
		if h.r.stopped(ctx) {
			return OutcomeInterrupted, "stopped before the changes were read back"
		}
		schema := h.schema(path)
		obs, err := h.sess.Read(ctx, path, schema)
		if err != nil {
			return h.fail(ctx, fmt.Sprintf("read back %s: %v", path, err))
		}
		for _, c := range byPath[strings.ToLower(path)] {
			for _, ac := range c.Attrs {
				if isPrompted(schema, ac) || ac.BeforeUnknown {
					if err := h.journal(&journal.Record{Kind: journal.KindVerify, Path: path, Key: c.Key, Attr: ac.Name, Outcome: "skipped",
						Detail: "prompted attribute: the server masks it, so it cannot be read back"}); err != nil {
						return OutcomeFailed, fmt.Sprintf("journal verify: %v", err)
					}
				}
			}
		}
		var why string
		if schema != nil && schema.IDKeyed {
			why = h.mismatchIDKeyed(path, schema, byPath[strings.ToLower(path)], obs)
		} else {
			for _, c := range byPath[strings.ToLower(path)] {
				if why = h.mismatch(c, schema, obs); why != "" {
					break
				}
			}
		}
		if why != "" {
			jerr := h.journal(&journal.Record{Kind: journal.KindVerify, Path: path, Outcome: "mismatch", Detail: why})
			return OutcomeFailed, withJournalErr("verify: "+h.name()+" "+why, jerr)
		}
		if err := h.journal(&journal.Record{Kind: journal.KindVerify, Path: path, Outcome: "ok"}); err != nil {
			return OutcomeFailed, fmt.Sprintf("journal verify: %v", err)
		}
		checked++
	}
	h.emit(StepVerify, "", fmt.Sprintf("read back %d context(s): as planned", checked), 0)
	return "", ""
}

func (h *hostRun) mismatch(c *engine.Change, schema *engine.Context, obs *engine.Observed) string {
	if !isRow(c, schema) {
		for _, ac := range c.Attrs {
			if isPrompted(schema, ac) || ac.BeforeUnknown {
				continue
			}
			live, ok := lookup(obs.Attrs, ac.Name)
			want := h.after(ac)
			// A cleared attribute may be printed as `name = ` or not at all.
			if (!ok && want != "") || !equal(schema, ac.Name, want, live) {
				if ac.Sensitive {
					return fmt.Sprintf("%s %s differs from the value set (sensitive)", c.Path, ac.Name)
				}
				return fmt.Sprintf("%s %s is %s after the change, want %s", c.Path, ac.Name, quote(live), quote(want))
			}
		}
		return ""
	}
	row, found := findRow(obs, schema, c.Key)
	rowName := fmt.Sprintf("%s row %s", c.Path, keyString(c.Key))
	if c.Action == engine.Delete {
		if found {
			return rowName + " is still present after the delete"
		}
		return ""
	}
	if !found {
		return rowName + " is absent after the change"
	}
	for _, ac := range c.Attrs {
		if isPrompted(schema, ac) || ac.BeforeUnknown || isKey(c.Key, ac.Name) {
			continue
		}
		live, _ := lookup(row, ac.Name)
		want := h.after(ac)
		if !equal(schema, ac.Name, want, live) {
			if ac.Sensitive {
				return fmt.Sprintf("%s %s differs from the value set (sensitive)", rowName, ac.Name)
			}
			return fmt.Sprintf("%s %s is %s after the change, want %s", rowName, ac.Name, quote(live), quote(want))
		}
	}
	return ""
}

// mismatchIDKeyed verifies a table whose row ids the server renumbers
// after a delete: ids cannot identify rows afterwards, so it checks the row
// count and that every added or updated row's values are present.
func (h *hostRun) mismatchIDKeyed(path string, schema *engine.Context, changes []*engine.Change, obs *engine.Observed) string {
	before := h.observed[strings.ToLower(path)]
	want := 0
	if before != nil {
		want = len(before.Rows)
	}
	for _, c := range changes {
		switch c.Action {
		case engine.Create:
			want++
		case engine.Delete:
			want--
		}
	}
	if before != nil && len(obs.Rows) != want {
		return fmt.Sprintf("%s has %d rows after the change, want %d", path, len(obs.Rows), want)
	}
	for _, c := range changes {
		if c.Action == engine.Delete {
			continue
		}
		found := false
		for _, row := range obs.Rows {
			match := true
			for _, ac := range c.Attrs {
				if isKey(c.Key, ac.Name) || isPrompted(schema, ac) || ac.BeforeUnknown {
					continue
				}
				if live, _ := lookup(row, ac.Name); !equal(schema, ac.Name, h.after(ac), live) {
					match = false
					break
				}
			}
			if match {
				found = true
				break
			}
		}
		if !found {
			return fmt.Sprintf("%s row %s: no row has the values set", path, keyString(c.Key))
		}
	}
	return ""
}

// restarts performs, defers or skips this host's restarts per the policy.
func (h *hostRun) restarts(ctx context.Context) (string, string) {
	switch h.r.policy {
	case engine.RestartNever:
		for _, rs := range h.jb.apps {
			h.emit(StepDeferred, rs.App, fmt.Sprintf("not restarting %s (restart = never)", rs.App), 0)
		}
		return OutcomeChanged, ""
	case engine.RestartDefer:
		for _, rs := range h.jb.apps {
			h.emit(StepDeferred, rs.App, fmt.Sprintf("restart of %s deferred: pending in the journal", rs.App), 0)
		}
		return OutcomeChanged, ""
	}
	timeout := h.r.opts.Rollout.HealthTimeout
	for _, rs := range h.jb.apps {
		app := rs.App
		if h.r.stopped(ctx) {
			return OutcomeInterrupted, fmt.Sprintf("stopped before restarting %s; the restart stays pending", app)
		}
		h.emit(StepRestarting, app, "", 0)
		if err := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: "started"}); err != nil {
			return OutcomeFailed, fmt.Sprintf("journal restart of %s: %v", app, err)
		}
		t := time.Now()
		if err := h.sess.Restart(ctx, app); err != nil {
			jerr := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: "failed", Detail: err.Error()})
			outcome, reason := h.fail(ctx, fmt.Sprintf("restart %s: %v; the restart stays pending", app, err))
			return outcome, withJournalErr(reason, jerr)
		}
		h.changed = true
		err := h.waitHealthy(ctx, app, timeout)
		took := time.Since(t)
		if err != nil {
			switch {
			case errors.Is(err, engine.ErrHealthTimeout):
				jerr := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: "timeout", Detail: err.Error()})
				return OutcomeFailed, withJournalErr(fmt.Sprintf("%s not healthy within %s after the restart: %v", app, timeout, err), jerr)
			case h.r.stopped(ctx):
				jerr := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: "failed", Detail: "interrupted while waiting for health"})
				return OutcomeInterrupted, withJournalErr(fmt.Sprintf("stopped while waiting for %s to become healthy; the restart stays pending", app), jerr)
			}
			jerr := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: "failed", Detail: err.Error()})
			return OutcomeFailed, withJournalErr(fmt.Sprintf("wait for %s to become healthy: %v", app, err), jerr)
		}
		if err := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: "healthy", Detail: "after " + roundDur(took)}); err != nil {
			return OutcomeFailed, fmt.Sprintf("journal restart of %s: %v", app, err)
		}
		since := h.r.runID
		if p, ok := h.pending[strings.ToLower(app)]; ok && p.PendingSince != "" {
			since = p.PendingSince
		}
		if err := h.journal(&journal.Record{Kind: journal.KindPendingCleared, App: app, Since: since, Reason: "restarted and healthy"}); err != nil {
			return OutcomeFailed, fmt.Sprintf("journal restart of %s: %v", app, err)
		}
		delete(h.pending, strings.ToLower(app))
		h.hr.Restarted = append(h.hr.Restarted, app)
		h.emit(StepHealthy, app, "", took)
	}
	return OutcomeChanged, ""
}

// waitHealthy waits for health, giving up early when the run is stopped:
// waiting changes nothing, so it is not a command that must finish.
func (h *hostRun) waitHealthy(ctx context.Context, app string, timeout time.Duration) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if h.r.opts.Stop != nil {
		go func() {
			select {
			case <-h.r.opts.Stop:
				cancel()
			case <-wctx.Done():
			}
		}()
	}
	return h.sess.WaitHealthy(wctx, app, timeout)
}

func roundDur(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}
