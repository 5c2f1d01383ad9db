// Package views renders plans for people and for programs: Human prints the
// Terraform-like text of docs/plan-output.md, JSON prints the versioned
// machine form documented in docs/plan-output.md.
//
// Both views take their totals from Summary, so the summary line and the
// JSON summary object cannot disagree. Drift (plan -drift) is rendered
// apart from changes, with its own symbol and counts, and never counts as
// a change. Neither view ever prints the value
// of a sensitive attribute, whatever the plan holds in memory, and both
// escape control characters in text that came from a server, so a hostile
// or broken host cannot rewrite the operator's terminal.
package views
