package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

// A host goes through phases, in order. Each phase returns nil to let the
// next one run, or a *HostError that ends the host with its outcome; a
// phase that does not apply to the host is skipped. This is the whole
// per-host pipeline: reading the list below tells what apply does to a
// host and in which order (docs/architecture.md).
type phase struct {
	name string
	// skip reports that the phase has nothing to do for this host (nil:
	// never skipped).
	skip func() bool
	run  func(ctx context.Context) error
}

func (h *hostRun) phases() []phase {
	noChanges := func() bool { return len(h.jb.changes) == 0 }
	return []phase{
		{name: "connect", run: h.connect},
		{name: "release check", skip: func() bool { return !h.needsReleaseCheck() }, run: h.checkRelease},
		{name: "stale check", skip: noChanges, run: h.checkStale},
		{name: "record pending restarts", run: h.recordPending},
		{name: "changes", skip: noChanges, run: h.applyChanges},
		{name: "read back", skip: noChanges, run: h.verify},
		{name: "restarts", run: h.restarts},
		{name: "checks", run: h.checks},
	}
}

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
	// changed is set once the server accepted a write or an application
	// was restarted.
	changed bool
	// facts are the plan's facts of the host, or those the release check
	// read (nil when neither did).
	facts *engine.Facts
}

func (r *runner) runHost(ctx context.Context, jb *job) {
	h := &hostRun{
		r: r, jb: jb, hr: &HostResult{Name: jb.hp.Name}, started: time.Now(),
		observed: map[string]*engine.Observed{}, secrets: map[*engine.AttrChange]string{},
		pending: map[string]*engine.Restart{}, applied: map[*engine.Change]*engine.Change{},
		unknownApp: map[string]bool{}, facts: jb.hp.Facts,
	}
	for _, rs := range jb.hp.Restarts {
		if rs.Pending {
			h.addPending(rs)
		}
	}
	if r.progress != nil {
		r.progress.HostStarted(HostStart{Host: jb.hp.Name, Elapsed: time.Since(r.start)})
	}
	h.hr.Outcome = OutcomeChanged
	if err := h.run(ctx); err != nil {
		var he *HostError
		if !errors.As(err, &he) {
			he = &HostError{Outcome: OutcomeFailed, Reason: err.Error(), Err: err}
		}
		h.hr.Outcome, h.hr.Reason, h.hr.Err = he.Outcome, he.Reason, he.Err
	}
	h.hr.Changed = h.changed
	if h.hr.Outcome == OutcomeChanged && !h.changed {
		h.hr.Outcome = OutcomeUnchanged
	}
	for _, k := range h.pendingOrder {
		if p, ok := h.pending[k]; ok {
			h.hr.PendingLeft = append(h.hr.PendingLeft, p)
		}
	}
	r.finish(jb, h.hr, true, time.Since(h.started))
}

