package bwcli

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// WaitShell waits for the first shell prompt after login, skipping any
// MOTD. With Options.ShellPrompt it waits for a line that pattern matches
// and sends nothing. Otherwise it learns the prompt: once the server has
// printed a line it did not end, it sends one empty line and waits until
// the prompt repeats (prompt.go); later prompts must match the learned one
// with any digits where it had digits.
func (s *Session) WaitShell(ctx context.Context) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.scrubErr(&err)
	if s.mode != modeLogin {
		return errors.New("wait for the shell prompt: already past login")
	}
	res, err := s.run(ctx, &command{shown: "(login)", login: true})
	if err != nil {
		return err
	}
	if !res.atShell {
		return s.fail(&ProtocolError{Command: "(login)", Reason: "expected a shell prompt after login, got a CLI prompt (is the account's login shell bwcli itself?)", Text: s.prompt})
	}
	if _, _, ok := s.parseCLIPrompt(s.prompt); ok {
		return s.fail(&ProtocolError{Command: "(login)", Reason: "the shell prompt also matches the CLI prompt pattern: make ssh.shell_prompt and ssh.cli_prompt tell them apart", Text: s.prompt})
	}
	s.mode = modeShell
	return nil
}

// Shell runs one command line at the shell prompt and returns its output
// without the echoed command line and without the prompt. The output is
// not interpreted. The line may use shell syntax but no control characters
// or line breaks; a command that prints no newline before the prompt
// returns (the prompt is matched on the tail after the last newline) only
// if its output ends the line.
func (s *Session) Shell(ctx context.Context, cmdline string) (_ string, err error) {
	defer s.scrubErr(&err)
	if err := checkShellLine(cmdline); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shell(ctx, cmdline)
}

// shell runs a shell command. Caller holds s.mu.
func (s *Session) shell(ctx context.Context, line string) (string, error) {
	if s.mode != modeShell {
		return "", fmt.Errorf("%s: %w", line, ErrNotShell)
	}
	res, err := s.run(ctx, &command{line: line, shown: line})
	if err != nil {
		return "", err
	}
	if !res.atShell {
		// The command started bwcli (or something that prints a CLI
		// prompt): follow it so the session's state stays true.
		s.mode, s.root, s.path = modeCLI, res.root, res.path
		return "", &ProtocolError{Command: line, Reason: "the command started bwcli; use StartCLI", Text: truncateTail(s.redactText(res.out, nil), 200)}
	}
	return res.out, nil
}

// tool runs a shell tool whose output is data and refuses it when the first
// line is an error (`-bash: healthmon: command not found`, `Error: ...`).
func (s *Session) tool(ctx context.Context, line string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.shell(ctx, line)
	if err != nil {
		return "", err
	}
	if text, bad := findError(out, true); bad {
		return "", &CommandError{Command: line, Text: text}
	}
	return out, nil
}

// Restart runs `restartbw <app>` and returns its output (for the journal).
// An error line anywhere in it (`Error: ...`, `-bash: restartbw: command
// not found`, `Failed to ...`) or a line refusing the application
// (`unknown application`, `Usage: ...`) is a *CommandError. Any other
// output is accepted: restartbw's is not published, and health decides.
func (s *Session) Restart(ctx context.Context, app string) (_ string, err error) {
	defer s.scrubErr(&err)
	if err := checkName("application name", app); err != nil {
		return "", fmt.Errorf("%s: %w", cmdRestart, err)
	}
	line := cmdRestart + " " + app
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.shell(ctx, line)
	if err != nil {
		return "", err
	}
	if text, bad := findError(out, false); bad {
		return "", &CommandError{Command: line, Text: text}
	}
	for _, l := range strings.Split(out, "\n") {
		if t := strings.TrimSpace(l); patterns.restartRefused.MatchString(t) {
			return "", &CommandError{Command: line, Text: strings.TrimSpace(out)}
		}
	}
	return out, nil
}

// AppState classifies an application's state as showrun prints it.
type AppState int

// The states RunningState tells apart.
const (
	StateUnknown AppState = iota
	StateRunning
	StateNotRunning
)

// RunningState classifies a showrun state word: Running, Starting,
// Stopped, ... (patterns.runningStates, notRunningStates).
func RunningState(state string) AppState {
	state = strings.TrimSpace(state)
	switch {
	case patterns.runningStates.MatchString(state):
		return StateRunning
	case patterns.notRunningStates.MatchString(state):
		return StateNotRunning
	}
	return StateUnknown
}

// Health runs `healthmon -l` and parses the report.
// The abnormal conditions it reports are masked like errors.
func (s *Session) Health(ctx context.Context) (_ *Health, err error) {
	defer s.scrubErr(&err)
	out, err := s.tool(ctx, cmdHealth)
	if err != nil {
		return nil, err
	}
	h, err := ParseHealth(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmdHealth, s.scrub(err))
	}
	for i, a := range h.Abnormal {
		h.Abnormal[i] = s.redactText(a, nil)
	}
	return h, nil
}

// Version runs `bwshowver` and parses it.
func (s *Session) Version(ctx context.Context) (_ *Version, err error) {
	defer s.scrubErr(&err)
	out, err := s.tool(ctx, cmdVersion)
	if err != nil {
		return nil, err
	}
	v, err := ParseVersion(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmdVersion, s.scrub(err))
	}
	return v, nil
}

// Showrun runs `showrun` and returns application name -> state.
func (s *Session) Showrun(ctx context.Context) (_ map[string]string, err error) {
	defer s.scrubErr(&err)
	out, err := s.tool(ctx, cmdShowrun)
	if err != nil {
		return nil, err
	}
	apps, err := ParseShowrun(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmdShowrun, s.scrub(err))
	}
	return apps, nil
}
