// Package review builds the two documents of a reviewed change as plain
// data: the method of procedure of a saved plan (Build: what will change on
// which server, the service impact, the rollout's batches with estimated
// durations, how to verify, how to roll back) and the closing record of an
// apply run (BuildRun: what the journal says happened, estimated against
// actual). engine/views/mop renders both as HTML, Markdown and JSON; the
// JSON is the documents' versioned contract (docs/change-review.md).
//
// The schedule is apply's own: the hosts that restart are split by
// apply.Batches with the configuration's rollout. Estimates come from the
// journal's history of the configuration (History): the median time from
// restartbw to healthy per application and server type, and the time per
// write; a value with no history says so and names the default used.
//
// Documents never hold a sensitive value: attributes and keys marked
// sensitive carry no value, exactly as the plan's JSON view. Everything
// read from the journal goes through journalread.go, the one file that
// knows the journal's record fields.
package review
