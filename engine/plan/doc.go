// Package plan turns the desired state of a fleet and the live state of its
// servers into an engine.Plan.
//
// It has two halves. DiffHost is pure: given one host's facts, what the
// configuration declares for it and what its contexts hold, it returns the
// changes, the row operations and the application restarts, and it is
// table-tested without any network. Run is the read pass around it: one
// session per host, hosts in parallel up to Options.Parallelism, facts
// first, then every declared context read once.
//
// A host that cannot be reached, read or compared never stops the plan: its
// HostPlan carries the error with the stage that failed ("unreachable: ...",
// "read Interface/SIP: ...") and the other hosts are planned as usual, in
// inventory order whatever order they finish in.
package plan
