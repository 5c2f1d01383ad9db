package sshconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Defaults applied by NewDialer and Dial to zero-valued fields.
const (
	DefaultTimeout           = 30 * time.Second
	DefaultKeepAliveInterval = 5 * time.Second
	DefaultKeepAliveMax      = 3
	// DefaultMaxDialsPerJump stays below OpenSSH's MaxStartups (10:30:100),
	// past which a bastion starts dropping unauthenticated connections.
	DefaultMaxDialsPerJump = 10
	DefaultRetryDelay      = time.Second
	DefaultKnownHostsFile  = "~/.ssh/known_hosts"
	// DefaultSSHConfigPath is read for fallback defaults when
	// Options.SSHConfigPath is empty. "none" disables it.
	DefaultSSHConfigPath = "~/.ssh/config"
)

// Target says where and how to connect. Every field the caller sets wins
// over ~/.ssh/config; empty fields fall back to it, then to OpenSSH's
// defaults.
type Target struct {
	// Alias names the host in messages and is the first name looked up in
	// ~/.ssh/config ("xsp1").
	Alias string
	// Host is the address to connect to. Empty means ssh_config's HostName
	// for Alias, or Alias itself.
	Host string
	// Port defaults to ssh_config's Port, then 22.
	Port int
	// User defaults to ssh_config's User, then the local user.
	User string
	// IdentityFiles default to ssh_config's IdentityFile entries, then to
	// ~/.ssh/id_ed25519, id_ecdsa and id_rsa when they exist. Files named
	// here must be readable; fallback files that do not exist are skipped.
	IdentityFiles []string
	// KnownHostsFile defaults to ~/.ssh/known_hosts.
	KnownHostsFile string
	// PasswordEnv is the NAME of the environment variable holding the
	// password for password and keyboard-interactive authentication.
	PasswordEnv string
	// Jump is a ProxyJump chain: "[user@]host[:port][,...]". Empty means
	// ssh_config's ProxyJump; "none" means a direct connection.
	Jump string
	// Timeout bounds the TCP connect plus the SSH handshake of each hop
	// (DefaultTimeout when zero). Time spent waiting for the operator to type
	// a passphrase does not count.
	Timeout time.Duration
	// AcceptNewHostKeys records the key of a host missing from known_hosts
	// (trust on first use). A changed key is still refused.
	AcceptNewHostKeys bool
}

// Options configure a Dialer. Zero values select the defaults.
type Options struct {
	// Getenv reads SSH_AUTH_SOCK, USER and the password variables;
	// os.Getenv when nil.
	Getenv func(string) string
	// Prompter asks for passphrases of encrypted identity files. Nil means
	// no one can be asked: such keys are skipped with an error that says to
	// load them into ssh-agent.
	Prompter Prompter
	// SSHConfigPath is the ssh_config file used for fallback defaults;
	// DefaultSSHConfigPath when empty, none when "none". A missing file is
	// not an error.
	SSHConfigPath string
	// HomeDir expands "~"; os.UserHomeDir when empty.
	HomeDir string
	// KeepAliveInterval is the period of keepalive requests and the time
	// each may take to be answered; negative disables keepalives.
	KeepAliveInterval time.Duration
	// KeepAliveMax unanswered keepalives in a row close the connection.
	KeepAliveMax int
	// MaxDialsPerJump caps concurrent connection attempts through one jump
	// host connection.
	MaxDialsPerJump int
	// DialAttempts is how many times a hop is tried when the network fails
	// (connection refused, reset, timeout); 1 when zero. Host key and
	// authentication failures are never retried.
	DialAttempts int
	// RetryDelay is the pause between attempts.
	RetryDelay time.Duration
	// DialContext opens TCP connections; a net.Dialer when nil. Tests and
	// callers with special routing inject their own.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// AcceptNewHint tells the operator, inside an *UnknownHostKeyError, how
	// to opt in to recording new host keys in the words of the calling
	// program (a flag or a configuration attribute).
	AcceptNewHint string
	// Logger receives debug and warning events; discarded when nil.
	Logger *slog.Logger
}

