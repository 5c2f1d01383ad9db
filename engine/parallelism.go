package engine

// DefaultParallelism is how many hosts plan reads, and apply changes
// without restarts, at once unless -parallelism says otherwise. Each host
// is a different server and the controller's own cost is small (about
// 0.5 ms of CPU, one open file and a few hundred KB per host in flight),
// so the default is set by measurement (docs/performance.md): 100 plans a
// 100-host fleet in one round, and 1,000 hosts in ten.
const DefaultParallelism = 100