// run goes through the phases; the session opened by connect is closed at
// the end whatever happened.
func (h *hostRun) run(ctx context.Context) error {
	defer func() {
		if h.sess != nil {
			h.sess.Close()
		}
	}()
	for _, p := range h.phases() {
		if p.skip != nil && p.skip() {
			continue
		}
		if err := p.run(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (h *hostRun) name() string { return h.jb.hp.Name }

func (h *hostRun) emit(step Step, app, detail string, took time.Duration) {
	h.r.emit(Event{Host: h.name(), Step: step, App: app, Detail: detail, Took: took})
}

func (h *hostRun) journal(rec *journal.Record) error {
	rec.Host = h.name()
	return h.r.run.Append(rec)
}

// failed ends the host as failed, or as interrupted when the run's context
// was cancelled (a second Ctrl-C) and caused it. err is kept as the cause.
func (h *hostRun) failed(ctx context.Context, err error, format string, args ...any) *HostError {
	outcome := OutcomeFailed
	if ctx.Err() != nil {
		outcome = OutcomeInterrupted
	}
	return &HostError{Outcome: outcome, Reason: fmt.Sprintf(format, args...), Err: err}
}

// failedJournal ends the host as failed because the journal could not
// record a step: going on without a record would break its promise.
func failedJournal(err error, format string, args ...any) *HostError {
	return &HostError{Outcome: OutcomeFailed, Reason: fmt.Sprintf(format, args...) + ": " + err.Error(), Err: err}
}

func interrupted(reason string) *HostError {
	return &HostError{Outcome: OutcomeInterrupted, Reason: reason}
}

func stale(reason string) *HostError {
	return &HostError{Outcome: OutcomeStale, Reason: reason}
}

// withJournalErr adds to a host's failure that the journal could not
// record it either.
func withJournalErr(he *HostError, jerr error) *HostError {
	if jerr != nil {
		he.Reason += fmt.Sprintf(" (and the journal could not record it: %v)", jerr)
		he.Err = errors.Join(he.Err, jerr)
	}
	return he
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

// connect opens the host's session.
func (h *hostRun) connect(ctx context.Context) error {
	sess, err := h.r.opts.Provider.Open(ctx, h.jb.host)
	if err != nil {
		return h.failed(ctx, err, "connect: %v", err)
	}
	h.sess = sess
	h.emit(StepConnected, "", "", 0)
	return nil
}

// needsReleaseCheck reports whether the host's restarts come without the
// facts a plan read (apply -restarts-only reads no plan) while one of them
// was recorded on a known release.
func (h *hostRun) needsReleaseCheck() bool {
	if h.jb.hp.Release != "" || h.r.policy != engine.RestartNow {
		return false
	}
	for _, rs := range h.jb.apps {
		if rs.Pending && rs.Release != "" {
			return true
		}
	}
	return false
}

// checkRelease does for apply -restarts-only what plan does for a normal
// apply: a pending restart recorded on another release than the host runs
// now was done by an upgrade (it restarts every application), so it is
// cleared, saying why, and not performed.
func (h *hostRun) checkRelease(ctx context.Context) error {
	facts, err := engine.ReadFacts(ctx, h.sess, engine.FactsRequest{Release: true})
	if err != nil {
		return h.failed(ctx, err, "read facts: %v", err)
	}
	h.facts = facts
	var owed []*engine.Restart
	for _, rs := range h.jb.apps {
		if !rs.Pending || rs.Release == "" || facts.ReleaseString == "" || strings.EqualFold(rs.Release, facts.ReleaseString) {
			owed = append(owed, rs)
			continue
		}
		why := fmt.Sprintf("the release changed from %s to %s since it was recorded (an upgrade restarts every application)", rs.Release, facts.ReleaseString)
		if err := h.journal(&journal.Record{Kind: journal.KindPendingCleared, App: rs.App, Since: rs.PendingSince, Reason: "satisfied: " + why}); err != nil {
			return failedJournal(err, "journal the satisfied restart of %s", rs.App)
		}
		delete(h.pending, strings.ToLower(rs.App))
		h.emit(StepCleared, rs.App, fmt.Sprintf("restart of %s pending since run %s cleared: %s; not restarted", rs.App, rs.PendingSince, why), 0)
	}
	h.jb.apps = owed
	return nil
}

// recordPending journals the restarts this host will need before anything
// changes, so a run killed after the first set still leaves them pending.
// Under restart = never nothing is recorded: the operator said no restarts.
func (h *hostRun) recordPending(ctx context.Context) error {
	if h.r.stopped(ctx) {
		return interrupted("stopped before any change")
	}
	if h.r.policy == engine.RestartNever {
		return nil
	}
	for _, rs := range h.jb.apps {
		if rs.Pending {
			continue
		}
		if err := h.journal(&journal.Record{Kind: journal.KindPending, App: rs.App, Reason: strings.Join(rs.Reasons, "; "), Release: h.jb.hp.Release}); err != nil {
			return failedJournal(err, "journal the pending restart of %s", rs.App)
		}
		h.addPending(&engine.Restart{App: rs.App, Reasons: rs.Reasons, Pending: true, PendingSince: h.r.runID, Release: h.jb.hp.Release})
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
func (h *hostRun) resolveSecrets() error {
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
				return &HostError{Outcome: OutcomeFailed, Reason: fmt.Sprintf("%s %s %s is sensitive and the configuration gives no value for it", h.name(), c.Path, ac.Name)}
			}
			if o.AfterHash != nil {
				if want, ok := o.AfterHash(h.name(), c.Path, ac.Name, c.Key); ok {
					if match, _ := h.r.key.Match(want, o.Plan.Salt, v); !match {
						return stale(fmt.Sprintf("stale plan: %s %s %s: the configuration's sensitive value differs from the one planned", h.name(), c.Path, ac.Name))
					}
				}
			}
			h.secrets[ac] = v
		}
	}
	return nil
}

// checkStale re-reads every context the host's changes touch and refuses
// the host when a live value is not what the plan saw (the first such
// value in plan order). The contexts are read last first: a CLI session
// stays in the context it read last, so the stale check ends where the
// first change is made and that write needs no navigation.
func (h *hostRun) checkStale(ctx context.Context) error {
	if err := h.resolveSecrets(); err != nil {
		return err
	}
	// The session masks what the changes hold as sensitive in what it
	// records, from these reads on: the values written, and whatever the
	// attributes hold before (a read-back shows ********).
	engine.RedactChanges(h.sess, h.jb.changes, h.after)
	paths, _ := changesByPath(h.jb.changes)
	for _, path := range slices.Backward(paths) {
		if h.r.stopped(ctx) {
			return interrupted("stopped before any change")
		}
		if _, err := h.read(ctx, path); err != nil {
			return h.failed(ctx, err, "read %s: %v", path, err)
		}
	}
	for _, c := range h.jb.changes {
		if why := h.staleReason(c, h.observed[strings.ToLower(c.Path)]); why != "" {
			return stale("stale plan: " + h.name() + " " + why)
		}
	}
	return nil
}

// changesByPath groups changes by context: the paths in the order of their
// first change, and the changes of each (by lower-case path) in order.
func changesByPath(changes []*engine.Change) ([]string, map[string][]*engine.Change) {
	byPath := map[string][]*engine.Change{}
	var paths []string
	for _, c := range changes {
		k := strings.ToLower(c.Path)
		if _, ok := byPath[k]; !ok {
			paths = append(paths, c.Path)
		}
		byPath[k] = append(byPath[k], c)
	}
	return paths, byPath
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
// sensitive attribute of a saved plan only its keyed hash is known.
func (h *hostRun) sameBefore(schema *engine.Context, ac *engine.AttrChange, live string) bool {
	if ac.Sensitive && ac.BeforeHash != "" {
		match, _ := h.r.key.Match(ac.BeforeHash, h.r.opts.Plan.Salt, live)
		return match
	}
	return equal(schema, ac.Name, ac.Before, live)
}

// applyChanges makes the host's changes in plan order.
func (h *hostRun) applyChanges(ctx context.Context) error {
	for _, c := range h.jb.changes {
		if err := h.applyChange(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// applyChange performs one change's operations in order; a refusal stops
// the host.
func (h *hostRun) applyChange(ctx context.Context, c *engine.Change) error {
	schema := h.schema(c.Path)
	for _, po := range h.opsFor(c, schema) {
		if h.r.stopped(ctx) {
			return interrupted(fmt.Sprintf("stopped after %d change(s); the rest were not made", h.appliedCount()))
		}
		reply, err := h.sess.Exec(ctx, po.op)
		if err != nil {
			return h.execFailed(ctx, po, err)
		}
		h.changed = true
		h.markApplied(c, po.attrs)
		if err := h.journalChange(c, po, reply); err != nil {
			return failedJournal(err, "journal %s", po.command)
		}
		detail := po.detail
		if reply.Kind == engine.ReplyRestart || po.restartApp != "" {
			detail += " (restart required)"
		}
		h.emit(StepSet, "", detail, 0)
		if reply.Kind == engine.ReplyRestart && po.restartApp == "" {
			if err := h.unknownRestart(c, po, reply.Text); err != nil {
				return failedJournal(err, "journal the pending restart after %s", c.Path)
			}
		}
	}
	return nil
}

// execFailed journals a write that did not succeed and ends the host. A
// refusal by the server (*engine.CLIError) changed nothing; any other error
// may have lost the reply of a write the server made.
func (h *hostRun) execFailed(ctx context.Context, po plannedOp, err error) error {
	var ce *engine.CLIError
	if errors.As(err, &ce) {
		jerr := h.journal(&journal.Record{Kind: journal.KindReply, Command: ce.Command, Reply: journal.ReplyError, Text: ce.Text})
		if jerr == nil && !h.changed {
			jerr = h.withdrawPending()
		}
		return withJournalErr(&HostError{Outcome: OutcomeFailed, Reason: fmt.Sprintf("%s failed: %s", ce.Command, ce.Text), Err: err}, jerr)
	}
	jerr := h.journal(&journal.Record{Kind: journal.KindReply, Command: po.command, Reply: journal.ReplyError, Text: err.Error()})
	// The driver's errors usually start with the command already.
	msg := err.Error()
	if !strings.HasPrefix(msg, po.command+": ") {
		msg = po.command + ": " + msg
	}
	return withJournalErr(h.failed(ctx, err, "%s; whether the server applied it is unknown", msg), jerr)
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
				rec.ValueHash = h.r.key.Sum("", after)
			}
		} else if ac.Name != "" {
			rec.Before, rec.After = journal.Str(before), journal.Str(after)
		}
		if err := h.journal(rec); err != nil {
			return err
		}
	}
	kind := journal.ReplyDone
	if reply.Kind == engine.ReplyRestart {
		kind = journal.ReplyRestart
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
		if err := h.journal(&journal.Record{Kind: journal.KindPending, App: "", Reason: reason, Text: text, Message: journal.UnknownAppMessage, Release: h.jb.hp.Release}); err != nil {
			return err
		}
		reasons := []string{reason}
		if prev, ok := h.pending[""]; ok {
			reasons = append(append([]string{}, prev.Reasons...), reason)
		}
		h.addPending(&engine.Restart{App: "", Reasons: reasons, Pending: true, PendingSince: h.r.runID, Release: h.jb.hp.Release})
		warn += ", recorded as pending"
	}
	h.hr.Warnings = append(h.hr.Warnings, warn)
	h.emit(StepDeferred, "", warn, 0)
	return nil
}

// verify reads back every changed context and compares it with the plan's
// after values, last written first: the session is still in that context.
func (h *hostRun) verify(ctx context.Context) error {
	paths, byPath := changesByPath(h.hr.Applied)
	checked := 0
	for _, path := range slices.Backward(paths) {
		if h.r.stopped(ctx) {
			return interrupted("stopped before the changes were read back")
		}
		schema := h.schema(path)
		obs, err := h.sess.Read(ctx, path, schema)
		if err != nil {
			return h.failed(ctx, err, "read back %s: %v", path, err)
		}
		for _, c := range byPath[strings.ToLower(path)] {
			for _, ac := range c.Attrs {
				if isPrompted(schema, ac) || ac.BeforeUnknown {
					if err := h.journal(&journal.Record{Kind: journal.KindVerify, Path: path, Key: c.Key, Attr: ac.Name, Outcome: journal.VerifySkipped,
						Detail: "prompted attribute: the server masks it, so it cannot be read back"}); err != nil {
						return failedJournal(err, "journal verify")
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
			jerr := h.journal(&journal.Record{Kind: journal.KindVerify, Path: path, Outcome: journal.VerifyMismatch, Detail: why})
			return withJournalErr(&HostError{Outcome: OutcomeFailed, Reason: "verify: " + h.name() + " " + why}, jerr)
		}
		if err := h.journal(&journal.Record{Kind: journal.KindVerify, Path: path, Outcome: journal.VerifyOK}); err != nil {
			return failedJournal(err, "journal verify")
		}
		checked++
	}
	h.emit(StepVerify, "", fmt.Sprintf("read back %d context(s): as planned", checked), 0)
	return nil
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
func (h *hostRun) restarts(ctx context.Context) error {
	switch h.r.policy {
	case engine.RestartNever:
		for _, rs := range h.jb.apps {
			h.emit(StepDeferred, rs.App, fmt.Sprintf("not restarting %s (restart = never)", rs.App), 0)
		}
		return nil
	case engine.RestartDefer:
		for _, rs := range h.jb.apps {
			h.emit(StepDeferred, rs.App, fmt.Sprintf("restart of %s deferred: pending in the journal", rs.App), 0)
		}
		return nil
	}
	for _, rs := range h.jb.apps {
		if rs.Unhealthy != "" {
			healthy, err := h.healthyAgain(ctx, rs)
			if err != nil {
				return err
			}
			if healthy {
				continue
			}
		}
		if err := h.restart(ctx, rs.App); err != nil {
			return err
		}
	}
	return nil
}

// healthyAgain handles a pending restart that an earlier run performed but
// whose application was not healthy in time. The restart command ran, so
// the new values are loaded: if the host is healthy now (the application
// was only slow, or an operator fixed it), the restart is done and another
// one would only interrupt its clients again, so it is cleared without
// restarting. If it is still not healthy, restarting it is what the pending
// restart asks for, and the caller does it.
func (h *hostRun) healthyAgain(ctx context.Context, rs *engine.Restart) (bool, error) {
	if h.r.stopped(ctx) {
		return false, interrupted(fmt.Sprintf("stopped before checking the health of %s; its restart stays pending", rs.App))
	}
	health, err := h.sess.Health(ctx, rs.App)
	if err != nil {
		return false, h.failed(ctx, err, "check the health of %s (not healthy after its restart in run %s): %v", rs.App, rs.RestartedIn, err)
	}
	if !health.Healthy {
		h.emit(StepDeferred, rs.App, fmt.Sprintf("%s still not healthy after its restart in run %s (%s): restarting it again", rs.App, rs.RestartedIn, health.Detail), 0)
		return false, nil
	}
	since := rs.PendingSince
	if since == "" {
		since = h.r.runID
	}
	if err := h.journal(&journal.Record{Kind: journal.KindPendingCleared, App: rs.App, Since: since,
		Reason: fmt.Sprintf("healthy after its restart in run %s: not restarted again", rs.RestartedIn)}); err != nil {
		return false, failedJournal(err, "journal the health of %s", rs.App)
	}
	delete(h.pending, strings.ToLower(rs.App))
	h.emit(StepCleared, rs.App, fmt.Sprintf("%s healthy since its restart in run %s: not restarted again", rs.App, rs.RestartedIn), 0)
	return true, nil
}

// restart restarts one application and waits for the host to be healthy.
func (h *hostRun) restart(ctx context.Context, app string) error {
	timeout := h.r.opts.Rollout.HealthTimeout
	if h.r.stopped(ctx) {
		return interrupted(fmt.Sprintf("stopped before restarting %s; the restart stays pending", app))
	}
	h.emit(StepRestarting, app, "", 0)
	if err := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: journal.RestartStarted}); err != nil {
		return failedJournal(err, "journal restart of %s", app)
	}
	t := time.Now()
	if err := h.sess.Restart(ctx, app); err != nil {
		jerr := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: journal.RestartFailed, Detail: err.Error()})
		return withJournalErr(h.failed(ctx, err, "restart %s: %v; the restart stays pending", app, err), jerr)
	}
	h.changed = true
	if h.r.progress != nil {
		h.r.progress.HealthWait(HealthWait{Host: h.name(), App: app, Timeout: timeout, Elapsed: time.Since(h.r.start)})
	}
	err := h.waitHealthy(ctx, app, timeout)
	took := time.Since(t)
	switch {
	case err == nil:
	case errors.Is(err, engine.ErrHealthTimeout):
		return h.unhealthy(ctx, app, timeout, err)
	case h.r.stopped(ctx):
		jerr := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: journal.RestartFailed, Detail: "interrupted while waiting for health"})
		return withJournalErr(&HostError{Outcome: OutcomeInterrupted, Reason: fmt.Sprintf("stopped while waiting for %s to become healthy; the restart stays pending", app), Err: err}, jerr)
	default:
		jerr := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: journal.RestartFailed, Detail: err.Error()})
		return withJournalErr(&HostError{Outcome: OutcomeFailed, Reason: fmt.Sprintf("wait for %s to become healthy: %v", app, err), Err: err}, jerr)
	}
	if err := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: journal.RestartHealthy, Detail: "after " + roundDur(took)}); err != nil {
		return failedJournal(err, "journal restart of %s", app)
	}
	since := h.r.runID
	if p, ok := h.pending[strings.ToLower(app)]; ok && p.PendingSince != "" {
		since = p.PendingSince
	}
	if err := h.journal(&journal.Record{Kind: journal.KindPendingCleared, App: app, Since: since, Reason: "restarted and healthy"}); err != nil {
		return failedJournal(err, "journal restart of %s", app)
	}
	delete(h.pending, strings.ToLower(app))
	h.hr.Restarted = append(h.hr.Restarted, app)
	h.emit(StepHealthy, app, "", took)
	return nil
}

