// Package journal keeps bwstate's state on the controller, in the
// configuration's .bwstate directory: the append-only, hash-chained run
// journal (journal.jsonl), the salt used to hash sensitive values, pending
// restarts derived from the journal, the one-apply-at-a-time lock and the
// per-run directories that hold revert plans.
//
// bwstate keeps no copy of the servers' configuration: the journal records
// what each run did (redacted) so that an operator can audit it, a later
// plan can show restarts an earlier run left pending, and a later plan can
// tell whether a write-only secret changed without storing the secret.
//
// The chain makes edits evident, not impossible: anyone who can write the
// file can rewrite every hash after the edit. It catches a changed byte, a
// deleted, inserted or reordered record, and a record torn by a killed run.
package journal
