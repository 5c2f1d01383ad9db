// Package live shows the progress of bwstate's long work while it happens.
//
// What is shown comes from the engine's hooks: ApplyTracker follows an
// apply (apply.Hook and apply.ProgressHook: the schedule, the batches, the
// hosts in flight, each health wait against its timeout, an ETA from the
// run's own measured host times) and PlanTracker follows plan's read pass
// (plan.Hook and plan.TotalHook). Both are Sources: the lines of a live
// area, or one status line for a log.
//
// A Display puts a Source on an output. On a terminal that may be redrawn
// it keeps a live area below the event lines, redrawn in place with
// github.com/vbauerster/mpb/v8 and cleared when the display is closed, so
// what is printed next (a summary, the plan) starts on a clean line.
// Anywhere else (a CI log, a pipe, a file, NO_COLOR, TERM=dumb) nothing is
// redrawn and no escape code is written: a plain status line is printed at
// a steady interval instead, so a log shows that a long wait is alive.
//
// The engine knows nothing of this package: it imports no terminal code.
package live
