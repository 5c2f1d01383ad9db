//go:build !race

package fleetbench

// raceDetector is true when the tests run with -race, which multiplies the
// CPU time and the memory of a fleet several times over.
const raceDetector = false
