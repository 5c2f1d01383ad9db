package apply

import "github.com/bwstate/bwstate/engine"

// Batches splits the hosts that restart into rolling batches in plan order:
// BatchSize hosts (or BatchPercent of them, rounded up, at least 1), never
// more than MaxPerGroup hosts of one SpreadGroups group in one batch. A host
// that would break the spread waits for a later batch. groups returns an
// item's inventory groups.
//
// It is pure so that apply's rollout and the schedule of a change review
// (engine/review) are the same batches by construction.
func Batches[T any](items []T, groups func(T) []string, ro engine.Rollout) [][]T {
	size := ro.BatchSize
	if ro.BatchPercent > 0 {
		size = (ro.BatchPercent*len(items) + 99) / 100
	}
	if size < 1 {
		size = 1
	}
	maxPer := ro.MaxPerGroup
	if maxPer < 1 {
		maxPer = 1
	}
	spread := map[string]bool{}
	for _, g := range ro.SpreadGroups {
		spread[g] = true
	}
	var out [][]T
	rest := items
	for len(rest) > 0 {
		var batch, later []T
		inGroup := map[string]int{}
		for _, it := range rest {
			fits := len(batch) < size
			if fits {
				for _, g := range groups(it) {
					if spread[g] && inGroup[g] >= maxPer {
						fits = false
						break
					}
				}
			}
			if !fits {
				later = append(later, it)
				continue
			}
			batch = append(batch, it)
			for _, g := range groups(it) {
				if spread[g] {
					inGroup[g]++
				}
			}
		}
		out = append(out, batch)
		rest = later
	}
	return out
}
