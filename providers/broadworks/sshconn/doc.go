// Package sshconn dials BroadWorks hosts over SSH the way an operator's own
// ssh client would, so that bwstate can run unattended against a fleet.
//
// A Dialer owns everything that is shared between connections of one run:
// decrypted identity files (a passphrase is asked once, not once per host),
// the parsed known_hosts files, the ~/.ssh/config fallbacks and the
// connections to jump hosts, which every target behind a jump host shares.
//
// Security rules that callers may rely on:
//   - host keys are checked strictly against known_hosts; an unknown host is
//     an *UnknownHostKeyError and a changed key a *HostKeyChangedError, both
//     found with errors.As through any wrapping;
//   - a changed key is never retried and no option bypasses it; the
//     AcceptNewHostKeys opt-in only records keys of hosts that are unknown;
//   - no secret (password, passphrase) ever appears in an error or a log.
//
// Each Client sends keepalive@openssh.com requests so that a dead peer is
// noticed within seconds and blocked reads fail instead of hanging an apply.
// OpenShell starts the interactive PTY session the BWCLI driver talks to.
package sshconn
