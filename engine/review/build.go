package review

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/apply"
	"github.com/bwstate/bwstate/engine/views"
)

// Input is everything a change review is made from. Nothing in it is read
// from a host: the plan file holds what the hosts said.
type Input struct {
	Plan *engine.Plan
	// PlanFile is the path as the operator gave it; PlanSHA256 the hex
	// SHA-256 of its bytes; PlanHash what apply journals as plan_hash for
	// it (planfile.Hash of the loaded plan).
	PlanFile   string
	PlanSHA256 string
	PlanHash   string
	// Title is the operator's title; empty derives one from the plan.
	Title string
	// Hosts are the configuration's inventory, in inventory order.
	Hosts []*engine.Host
	// Rollout is the configuration's rollout block (or the default).
	Rollout    engine.Rollout
	ConfigDir  string
	ConfigHash string
	// Git is the configuration's checkout, nil when it is none.
	Git *Git
	// RestartPolicy overrides Rollout.Restart, as apply -restart would.
	RestartPolicy engine.RestartPolicy
	// Parallelism is apply's -parallelism (0: apply's default).
	Parallelism int
	Catalogue   engine.Catalogue
	// History is what the journal measured (nil: nothing).
	History *History
	// PreparedBy is user@hostname; Now the time of making the document.
	PreparedBy string
	Now        time.Time
	// Warnings are the caller's notes for the reviewer (the journal could
	// not be read, ...).
	Warnings []string
}

// Build makes the change review of a plan.
func Build(in Input) *Review {
	p := in.Plan
	mode := string(p.Mode)
	if mode == "" {
		mode = modeNormal
	}
	policy := in.Rollout.Restart
	if in.RestartPolicy != "" {
		policy = in.RestartPolicy
	}
	if policy == "" {
		policy = engine.RestartNow
	}
	if mode == modeRestartsOnly {
		policy = engine.RestartNow // as apply: performing them is the point
	}
	par := in.Parallelism
	if par <= 0 {
		par = apply.DefaultParallelism
	}
	hist := in.History
	if hist == nil {
		hist = &History{}
	}
	inventory := map[string]*engine.Host{}
	for _, h := range in.Hosts {
		inventory[h.Name] = h
	}

	r := &Review{FormatVersion: FormatVersion, Kind: KindChange, Hosts: []Host{}, Warnings: []string{}}
	var works []*work
	for _, hp := range p.Hosts {
		works = append(works, classify(hp, inventory[hp.Name], mode, policy, in.Catalogue))
	}

	ro := in.Rollout
	r.Schedule = Schedule{
		RestartPolicy: string(policy), BatchSize: ro.BatchSize, BatchPercent: ro.BatchPercent,
		SpreadGroups: nonNil(ro.SpreadGroups), MaxPerGroup: max(ro.MaxPerGroup, 1), MaxFailures: ro.MaxFailures,
		HealthTimeoutSeconds: ro.HealthTimeout.Seconds(), Parallelism: par,
		Unbatched: []Slot{}, Batches: []Batch{}, Notes: []string{},
		Estimates: Estimates{HistoryRuns: hist.Runs, Restarts: []TypedEstimate{}},
	}
	if ro.HealthTimeout <= 0 {
		r.Schedule.HealthTimeoutSeconds = engine.DefaultRollout().HealthTimeout.Seconds()
	}
	schedule(works, ro, par, hist, &r.Schedule)
	r.Schedule.Timeline = timeline(&r.Schedule)
	r.Schedule.Notes = scheduleNotes(&r.Schedule, hist)

	for _, w := range works {
		r.Hosts = append(r.Hosts, hostOf(w, policy))
	}
	r.Impact = impact(p, works, in.Hosts, policy)
	r.Verification = verification(works, policy)
	r.Rollback = rollback(p, in.Catalogue, in.Now, mode)
	r.Header = Header{
		Title: in.Title,
		Plan: PlanRef{File: in.PlanFile, SHA256: in.PlanSHA256, PlanHash: in.PlanHash, CreatedAt: p.CreatedAt,
			Mode: mode, ConfigHash: p.ConfigHash},
		Configuration: Configuration{Dir: in.ConfigDir, Hash: in.ConfigHash, MatchesPlan: in.ConfigHash == p.ConfigHash, Git: in.Git},
		PreparedBy:    in.PreparedBy,
		PreparedAt:    in.Now.UTC().Format(time.RFC3339),
	}
	if r.Header.Title == "" {
		r.Header.Title, r.Header.TitleDerived = deriveTitle(p, mode, in.PlanFile, r.Impact.Counts), true
	}
	if in.Git != nil && in.Git.DirtyFiles == nil {
		r.Header.Configuration.Git.DirtyFiles = []string{}
	}
	if !r.Header.Configuration.MatchesPlan {
		if mode == modeRevert {
			r.Warnings = append(r.Warnings, "the configuration files changed since this revert plan was made; apply still takes it, with the rollout shown here")
		} else {
			r.Warnings = append(r.Warnings, "the configuration files changed since this plan was made: apply will refuse the plan; make a new plan and review that one")
		}
	}
	r.Warnings = append(r.Warnings, p.Warnings...)
	r.Warnings = append(r.Warnings, in.Warnings...)
	return r
}

