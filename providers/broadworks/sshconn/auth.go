package sshconn

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Prompter asks the operator for the passphrase of an encrypted identity
// file. It returns ErrNoTerminal (possibly wrapped) when no one can be asked.
type Prompter interface {
	Passphrase(keyFile string) ([]byte, error)
}

// ErrNoTerminal is returned by a Prompter that has no terminal to ask on.
var ErrNoTerminal = errors.New("no terminal to ask for a passphrase")

// passphraseAttempts is how often a wrong passphrase is asked again, as
// OpenSSH does.
const passphraseAttempts = 3

// AuthError is an authentication failure: no method the client could offer
// was accepted. It never holds a secret.
type AuthError struct {
	User string
	// Host names the server, as "xsp1 (bwadmin@10.1.0.11:22)".
	Host string
	// Tried lists the methods offered, in order, e.g. "publickey (ssh-agent)".
	Tried []string
	// ServerMethods are the methods the server said it accepts.
	ServerMethods []string
	// Notes say why methods were unavailable or skipped.
	Notes []string
	// Err is the handshake error, when there is one.
	Err error
}

func (e *AuthError) Error() string {
	var b strings.Builder
	if len(e.Tried) == 0 && len(e.ServerMethods) == 0 {
		fmt.Fprintf(&b, "no authentication method available for user %s at %s", e.User, e.Host)
	} else {
		fmt.Fprintf(&b, "authentication as %s failed at %s", e.User, e.Host)
		if len(e.Tried) > 0 {
			fmt.Fprintf(&b, "; tried %s", strings.Join(e.Tried, ", "))
		} else {
			b.WriteString("; no method could be tried")
		}
		if len(e.ServerMethods) > 0 {
			fmt.Fprintf(&b, "; server accepts %s", strings.Join(e.ServerMethods, ", "))
		}
	}
	for _, n := range e.Notes {
		b.WriteString("; ")
		b.WriteString(n)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	return b.String()
}

func (e *AuthError) Unwrap() error { return e.Err }

// keyStore caches identity files for the life of a Dialer, so that a
// passphrase is asked once per run and not once per host.
type keyStore struct {
	mu    sync.Mutex
	slots map[string]*keySlot
}

// keySlot's mutex is held while its passphrase is asked, so concurrent dials
// that need the same key wait for one prompt.
type keySlot struct {
	mu     sync.Mutex
	data   []byte
	readOK bool
	parsed bool
	signer ssh.Signer
	err    error
}

func (k *keyStore) slot(path string) *keySlot {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.slots[path]
	if s == nil {
		s = &keySlot{}
		k.slots[path] = s
	}
	return s
}

// read loads the file's bytes, reporting an unreadable file clearly.
func (k *keyStore) read(path string) error {
	s := k.slot(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOK {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("identity file %s: %w", path, unwrapPathError(err))
	}
	s.data, s.readOK = data, true
	return nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// signer parses the key, asking p for its passphrase when it is encrypted.
// A failure is remembered: the operator is not asked again for every host.
func (k *keyStore) signer(path string, p Prompter) (ssh.Signer, error) {
	if err := k.read(path); err != nil {
		return nil, err
	}
	s := k.slot(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parsed {
		return s.signer, s.err
	}
	s.signer, s.err = parseKey(path, s.data, p)
	s.parsed = true
	return s.signer, s.err
}

func parseKey(path string, data []byte, p Prompter) (ssh.Signer, error) {
	signer, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if !errors.As(err, &missing) {
		if err != nil {
			return nil, fmt.Errorf("identity file %s: %w", path, err)
		}
		return signer, nil
	}
	noTTY := fmt.Errorf("identity file %s is encrypted and there is no terminal to ask for its passphrase: load it into ssh-agent (ssh-add %s) and set SSH_AUTH_SOCK, or run from a terminal", path, path)
	if p == nil {
		return nil, noTTY
	}
	for range passphraseAttempts {
		pass, err := p.Passphrase(path)
		if errors.Is(err, ErrNoTerminal) {
			return nil, noTTY
		}
		if err != nil {
			return nil, fmt.Errorf("identity file %s: read passphrase: %w", path, err)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(data, pass)
		clear(pass)
		if errors.Is(err, x509.IncorrectPasswordError) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("identity file %s: %w", path, err)
		}
		return signer, nil
	}
	return nil, fmt.Errorf("identity file %s: wrong passphrase (%d attempts)", path, passphraseAttempts)
}

// authStep is one link of the auth chain. make builds the method when its
// turn comes, so an agent is only asked, and a passphrase only prompted
// for, when the methods before it failed.
type authStep struct {
	method string // RFC 4252 name the server must accept
	label  string
	make   func() (ssh.AuthMethod, bool)
}

// authChain drives ssh.ClientConfig.AuthCallback through ssh-agent,
// identity files, password and keyboard-interactive, each once and only if
// available. x/crypto would try only one "publickey" method from
// ClientConfig.Auth; the callback lets agent keys and files be separate steps.
type authChain struct {
	d     *Dialer
	ctx   context.Context
	hop   endpoint
	guard *handshakeGuard
	steps []authStep
	pos   int

	mu            sync.Mutex // the keyboard-interactive callback may add notes
	tried         []string
	serverMethods []string
	notes         []string
	exhausted     bool
	agentConn     net.Conn
}

var errAuthExhausted = errors.New("no authentication method left to try")

func (d *Dialer) newAuthChain(ctx context.Context, hop endpoint, s *settings, g *handshakeGuard) *authChain {
	a := &authChain{d: d, ctx: ctx, hop: hop, guard: g}
	if sock := d.getenv("SSH_AUTH_SOCK"); sock != "" {
		a.steps = append(a.steps, authStep{method: "publickey", label: "publickey (ssh-agent)", make: func() (ssh.AuthMethod, bool) {
			return a.agentMethod(sock)
		}})
	}
	if len(s.identities) > 0 {
		var names []string
		for _, id := range s.identities {
			names = append(names, id.path)
		}
		a.steps = append(a.steps, authStep{method: "publickey", label: "publickey (" + strings.Join(names, ", ") + ")", make: func() (ssh.AuthMethod, bool) {
			return a.fileMethod(s.identities)
		}})
	}
	if s.passwordEnv != "" {
		if pw := d.getenv(s.passwordEnv); pw != "" {
			a.steps = append(a.steps,
				authStep{method: "password", label: "password (from " + s.passwordEnv + ")", make: func() (ssh.AuthMethod, bool) {
					return ssh.Password(pw), true
				}},
				authStep{method: "keyboard-interactive", label: "keyboard-interactive (password from " + s.passwordEnv + ")", make: func() (ssh.AuthMethod, bool) {
					return ssh.KeyboardInteractive(a.answer(pw)), true
				}})
		} else {
			a.notef("environment variable %s is empty or unset", s.passwordEnv)
		}
	}
	return a
}

// next is the ssh.ClientAuthCallback.
func (a *authChain) next(ac *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
	a.mu.Lock()
	a.serverMethods = slices.Clone(ac.AllowedMethods)
	a.mu.Unlock()
	for a.pos < len(a.steps) {
		st := a.steps[a.pos]
		a.pos++
		if !slices.Contains(ac.AllowedMethods, st.method) {
			continue
		}
		m, ok := st.make()
		if !ok {
			continue
		}
		a.mu.Lock()
		a.tried = append(a.tried, st.label)
		a.mu.Unlock()
		return m, nil
	}
	a.mu.Lock()
	a.exhausted = true
	a.mu.Unlock()
	return nil, errAuthExhausted
}

func (a *authChain) agentMethod(sock string) (ssh.AuthMethod, bool) {
	var nd net.Dialer
	conn, err := nd.DialContext(a.ctx, "unix", sock)
	if err != nil {
		a.notef("ssh-agent at SSH_AUTH_SOCK=%s: %v", sock, err)
		return nil, false
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		conn.Close()
		a.notef("ssh-agent at SSH_AUTH_SOCK=%s: list keys: %v", sock, err)
		return nil, false
	}
	if len(signers) == 0 {
		conn.Close()
		a.notef("ssh-agent at SSH_AUTH_SOCK=%s holds no keys", sock)
		return nil, false
	}
	// The agent signs during authentication, so the connection stays open
	// until the handshake ends.
	a.mu.Lock()
	a.agentConn = conn
	a.mu.Unlock()
	return ssh.PublicKeys(signers...), true
}

func (a *authChain) fileMethod(ids []identity) (ssh.AuthMethod, bool) {
	// Waiting for, or typing, a passphrase must not count against the
	// handshake timeout.
	a.guard.pause()
	defer a.guard.resume()
	var signers []ssh.Signer
	for _, id := range ids {
		s, err := a.d.keys.signer(id.path, a.d.opts.Prompter)
		if err != nil {
			a.notef("%v", err)
			continue
		}
		signers = append(signers, s)
	}
	if len(signers) == 0 {
		return nil, false
	}
	return ssh.PublicKeys(signers...), true
}

// answer replies to password-like keyboard-interactive questions with the
// password; any other question cannot be answered unattended.
func (a *authChain) answer(pw string) ssh.KeyboardInteractiveChallenge {
	return func(_, _ string, questions []string, _ []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i, q := range questions {
			if !isPasswordPrompt(q) {
				a.notef("keyboard-interactive: cannot answer the server's question %q unattended", strings.TrimSpace(q))
				return nil, fmt.Errorf("keyboard-interactive: unexpected question %q", q)
			}
			answers[i] = pw
		}
		return answers, nil
	}
}

func isPasswordPrompt(q string) bool {
	q = strings.ToLower(q)
	if strings.Contains(q, "new ") || strings.Contains(q, "again") || strings.Contains(q, "retype") {
		// A forced password change cannot be answered with the old password.
		return false
	}
	return strings.Contains(q, "password") || strings.Contains(q, "passcode")
}

func (a *authChain) notef(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := fmt.Sprintf(format, args...)
	if !slices.Contains(a.notes, n) {
		a.notes = append(a.notes, n)
	}
}

// failed reports whether a handshake error is an authentication failure.
func (a *authChain) failed(err error) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.exhausted || errors.Is(err, errAuthExhausted) {
		return true
	}
	// The server may give up first: OpenSSH disconnects after MaxAuthTries.
	return len(a.tried) > 0 && strings.Contains(err.Error(), "authentication")
}

func (a *authChain) error(err error) *AuthError {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := &AuthError{
		User:          a.hop.user,
		Host:          a.hop.String(),
		Tried:         slices.Clone(a.tried),
		ServerMethods: slices.Clone(a.serverMethods),
		Notes:         slices.Clone(a.notes),
	}
	if !errors.Is(err, errAuthExhausted) {
		e.Err = err
	}
	return e
}

func (a *authChain) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.agentConn != nil {
		a.agentConn.Close()
	}
}
