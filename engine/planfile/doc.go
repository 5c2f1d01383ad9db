// Package planfile reads and writes saved plans: the versioned JSON
// documents that `bwstate plan -out FILE` writes, `bwstate apply FILE`
// executes and every apply leaves behind as a revert plan.
//
// A plan file carries every host's changes with their before and after
// values so that apply can refuse a host whose live value moved since the
// plan (a stale plan), restarts and pending restarts, the configuration hash
// and the salt. Sensitive values are never written: only salted hashes, so
// that apply can check that a fresh evaluation of the configuration yields
// the secret the plan was reviewed with. A checksum over the whole document
// turns any edit or damage into a clear refusal instead of a surprise.
package planfile
