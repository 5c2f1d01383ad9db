//go:build !linux

package fleetbench

import "time"

// The fleet needs 127.0.x.y addresses, which only Linux routes without
// configuration; elsewhere these measures are reported as unknown.

func cpuTime() time.Duration { return 0 }

func openFiles() int { return 0 }

func resetPeakRSS() {}

func peakRSS() uint64 { return 0 }

func machineTicks() (busy, total uint64) { return 0, 0 }
