// Package fleetbench measures bwstate's plan and apply at fleet scale: the
// real engine (engine/config, engine/plan, engine/apply with a journal) and
// the real BroadWorks provider drive an in-process simulated fleet
// (providers/broadworks/sim) over SSH on loopback, one address per host.
//
// Each run is compared with the bound the issue states: for a plan,
// ceil(hosts / parallelism) x (connect + commands x latency), where
// commands is what one host's plan sends, counted from the simulator's
// command log; for an apply, the same per round of hosts without restarts,
// and per rolling batch the set phase plus restart and health. Client and
// simulator share the process, so wall time, CPU time and heap are those of
// both; the package reports them side by side rather than pretending to
// separate them.
//
// The benchmarks (BenchmarkPlanFleet, BenchmarkApplyFleet) and the
// cmd/fleetbench command are thin wrappers around Start, Fleet.Plan
// and Fleet.Apply.
package fleetbench
