package apply

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

// checkRecord is the journal record of one check: the check's address in
// Detail, passed or failed in Outcome, its error message in Message.
func checkRecord(c *engine.Check) *journal.Record {
	rec := &journal.Record{Kind: journal.KindCheck, Detail: c.Resource, Outcome: journal.CheckPassed}
	if !c.Passed {
		rec.Outcome, rec.Message = journal.CheckFailed, c.Message
	}
	return rec
}

// checks evaluates the configuration's checks once the host is done: its
// changes made and read back, its restarts healthy. A check is about the
// state apply left (CAP alarms cleared after the restart), not the state
// plan saw: the raised alarms are read again through the same session when
// a check uses them. The other facts (type, release, patches) are the
// plan's, which neither a change nor an application restart alters; they
// are read only when no plan read them (apply -restarts-only).
//
// A failed check fails the host without undoing anything: the changes are
// made and in the revert plan, but the operator's own criterion for a good
// host does not hold, so a rolling apply must stop like it does for an
// unhealthy restart (the host counts against max_failures). Checks are not
// evaluated while the host still waits for a restart (restart = defer or
// never, or a restart nobody can attribute): its new values are not in
// effect, and a check would judge the old state. The next plan evaluates
// them.
func (h *hostRun) checks(ctx context.Context) error {
	o := h.r.opts
	if o.Checks == nil {
		return nil
	}
	needs := CheckNeeds{Any: true, Alarms: true}
	if o.CheckNeeds != nil {
		needs = o.CheckNeeds(h.jb.host)
	}
	if !needs.Any {
		return nil
	}
	if h.r.stopped(ctx) {
		h.skipChecks("the run was interrupted")
		return nil
	}
	if waiting := h.waitingRestarts(); len(waiting) > 0 {
		h.skipChecks(fmt.Sprintf("the restart of %s is not done, so the changes are not in effect yet; the next plan evaluates them", strings.Join(waiting, ", ")))
		return nil
	}
	facts, err := h.factsForChecks(ctx, needs.Alarms)
	if err != nil {
		return h.failed(ctx, err, "checks not evaluated: read facts after apply: %v", err)
	}
	checks, err := o.Checks(h.jb.host, facts)
	if err != nil {
		return &HostError{Outcome: OutcomeFailed, Reason: fmt.Sprintf("checks not evaluated: %v", err), Err: err}
	}
	var failed []string
	for _, c := range checks {
		if c == nil {
			continue
		}
		h.hr.Checks = append(h.hr.Checks, c)
		if err := h.journal(checkRecord(c)); err != nil {
			return failedJournal(err, "journal %s", c.Resource)
		}
		detail := c.Resource + " passed"
		if !c.Passed {
			why := c.Resource + ": " + c.Message
			failed = append(failed, why)
			detail = c.Resource + " failed: " + c.Message
		}
		h.emit(StepCheck, "", detail, 0)
	}
	if len(failed) > 0 {
		return &HostError{Outcome: OutcomeFailed, Reason: strings.Join(failed, "; ")}
	}
	return nil
}

// waitingRestarts lists the applications whose restart the host still
// needs after its restarts step: pending in the journal (defer, or an
// unknown application), or not recorded at all under restart = never.
func (h *hostRun) waitingRestarts() []string {
	var out []string
	for _, k := range h.pendingOrder {
		if p, ok := h.pending[k]; ok {
			app := p.App
			if app == "" {
				app = "an unknown application"
			}
			out = append(out, app)
		}
	}
	if h.r.policy == engine.RestartNever {
		for _, rs := range h.jb.apps {
			out = append(out, rs.App)
		}
	}
	return out
}

func (h *hostRun) skipChecks(why string) {
	msg := "checks not evaluated: " + why
	h.hr.Warnings = append(h.hr.Warnings, msg)
	h.emit(StepCheck, "", msg, 0)
}

// factsForChecks returns the facts a host's checks see: the plan's (or
// those the release check read), with the alarms read now when the checks
// use them and left unknown otherwise, never the plan's older alarms.
func (h *hostRun) factsForChecks(ctx context.Context, alarms bool) (*engine.Facts, error) {
	base := h.facts
	if base != nil && !alarms {
		f := *base
		f.Alarms = nil
		return &f, nil
	}
	fresh, err := engine.ReadFacts(ctx, h.sess, engine.FactsRequest{Release: base == nil, Alarms: alarms})
	if err != nil || base == nil {
		return fresh, err
	}
	f := *base
	f.Alarms = fresh.Alarms
	return &f, nil
}