// The plan's modes, as its JSON and the journal spell them.
const (
	modeNormal       = "normal"
	modeRestartsOnly = "restarts-only"
	modeRevert       = "revert"
)

// actionOf is a change's action; a change that names none is an update
// (attribute contexts are only ever updated), as apply takes it.
func actionOf(c *engine.Change) engine.Action {
	if c.Action == engine.NoOp {
		return engine.Update
	}
	return c.Action
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func hostOf(w *work, policy engine.RestartPolicy) Host {
	hp := w.hp
	h := Host{
		Name: hp.Name, Address: hp.Address, Type: hp.Type, Release: hp.Release, Error: hp.Error,
		Groups: []string{}, Changes: []Change{}, Restarts: []Restart{}, PendingRestarts: []Restart{},
		Checks: []HostCheck{}, Warnings: nonNil(hp.Warnings), Batch: w.batch,
	}
	if w.host != nil {
		h.Groups = groupsOf(w.host)
	}
	switch {
	case hp.Error != "":
		h.Work = WorkFailed
	case w.alone != "":
		h.Work = WorkNone
	case len(w.changes) > 0:
		h.Work = WorkChange
	default:
		h.Work = WorkRestart
	}
	if w.slot != nil {
		h.EstimateSeconds = w.slot.Seconds
	}
	if f := hp.Facts; f != nil {
		h.Facts = &Facts{Type: f.Type, Release: f.ReleaseString, ReleaseNumber: f.Release.Number(),
			Patches: nonNil(f.Patches), Alarms: nonNil(f.Alarms)}
	}
	if hp.Error != "" {
		return h
	}
	for i, c := range w.changes {
		h.Changes = append(h.Changes, changeOf(c, w.commands[i]))
	}
	for _, rs := range hp.Restarts {
		out := Restart{App: rs.App, Reasons: nonNil(rs.Reasons), PendingSince: rs.PendingSince, Action: restartAction(rs.App, w, policy)}
		if rs.Pending {
			h.PendingRestarts = append(h.PendingRestarts, out)
		} else {
			h.Restarts = append(h.Restarts, out)
		}
	}
	for _, c := range hp.Checks {
		h.Checks = append(h.Checks, HostCheck{Host: hp.Name, Check: c.Resource, Passed: c.Passed, Message: c.Message})
	}
	return h
}

// restartAction says what apply does with a restart of app on the host.
func restartAction(app string, w *work, policy engine.RestartPolicy) string {
	switch {
	case app == "":
		return "never automatic: restart the right application by hand, then bwstate journal clear-pending"
	case w.batched:
		return fmt.Sprintf("restart in batch %d", w.batch)
	case policy == engine.RestartDefer:
		return "stays pending (restart policy defer)"
	case policy == engine.RestartNever:
		return "not restarted (restart policy never)"
	}
	return "not restarted: the host is left alone"
}

func groupsOf(h *engine.Host) []string {
	out := []string{}
	for _, g := range h.Groups {
		if g != "all" {
			out = append(out, g)
		}
	}
	return out
}

func changeOf(c *engine.Change, commands []string) Change {
	act := actionOf(c)
	out := Change{Action: act.String(), Resource: c.Resource, Path: c.Path, Key: fieldsOf(c.Key), Attrs: []Attr{}, Commands: nonNil(commands)}
	for _, a := range c.Attrs {
		at := Attr{Name: a.Name, Sensitive: a.Sensitive, BeforeUnknown: a.BeforeUnknown, Restart: a.Restart}
		at.Before, at.After = a.Visible(act)
		out.Attrs = append(out.Attrs, at)
	}
	return out
}

func fieldsOf(key []engine.Field) []Field {
	out := []Field{}
	for _, k := range key {
		f := Field{Name: k.Name, Sensitive: k.Sensitive}
		if !k.Sensitive {
			f.Value = ptr(k.Value)
		}
		out = append(out, f)
	}
	return out
}

func ptr(s string) *string { return &s }

func impact(p *engine.Plan, works []*work, inventory []*engine.Host, policy engine.RestartPolicy) Impact {
	c := views.Summary(p)
	im := Impact{
		Summary: views.SummaryLine(c),
		Counts: Counts{Hosts: c.Hosts, HostsToChange: c.HostsToChange, HostsInDesiredState: c.HostsInDesiredState,
			HostsFailed: c.HostsFailed, Attributes: c.Attributes, Rows: c.Rows, Restarts: c.Restarts,
			PendingRestarts: c.PendingRestarts, ChecksFailed: c.ChecksFailed, ChangesPresent: c.HasChanges()},
		ByType: []HostSet{}, ByGroup: []HostSet{}, Restarts: []AppRestarts{}, Interruptions: []Interruption{},
		LeftAlone: []HostNote{}, Advisories: []HostNote{}, Checks: []HostCheck{},
	}
	addTo := func(sets *[]HostSet, name, host string) {
		for i := range *sets {
			if (*sets)[i].Name == name {
				(*sets)[i].Hosts = append((*sets)[i].Hosts, host)
				return
			}
		}
		*sets = append(*sets, HostSet{Name: name, Hosts: []string{host}})
	}
	appIdx := map[string]int{}
	app := func(name string) *AppRestarts {
		k := strings.ToLower(name)
		i, ok := appIdx[k]
		if !ok {
			i = len(im.Restarts)
			appIdx[k] = i
			im.Restarts = append(im.Restarts, AppRestarts{App: name, Hosts: []string{}, Pending: []string{}, NotRestarted: []string{}})
		}
		return &im.Restarts[i]
	}
	planned := map[string]bool{}
	for _, w := range works {
		hp := w.hp
		planned[hp.Name] = true
		if w.alone != "" {
			im.LeftAlone = append(im.LeftAlone, HostNote{Host: hp.Name, Text: w.alone})
		} else {
			addTo(&im.ByType, hp.Type, hp.Name)
			if w.host != nil {
				for _, g := range groupsOf(w.host) {
					addTo(&im.ByGroup, g, hp.Name)
				}
			}
		}
		if hp.Error == "" {
			for _, rs := range w.apps {
				a := app(rs.App)
				switch {
				case w.batched:
					a.Hosts = append(a.Hosts, hp.Name)
				case policy == engine.RestartDefer:
					a.Pending = append(a.Pending, hp.Name)
				case policy == engine.RestartNever:
					a.NotRestarted = append(a.NotRestarted, hp.Name)
				}
			}
		}
		if w.slot != nil {
			for _, r := range w.slot.Restarts {
				im.Interruptions = append(im.Interruptions, Interruption{Host: hp.Name, App: r.App, Estimate: r.Estimate})
			}
		}
		for _, msg := range hp.Warnings {
			if strings.HasPrefix(msg, "advisory ") {
				im.Advisories = append(im.Advisories, HostNote{Host: hp.Name, Text: msg})
			}
		}
		for _, ch := range hp.Checks {
			im.Checks = append(im.Checks, HostCheck{Host: hp.Name, Check: ch.Resource, Passed: ch.Passed, Message: ch.Message})
		}
	}
	notContacted := map[string]bool{}
	for _, n := range p.LeftAlone {
		notContacted[n] = true
	}
	for _, h := range inventory {
		switch {
		case planned[h.Name]:
		case notContacted[h.Name]:
			im.LeftAlone = append(im.LeftAlone, HostNote{Host: h.Name, Text: "not contacted: nothing in the configuration concerns it"})
		default:
			im.LeftAlone = append(im.LeftAlone, HostNote{Host: h.Name, Text: "not in this plan (left out by -target or -exclude)"})
		}
	}
	return im
}

func verification(works []*work, policy engine.RestartPolicy) Verification {
	v := Verification{Checks: []CheckTarget{}, Commands: []Step{}}
	idx := map[string]int{}
	for _, w := range works {
		if w.alone != "" {
			continue
		}
		for _, c := range w.hp.Checks {
			i, ok := idx[c.Resource]
			if !ok {
				i = len(v.Checks)
				idx[c.Resource] = i
				v.Checks = append(v.Checks, CheckTarget{Check: c.Resource, Hosts: []string{}, FailingNow: []string{}})
			}
			v.Checks[i].Hosts = append(v.Checks[i].Hosts, w.hp.Name)
			if !c.Passed {
				v.Checks[i].FailingNow = append(v.Checks[i].FailingNow, w.hp.Name)
			}
		}
	}
	converged := "exit 0: No changes; no host lists a pending restart (!)"
	if policy == engine.RestartDefer {
		converged = "exit 2: no value to change, and the deferred restarts listed as pending (!) until `bwstate apply -restarts-only` performs them"
	}
	v.Commands = append(v.Commands,
		Step{Command: "bwstate plan -detailed-exitcode", Expect: converged},
	)
	for _, c := range v.Checks {
		v.Commands = append(v.Commands, Step{Command: "bwstate plan -target " + c.Check,
			Expect: fmt.Sprintf("%s passes on %s", c.Check, strings.Join(c.Hosts, ", "))})
	}
	v.Commands = append(v.Commands,
		Step{Command: "bwstate journal show RUN -format html", Expect: "the run's closing record: every host changed, with the plan hash of this document"},
		Step{Command: "bwstate journal verify", Expect: "journal OK: the hash chain is intact"},
	)
	return v
}

// rollback is what the run's revert plan will do if every change is made:
// apply.Revert of the plan with every change applied.
func rollback(p *engine.Plan, cat engine.Catalogue, now time.Time, mode string) Rollback {
	rb := Rollback{Hosts: []RollbackHost{}, Manual: []string{}}
	var results []*apply.HostResult
	for _, hp := range p.Hosts {
		if hp.Error != "" || len(hp.Changes) == 0 || mode == modeRestartsOnly {
			continue
		}
		results = append(results, &apply.HostResult{Name: hp.Name, Applied: hp.Changes})
	}
	rp := apply.Revert(p, results, cat, now)
	if rp == nil {
		return rb
	}
	rb.Command = "bwstate apply .bwstate/runs/RUN/revert.json"
	rb.Manual = nonNil(rp.Warnings)
	for _, hp := range rp.Hosts {
		rh := RollbackHost{Host: hp.Name, Steps: []RollbackStep{}, Restarts: []string{}}
		for _, c := range hp.Changes {
			var schema *engine.Context
			if cat != nil {
				schema, _ = cat.Lookup(hp.Type, c.Path)
			}
			rh.Steps = append(rh.Steps, RollbackStep{Path: c.Path, Key: fieldsOf(c.Key), Commands: nonNil(apply.Commands(c, schema))})
		}
		for _, r := range hp.Restarts {
			rh.Restarts = append(rh.Restarts, "restartbw "+r.App)
		}
		rb.Hosts = append(rb.Hosts, rh)
	}
	return rb
}

func scheduleNotes(s *Schedule, hist *History) []string {
	var notes []string
	switch s.RestartPolicy {
	case string(engine.RestartDefer):
		notes = append(notes, "Restart policy defer: values are set and every restart stays pending in the journal; the next apply or apply -restarts-only performs them.")
	case string(engine.RestartNever):
		notes = append(notes, "Restart policy never: values are set and nothing is restarted or recorded as pending; the new values take effect when the applications restart for another reason.")
	}
	if len(s.Batches) > 0 {
		notes = append(notes, fmt.Sprintf("Each batch starts when every host of the previous one is healthy (health_timeout %s); once more than %d host(s) failed, no new host is started.",
			Duration(s.HealthTimeoutSeconds), s.MaxFailures))
	}
	if len(s.Unbatched) > 0 {
		notes = append(notes, fmt.Sprintf("Hosts without a restart are applied first, %d at a time (apply -parallelism).", s.Parallelism))
	}
	if hist.Runs == 0 {
		notes = append(notes, "The journal has no earlier run of this configuration: every duration is a default.")
	} else {
		notes = append(notes, fmt.Sprintf("Durations come from %s of this configuration in the journal where measured.", count(hist.Runs, "earlier run")))
	}
	return notes
}

var revertPath = regexp.MustCompile(`runs[/\\]([^/\\]+)[/\\]revert\.json$`)

// deriveTitle names a change nobody titled.
func deriveTitle(p *engine.Plan, mode, file string, c Counts) string {
	switch mode {
	case modeRevert:
		if m := revertPath.FindStringSubmatch(filepath.ToSlash(file)); m != nil {
			return "Revert of run " + m[1]
		}
		return "Revert plan"
	case modeRestartsOnly:
		return fmt.Sprintf("Pending restarts on %s", count(c.Hosts, "host"))
	}
	var resources, hosts []string
	seen := map[string]bool{}
	for _, hp := range p.Hosts {
		if hp.Error != "" || len(hp.Changes) == 0 {
			continue
		}
		hosts = append(hosts, hp.Name)
		for _, ch := range hp.Changes {
			if !seen[ch.Resource] {
				seen[ch.Resource] = true
				resources = append(resources, ch.Resource)
			}
		}
	}
	if len(resources) == 0 {
		if c.PendingRestarts > 0 {
			return fmt.Sprintf("Pending restarts (%s)", count(c.PendingRestarts, "restart"))
		}
		return fmt.Sprintf("No changes (%s in the desired state)", count(c.HostsInDesiredState, "host"))
	}
	return fmt.Sprintf("Change %s on %s (%s)", list(resources, 3), count(len(hosts), "host"), list(hosts, 4))
}

// list joins up to n items: "a, b and 3 more".
func list(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}
