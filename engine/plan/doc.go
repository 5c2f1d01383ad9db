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
// After the diff, Run checks the catalogue's advisories (Advise): live
// values operators must not miss, such as CAPProxy left enabled on release
// 22.0 and later, reported as host warnings whether or not the
// configuration manages the attribute, unless the plan itself changes it
// away. With Options.Drift it also compares every unmanaged catalogue
// context with its defaults (Drift), for HostPlan.Drift. Both reuse the
// declared reads, so no path is read twice, and a failure of their extra
// reads is a warning, not a host error.
//
// A host that cannot be reached, read or compared never stops the plan: its
// HostPlan carries the error with the stage that failed ("unreachable: ...",
// "read Interface/SIP: ...") and the other hosts are planned as usual, in
// inventory order whatever order they finish in.
package plan
