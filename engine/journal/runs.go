package journal

import "github.com/bwstate/bwstate/engine"

// RunSummary describes one run found in the journal.
type RunSummary struct {
	ID string
	// Time is the run-start record's time (RFC 3339 UTC).
	Time     string
	Operator string
	Mode     engine.Mode
	// Counts are hosts per outcome, from the run's host-end records.
	Counts map[string]int
	// ExitCode is the run-end record's exit code; meaningless when
	// Outcome is "incomplete".
	ExitCode int
	// Outcome is "complete", or "incomplete" when the run has no run-end
	// record (killed, or still running).
	Outcome string
}

// Runs lists the runs of the journal in the order they started. Records of
// runs without a run-start (such as an operator clearing a pending restart)
// are not runs and are skipped.
func (j *Journal) Runs() ([]RunSummary, error) {
	recs, err := j.Records()
	if err != nil {
		return nil, err
	}
	var out []RunSummary
	idx := map[string]int{}
	for _, r := range recs {
		if r.Run == "" {
			continue
		}
		i, ok := idx[r.Run]
		if !ok {
			if r.Kind != KindRunStart {
				continue
			}
			i = len(out)
			idx[r.Run] = i
			out = append(out, RunSummary{ID: r.Run, Counts: map[string]int{}, Outcome: "incomplete"})
		}
		s := &out[i]
		switch r.Kind {
		case KindRunStart:
			s.Time, s.Operator, s.Mode = r.Time, r.Operator, r.Mode
		case KindHostEnd:
			s.Counts[r.Outcome]++
		case KindRunEnd:
			s.Outcome = "complete"
			if r.ExitCode != nil {
				s.ExitCode = *r.ExitCode
			}
		}
	}
	return out, nil
}