// Dialer connects to hosts. It is safe for concurrent use; Close it when the
// run ends to close shared jump host connections.
type Dialer struct {
	opts   Options
	log    *slog.Logger
	getenv func(string) string

	// base is cancelled by Close; dials of shared jump connections run
	// under it rather than under the context of whichever caller came first.
	base       context.Context
	cancelBase context.CancelFunc

	keys  keyStore
	hosts knownHostsStore
	cfg   sshConfig

	mu      sync.Mutex
	closed  bool
	jumps   map[string]*jumpEntry
	clients map[*Client]struct{}
}

// NewDialer returns a Dialer with opts' zero values replaced by defaults.
func NewDialer(opts Options) *Dialer {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.SSHConfigPath == "" {
		opts.SSHConfigPath = DefaultSSHConfigPath
	}
	if opts.KeepAliveInterval == 0 {
		opts.KeepAliveInterval = DefaultKeepAliveInterval
	}
	if opts.KeepAliveMax <= 0 {
		opts.KeepAliveMax = DefaultKeepAliveMax
	}
	if opts.MaxDialsPerJump <= 0 {
		opts.MaxDialsPerJump = DefaultMaxDialsPerJump
	}
	if opts.DialAttempts <= 0 {
		opts.DialAttempts = 1
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = DefaultRetryDelay
	}
	if opts.DialContext == nil {
		var nd net.Dialer
		opts.DialContext = nd.DialContext
	}
	if opts.AcceptNewHint == "" {
		opts.AcceptNewHint = "enable accepting new host keys (trust on first use)"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, cancel := context.WithCancel(context.Background())
	return &Dialer{
		opts:       opts,
		log:        log,
		getenv:     opts.Getenv,
		base:       base,
		cancelBase: cancel,
		keys:       keyStore{slots: map[string]*keySlot{}},
		hosts:      knownHostsStore{cache: map[string]*knownHostsEntry{}},
		jumps:      map[string]*jumpEntry{},
		clients:    map[*Client]struct{}{},
	}
}

// ErrDialerClosed is returned by Dial after Close.
var ErrDialerClosed = errors.New("ssh dialer closed")

// Dial connects to t, through its jump hosts if any, authenticates and
// starts keepalives. Errors name the host; host key and authentication
// failures are *UnknownHostKeyError, *HostKeyChangedError or *AuthError.
func (d *Dialer) Dial(ctx context.Context, t Target) (*Client, error) {
	r, err := d.resolve(t)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", targetName(t), err)
	}
	if err := d.preflight(r); err != nil {
		if selfDescribing(err) {
			return nil, err
		}
		return nil, fmt.Errorf("ssh %s: %w", r.target, err)
	}

	var via *jumpEntry
	for _, hop := range r.jumps {
		e, err := d.acquireJump(ctx, hop, &r.settings, via)
		if err != nil {
			if selfDescribing(err) {
				return nil, fmt.Errorf("ssh %s: through jump host: %w", r.target, err)
			}
			return nil, fmt.Errorf("ssh %s: jump host %s: %w", r.target, hop, err)
		}
		via = e
	}
	release := func() {}
	if via != nil {
		release = func() { d.releaseJump(via) }
	}

	sc, err := d.dialHop(ctx, r.target, &r.settings, via)
	if err != nil {
		release()
		if selfDescribing(err) {
			return nil, err
		}
		return nil, fmt.Errorf("ssh %s: %w", r.target, err)
	}
	c := d.newClient(sc, r.target.String(), release, nil)

	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		c.Close()
		return nil, fmt.Errorf("ssh %s: %w", r.target, ErrDialerClosed)
	}
	d.clients[c] = struct{}{}
	d.mu.Unlock()
	return c, nil
}

