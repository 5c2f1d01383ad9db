// Package sim is the BroadWorks simulator: an SSH server that emulates a
// fleet of BroadWorks hosts at the level bwstate uses, so that every test,
// example and demo runs without real servers.
//
// Each simulated host listens on its own address with its own persistent
// ed25519 host key and accepts the lab client key, the password bwadmin and
// a keyboard-interactive Password: challenge. Its login shell offers bwcli,
// restartbw, startbw, stopbw, showrun, bwshowver and healthmon -l, with
// line editing, history and pipes into grep, head and tail for people at
// `bwstate lab serve`; bwcli follows docs/bwcli.md (banner, prompts, `;`
// chaining, prefixes, navigation, get/set/clear, tables, alarms,
// confirmations, restart warnings, prompted passwords). Lab attributes
// vary what real servers vary (prompt, table layout, bwshowver, showrun,
// size questions). Hosts keep their state (values, rows, application
// states, pending restarts, alarms) for the life of the Fleet, model
// restarts with timers, and carry fault knobs that tests flip at run time.
// A replay host instead answers from a recorded session transcript. Every
// command received is recorded so tests can check what the server saw
// rather than what a client claims.
//
// The simulator keeps its own catalogue and texts and imports no client
// code (providers/broadworks/...): each side is written from the facts, so
// a mistake in one shows up as a failing test against the other. The
// interpreters run over a line-oriented terminal, not over SSH, so
// transcript tests drive them in memory. docs/simulator.md documents the
// texts, the lab file syntax and this API.
package sim
