package views

import (
	"fmt"
	"strings"

	"github.com/bwstate/bwstate/engine"
)

// Counts are the totals of a plan, shared by the human summary line and the
// JSON summary object.
type Counts struct {
	// Hosts is every host in the plan (hosts left alone are not in it).
	Hosts int
	// HostsToChange have something for apply to do: an attribute or row to
	// write, or an application to restart (a restart pending from an
	// earlier run included).
	HostsToChange int
	// HostsInDesiredState were read and have nothing to write or restart.
	HostsInDesiredState int
	// HostsFailed could not be reached, read or compared.
	HostsFailed int
	// HostsLeftAlone were not contacted: nothing in the configuration
	// concerns them (engine.Plan.LeftAlone).
	HostsLeftAlone int
	// Attributes changed in attribute contexts.
	Attributes int
	// Rows of tables added, updated or deleted.
	Rows int
	// Restarts of applications, pending ones included.
	Restarts int
	// PendingRestarts were left pending by earlier runs.
	PendingRestarts int
	// ChecksPassed and ChecksFailed count check blocks over all hosts.
	ChecksPassed int
	ChecksFailed int
	// DriftContexts counts unmanaged contexts that differ from their
	// defaults (plan -drift), on DriftHosts hosts. Drift is information:
	// it is not a change and does not make HasChanges true.
	DriftContexts int
	DriftHosts    int
	// Partial: -target or -exclude left part of the configuration out.
	Partial bool
}

// HasChanges reports whether applying the plan would write or restart
// anything: what `plan -detailed-exitcode` reports with exit code 2.
func (c Counts) HasChanges() bool {
	return c.Attributes+c.Rows+c.Restarts > 0
}

// Summary counts a plan. A failed host contributes only to HostsFailed.
func Summary(p *engine.Plan) Counts {
	c := Counts{HostsLeftAlone: len(p.LeftAlone), Partial: p.Partial()}
	for _, hp := range p.Hosts {
		c.Hosts++
		if hp.Error != "" {
			c.HostsFailed++
			continue
		}
		for _, ch := range hp.Changes {
			if isRow(ch) {
				c.Rows++
			} else {
				c.Attributes += len(ch.Attrs)
			}
		}
		if hp.HasChanges() {
			c.HostsToChange++
		} else {
			c.HostsInDesiredState++
		}
		for _, r := range hp.Restarts {
			c.Restarts++
			if r.Pending {
				c.PendingRestarts++
			}
		}
		for _, chk := range hp.Checks {
			if chk.Passed {
				c.ChecksPassed++
			} else {
				c.ChecksFailed++
			}
		}
		if len(hp.Drift) > 0 {
			c.DriftHosts++
			c.DriftContexts += len(hp.Drift)
		}
	}
	return c
}

// isRow reports whether a change is a table row: attribute contexts are
// only ever updated and have no key.
func isRow(ch *engine.Change) bool {
	a := ch.Action
	return a == engine.Create || a == engine.Delete || len(ch.Key) > 0
}

// plural prints a count with its noun: "1 host", "2 hosts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// summaryLine is the last line of the human view.
func summaryLine(c Counts) string {
	var b strings.Builder
	allFailed := c.HostsFailed > 0 && c.HostsToChange+c.HostsInDesiredState == 0
	switch {
	case allFailed:
		// "No changes" would claim what nobody could see.
		fmt.Fprintf(&b, "No plan: nothing could be compared on %s (all failed).", plural(c.HostsFailed, "host"))
	case !c.HasChanges():
		fmt.Fprintf(&b, "No changes. %s in the desired state.", plural(c.HostsInDesiredState, "host"))
	default:
		fmt.Fprintf(&b, "Plan: %s to change", plural(c.HostsToChange, "host"))
		var what []string
		if c.Attributes > 0 {
			what = append(what, plural(c.Attributes, "attribute"))
		}
		if c.Rows > 0 {
			what = append(what, plural(c.Rows, "row"))
		}
		if len(what) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(what, ", "))
		}
		fmt.Fprintf(&b, ", %s", plural(c.Restarts, "restart"))
		if c.PendingRestarts > 0 {
			fmt.Fprintf(&b, " (%d pending)", c.PendingRestarts)
		}
		fmt.Fprintf(&b, ". %s in the desired state.", plural(c.HostsInDesiredState, "host"))
	}
	if c.HostsFailed > 0 && !allFailed {
		fmt.Fprintf(&b, " %s failed.", plural(c.HostsFailed, "host"))
	}
	if c.HostsLeftAlone > 0 {
		fmt.Fprintf(&b, " %s left alone (nothing in the configuration concerns %s).", plural(c.HostsLeftAlone, "host"), pronoun(c.HostsLeftAlone))
	}
	switch {
	case c.ChecksPassed > 0 && c.ChecksFailed > 0:
		fmt.Fprintf(&b, " %s passed, %d failed.", plural(c.ChecksPassed, "check"), c.ChecksFailed)
	case c.ChecksFailed > 0:
		fmt.Fprintf(&b, " %s failed.", plural(c.ChecksFailed, "check"))
	case c.ChecksPassed > 0:
		fmt.Fprintf(&b, " %s passed.", plural(c.ChecksPassed, "check"))
	}
	if c.DriftContexts > 0 {
		fmt.Fprintf(&b, " Drift (not managed): %s on %s.", plural(c.DriftContexts, "context"), plural(c.DriftHosts, "host"))
	}
	return b.String()
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// partialWarning is the warning printed above the summary of a plan made with -target
// or -exclude, as Terraform warns of resource targeting.
func partialWarning(p *engine.Plan) string {
	var parts []string
	if len(p.Targets) > 0 {
		parts = append(parts, "-target "+strings.Join(p.Targets, ", "))
	}
	if len(p.Excludes) > 0 {
		parts = append(parts, "-exclude "+strings.Join(p.Excludes, ", "))
	}
	return "this plan is partial (" + strings.Join(parts, "; ") + "): what the targeting left out was not compared, so it may not show every change the configuration asks for"
}
