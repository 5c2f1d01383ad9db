package sshconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/ssh"
)

// SessionOpener opens SSH sessions; *ssh.Client and *Client satisfy it.
type SessionOpener interface {
	NewSession() (*ssh.Session, error)
}

// ShellOptions shape the PTY of an interactive shell. Zero values select a
// vt100 terminal of 512 columns by 200 rows: wide enough that BWCLI never
// wraps a line, which would break parsing of its tables.
type ShellOptions struct {
	Term  string
	Cols  int
	Rows  int
	Modes ssh.TerminalModes
}

// Shell is an interactive login shell on a PTY. Stdout carries stdout and
// stderr merged, as a terminal shows them.
type Shell struct {
	Stdin  io.WriteCloser
	Stdout io.Reader

	session *ssh.Session
	out     *io.PipeReader
	waited  chan struct{}
	waitErr error
	once    sync.Once
}

// OpenShell starts a shell with a PTY on c. x/crypto's session setup takes
// no context: when ctx ends first, OpenShell returns and the half-open
// session is closed in the background as soon as the server answers (or
// the connection closes).
func OpenShell(ctx context.Context, c SessionOpener, opts ShellOptions) (*Shell, error) {
	if opts.Term == "" {
		opts.Term = "vt100"
	}
	if opts.Cols <= 0 {
		opts.Cols = 512
	}
	if opts.Rows <= 0 {
		opts.Rows = 200
	}
	if opts.Modes == nil {
		opts.Modes = ssh.TerminalModes{ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open shell: %w", err)
	}
	type result struct {
		sh  *Shell
		err error
	}
	res := make(chan result, 1)
	go func() {
		sh, err := openShell(c, opts)
		res <- result{sh, err}
	}()
	select {
	case r := <-res:
		return r.sh, r.err
	case <-ctx.Done():
		go func() {
			if r := <-res; r.sh != nil {
				r.sh.Close()
			}
		}()
		return nil, fmt.Errorf("open shell: %w", ctx.Err())
	}
}

func openShell(c SessionOpener, opts ShellOptions) (*Shell, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, fmt.Errorf("open shell: new session: %w", err)
	}
	fail := func(what string, err error) (*Shell, error) {
		sess.Close()
		return nil, fmt.Errorf("open shell: %s: %w", what, err)
	}
	if err := sess.RequestPty(opts.Term, opts.Rows, opts.Cols, opts.Modes); err != nil {
		return fail("request pty", err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return fail("stdin", err)
	}
	// One pipe for both streams: stderr can neither block the channel nor
	// be lost.
	pr, pw := io.Pipe()
	sess.Stdout = pw
	sess.Stderr = pw
	if err := sess.Shell(); err != nil {
		pr.Close()
		return fail("start shell", err)
	}
	sh := &Shell{Stdin: stdin, Stdout: pr, session: sess, out: pr, waited: make(chan struct{})}
	go func() {
		sh.waitErr = sess.Wait()
		pw.Close() // readers see io.EOF once the shell has ended
		close(sh.waited)
	}()
	return sh, nil
}

// Wait waits for the shell to end and returns its exit status as
// *ssh.ExitError, or why the session ended otherwise.
func (s *Shell) Wait() error {
	<-s.waited
	return s.waitErr
}

// Close closes the session; pending reads of Stdout return io.EOF or
// io.ErrClosedPipe. It is safe to call more than once.
func (s *Shell) Close() error {
	var err error
	s.once.Do(func() {
		err = s.session.Close()
		s.out.Close()
		if errors.Is(err, io.EOF) {
			err = nil // the shell had already ended
		}
	})
	return err
}
