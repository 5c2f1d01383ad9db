// Package simtest starts simulated BroadWorks fleets for tests in other
// packages: each test gets its own loopback IP, state directory and
// cleanup, so tests and parallel test processes never collide on ports or
// leave listeners behind.
package simtest
