package main

import (
	"errors"
	"fmt"

	"github.com/bwstate/bwstate/engine/config"
	"github.com/bwstate/bwstate/internal/fdlimit"
)

// filesMargin is what a run opens besides its hosts' connections: the
// journal and its lock, configuration and key files, known_hosts, jump
// host connections, the terminal.
const filesMargin = 64

// sessionsAtOnce is the most hosts a command holds open at once: plan,
// probe and facts read -parallelism hosts at a time; apply without a plan
// file also keeps, while it plans and until their turn, the sessions of
// the hosts it starts first (keptSessions).
func sessionsAtOnce(cmd string, par int, cfg *config.Config, hosts int) int {
	n := par
	if cmd == "apply" {
		n = par + keptSessions(par, cfg, hosts)
	}
	return min(n, hosts)
}

// keptSessions is the most plan sessions `bwstate apply` keeps for the
// apply: the hosts without restarts it starts at once (-parallelism) and
// the first rolling batch, however large (the apply holds that many
// sessions at once anyway). The batch is rollout.batch_size, or
// batch_percent of the selected hosts.
func keptSessions(par int, cfg *config.Config, hosts int) int {
	batch := cfg.Rollout.BatchSize
	if p := cfg.Rollout.BatchPercent; p > 0 {
		batch = (p*hosts + 99) / 100
	}
	return min(par+max(batch, 1), hosts)
}

// ensureFiles makes sure the process may open what sessions hosts in
// flight need: one SSH connection each, and one transcript each when
// BWSTATE_TRANSCRIPT_DIR is set. Go already raised the soft limit to the
// hard one at start-up, so this raises it only where that did not happen;
// when the hard limit is too low it says how to lower -parallelism and
// returns false, before any host is contacted.
func ensureFiles(e *env, cmd string, sessions int) bool {
	perHost := 1
	if e.getenv(envTranscriptDir) != "" {
		perHost = 2
	}
	need := uint64(sessions*perHost + filesMargin)
	_, err := fdlimit.Ensure(need)
	var low *fdlimit.TooLowError
	switch {
	case errors.As(err, &low):
		fit := max(1, (int(low.Soft)-filesMargin)/perHost)
		what := "-parallelism"
		if cmd == "apply" {
			// Kept sessions and a rolling batch add to the parallelism.
			fit = max(1, fit/2)
			what = "-parallelism (and rollout.batch_size)"
		}
		fmt.Fprintf(e.stderr, "bwstate %s: %d hosts at once (one SSH connection each) %v: lower %s, for example -parallelism %d, or raise the hard limit\n",
			cmd, sessions, err, what, fit)
		return false
	case err != nil:
		// The limit could not be read or set: the run may still fit.
		fmt.Fprintf(e.stderr, "bwstate %s: warning: %v\n", cmd, err)
	}
	return true
}
