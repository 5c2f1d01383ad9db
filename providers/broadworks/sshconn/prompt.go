package sshconn

import (
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// TerminalPrompter asks for passphrases on a terminal, without echo. Prompts
// from concurrent dials are asked one at a time.
type TerminalPrompter struct {
	// In is the terminal read from, usually os.Stdin.
	In *os.File
	// Out receives the prompt, usually os.Stderr so that it never mixes
	// with plan output.
	Out io.Writer

	mu sync.Mutex
}

// Passphrase implements Prompter. It returns ErrNoTerminal when In is not a
// terminal (bwstate run from cron or CI).
func (p *TerminalPrompter) Passphrase(keyFile string) ([]byte, error) {
	if p.In == nil || !term.IsTerminal(int(p.In.Fd())) {
		return nil, ErrNoTerminal
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.Out
	if out == nil {
		out = os.Stderr
	}
	fmt.Fprintf(out, "Enter passphrase for key '%s': ", keyFile)
	pass, err := term.ReadPassword(int(p.In.Fd()))
	fmt.Fprintln(out)
	if err != nil {
		return nil, fmt.Errorf("read passphrase from terminal: %w", err)
	}
	return pass, nil
}
