// Package bwcli drives the BroadWorks command-line interface (BWCLI) and the
// shell tools around it over a terminal stream: an io.Reader and io.Writer
// pair, which in production are the stdout and stdin of an SSH session with
// a PTY, and in tests pipes and transcripts.
//
// A Session waits for the login shell prompt (learning it: one empty line
// sent at login makes it repeat, see prompt.go), runs shell tools (bwshowver,
// healthmon -l, showrun, restartbw) and parses their output, starts bwcli,
// navigates with absolute `cd` checked against the next prompt, reads
// attribute and table contexts with `get`, and writes with set, clear, add
// and delete, classifying each reply as done, restart required or a CLI
// error. One goroutine reads the stream into a buffer so every wait honours
// its context; a reply ends at the prompt found on the tail of the buffer,
// never after a sleep.
//
// Everything the driver knows about BWCLI's texts is in one table
// (patterns.go), each entry tagged with its confidence ([C] confirmed by a
// public Cisco source, [I] inferred, [G] guessed) as docs/bwcli.md lists
// them; the shell prompt is learned at login or set by the operator
// (prompt.go), and tables are placed by position under their header
// (table.go). Values that could inject a command (`;`, line breaks, control
// characters, quotes) are refused before anything is written. The parsers
// are exported, pure and fuzzed.
//
// Prompt detection looks only at the text after the last newline, so a
// prompt-like text inside a line of data never ends a reply. One ambiguity
// is inherent to any prompt-driven CLI: a data line that is exactly a prompt
// of the current root, arriving as the last bytes of a read, is taken for
// the prompt. After a timeout, a cancellation, a closed stream or an
// unexpected prompt the session is marked broken (ErrBroken), because late
// output of the abandoned command could be read as the next reply.
//
// The package imports nothing SSH: the provider wires it to a connection.
package bwcli