// unhealthy ends a host whose application was restarted but did not become
// healthy within the health timeout. It is its own state, said once: the
// journal records the restart as unhealthy with what was wrong, the
// restart stays pending marked so, and the next plan and apply know that
// the restart was made (see healthyAgain).
func (h *hostRun) unhealthy(ctx context.Context, app string, timeout time.Duration, err error) error {
	// What is wrong now, in the server's words: one more probe, because
	// the wait's error tells it wrapped in the wait's own words.
	detail := ""
	if health, herr := h.sess.Health(ctx, app); herr == nil && !health.Healthy && health.Detail != "" {
		detail = health.Detail
	} else if herr == nil && health.Healthy {
		detail = "healthy only after the health timeout"
	} else {
		detail = err.Error()
	}
	jerr := h.journal(&journal.Record{Kind: journal.KindRestart, App: app, Outcome: journal.RestartUnhealthy,
		Detail: fmt.Sprintf("not healthy within %s: %s", timeout, detail)})
	k := strings.ToLower(app)
	if p, ok := h.pending[k]; ok {
		cp := *p
		cp.Unhealthy, cp.RestartedIn = fmt.Sprintf("not healthy within %s: %s", timeout, detail), h.r.runID
		h.pending[k] = &cp
	}
	return withJournalErr(&HostError{Outcome: OutcomeFailed, Reason: fmt.Sprintf("%s restarted but not healthy within %s: %s", app, timeout, detail), Err: err}, jerr)
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
