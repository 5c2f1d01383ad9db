// Package apply executes an engine.Plan through an engine.Provider: per
// host it re-reads what the plan read (refusing a stale host), records the
// restarts it will need in the journal before the first change, makes the
// changes, reads them back, and restarts each application once per host
// according to the restart policy, in rolling batches that wait for health.
//
// Everything it does is journaled (engine/journal) and reported through a
// Hook as it happens (a ProgressHook also learns the schedule, each batch,
// host and health wait, for live progress displays); the Result says per host what changed, what failed
// and why, and what was left untouched. A revert plan that undoes the
// applied changes is saved with every run that changed something.
package apply