// selfDescribing reports the typed errors whose messages already name the
// host and say what to do.
func selfDescribing(err error) bool {
	switch err.(type) {
	case *UnknownHostKeyError, *HostKeyChangedError, *AuthError:
		return true
	}
	return false
}

// Close closes every client this Dialer returned that is still open and
// every shared jump host connection. Dial fails afterwards.
func (d *Dialer) Close() error {
	d.mu.Lock()
	d.closed = true
	clients := make([]*Client, 0, len(d.clients))
	for c := range d.clients {
		clients = append(clients, c)
	}
	d.mu.Unlock()
	d.cancelBase()

	var errs []error
	for _, c := range clients {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	// Entries still here were being dialled or are held by dials that
	// failed to finish; their owners release them, but the connections
	// must not outlive the Dialer.
	d.mu.Lock()
	var jumps []*Client
	for k, e := range d.jumps {
		if e.done && e.client != nil {
			jumps = append(jumps, e.client)
		}
		delete(d.jumps, k)
	}
	d.mu.Unlock()
	for _, c := range jumps {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d *Dialer) forget(c *Client) {
	d.mu.Lock()
	delete(d.clients, c)
	d.mu.Unlock()
}

// dialHop connects to one hop, directly or through via, retrying network
// failures as Options.DialAttempts allows.
func (d *Dialer) dialHop(ctx context.Context, hop endpoint, s *settings, via *jumpEntry) (*ssh.Client, error) {
	for attempt := 1; ; attempt++ {
		c, retry, err := d.dialOnce(ctx, hop, s, via)
		if err == nil {
			return c, nil
		}
		if !retry || attempt >= d.opts.DialAttempts || ctx.Err() != nil {
			return nil, err
		}
		d.log.Debug("ssh dial failed, retrying", "host", hop.String(), "attempt", attempt, "err", err)
		t := time.NewTimer(d.opts.RetryDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

// dialOnce makes one attempt. retry reports whether the failure was the
// network's, which is worth another attempt.
func (d *Dialer) dialOnce(ctx context.Context, hop endpoint, s *settings, via *jumpEntry) (_ *ssh.Client, retry bool, _ error) {
	deadline := time.Now().Add(s.timeout)
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	hk, err := d.hostKeyCheck(hop, s)
	if err != nil {
		return nil, false, err
	}

	var conn net.Conn
	if via == nil {
		conn, err = d.opts.DialContext(cctx, "tcp", hop.addr())
		if err != nil {
			return nil, ctx.Err() == nil, fmt.Errorf("connect: %w", timeoutCause(ctx, cctx, s.timeout, err))
		}
	} else {
		if err := via.sem.Acquire(cctx, 1); err != nil {
			return nil, ctx.Err() == nil, fmt.Errorf("wait for a dial slot on jump host %s: %w", via.name, timeoutCause(ctx, cctx, s.timeout, err))
		}
		defer via.sem.Release(1)
		// Acquire may succeed after the context ended when a slot frees at
		// the same moment.
		if err := cctx.Err(); err != nil {
			return nil, ctx.Err() == nil, fmt.Errorf("connect via jump host %s: %w", via.name, timeoutCause(ctx, cctx, s.timeout, err))
		}
		conn, err = via.client.DialContext(cctx, "tcp", hop.addr())
		if err != nil {
			return nil, ctx.Err() == nil, fmt.Errorf("connect via jump host %s: %w", via.name, timeoutCause(ctx, cctx, s.timeout, err))
		}
	}

	g := startGuard(ctx, conn, deadline, s.timeout)
	auth := d.newAuthChain(ctx, hop, s, g)
	defer auth.close()
	cfg := &ssh.ClientConfig{
		User:              hop.user,
		HostKeyCallback:   hk.callback,
		HostKeyAlgorithms: hk.algorithms,
		AuthCallback:      auth.next,
	}
	sconn, chans, reqs, err := ssh.NewClientConn(conn, hop.addr(), cfg)
	aborted := g.finish(err)
	if err != nil {
		switch {
		case hk.failure() != nil:
			return nil, false, hk.failure()
		case auth.failed(err):
			return nil, false, auth.error(err)
		case aborted != nil:
			return nil, ctx.Err() == nil, fmt.Errorf("ssh handshake: %w", aborted)
		}
		return nil, true, fmt.Errorf("ssh handshake: %w", err)
	}
	if aborted != nil {
		sconn.Close()
		return nil, ctx.Err() == nil, fmt.Errorf("ssh handshake: %w", aborted)
	}
	return ssh.NewClient(sconn, chans, reqs), false, nil
}

// timeoutCause turns the per-hop deadline into an error that says which
// timeout passed, keeping the caller's own cancellation as it is.
func timeoutCause(parent, hop context.Context, timeout time.Duration, err error) error {
	if parent.Err() == nil && errors.Is(hop.Err(), context.DeadlineExceeded) {
		return &timeoutError{timeout: timeout}
	}
	return err
}

type timeoutError struct{ timeout time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("no answer within the %s timeout", e.timeout)
}

func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }

// Timeout lets callers that test net.Error see a timeout.
func (e *timeoutError) Timeout() bool { return true }

// handshakeGuard abandons an SSH handshake when ctx ends or the deadline
// passes: ssh.NewClientConn takes no context. A TCP connection gets a read
// and write deadline; a channel through a jump host, which has none, is
// closed. The clock stops while the operator types a passphrase.
type handshakeGuard struct {
	conn    net.Conn
	timer   *time.Timer
	timeout time.Duration

	mu        sync.Mutex
	deadline  time.Time
	remaining time.Duration
	paused    int
	finished  bool
	aborted   error
	stopCtx   func() bool
}

func startGuard(ctx context.Context, conn net.Conn, deadline time.Time, timeout time.Duration) *handshakeGuard {
	g := &handshakeGuard{conn: conn, deadline: deadline, timeout: timeout}
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = conn.SetDeadline(deadline) // channels refuse deadlines; the timer covers them
	g.timer = time.AfterFunc(time.Until(deadline), func() { g.abort(&timeoutError{timeout: timeout}, false) })
	g.stopCtx = context.AfterFunc(ctx, func() { g.abort(ctx.Err(), true) })
	return g
}

func (g *handshakeGuard) abort(why error, fromCtx bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finished || g.aborted != nil || (!fromCtx && g.paused > 0) {
		return
	}
	g.aborted = why
	if err := g.conn.SetDeadline(time.Unix(1, 0)); err != nil {
		g.conn.Close()
	}
}

// pause stops the clock, for a passphrase prompt.
func (g *handshakeGuard) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused++
	if g.paused > 1 || g.finished || g.aborted != nil {
		return
	}
	g.timer.Stop()
	g.remaining = time.Until(g.deadline)
	_ = g.conn.SetDeadline(time.Time{})
}

func (g *handshakeGuard) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused--
	if g.paused > 0 || g.finished || g.aborted != nil {
		return
	}
	g.deadline = time.Now().Add(g.remaining)
	_ = g.conn.SetDeadline(g.deadline)
	g.timer.Reset(g.remaining)
}

// finish ends the guard's watch and clears the deadline so that the
// connection lives on; it returns why the handshake was abandoned, if it was.
func (g *handshakeGuard) finish(handshakeErr error) error {
	g.stopCtx()
	g.timer.Stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.finished = true
	if handshakeErr != nil && g.aborted == nil && g.paused == 0 && !time.Now().Before(g.deadline) {
		// The connection's own deadline may fire before the timer does.
		g.aborted = &timeoutError{timeout: g.timeout}
	}
	if g.aborted == nil {
		_ = g.conn.SetDeadline(time.Time{})
	}
	return g.aborted
}
