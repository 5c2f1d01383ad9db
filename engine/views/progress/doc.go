// Package progress renders apply progress for humans: one line per host
// step as it happens ("[  0.8s] xsp2: set enabled = false (restart
// required)") through an apply.Hook, and the final summary that says which
// hosts changed, which failed and why, and which were left untouched.
package progress
