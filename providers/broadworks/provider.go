package broadworks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
	"github.com/bwstate/bwstate/providers/broadworks/sshconn"
)

// Defaults for Options fields left zero.
const (
	// DefaultCommandTimeout bounds one CLI or shell command. Real servers
	// answer in well under a second; restartbw and large tables are the
	// slow ones.
	DefaultCommandTimeout = 60 * time.Second
	// DefaultHealthPoll is the first interval between health probes while
	// waiting for an application to come back; it grows by half up to
	// maxHealthPoll.
	DefaultHealthPoll = 250 * time.Millisecond
	maxHealthPoll     = 2 * time.Second
	// closeTimeout bounds the polite `exit` when a session closes.
	closeTimeout = 5 * time.Second
)

// Options configure a Provider. The zero value works against real servers
// with the operator's ssh-agent, keys and ~/.ssh/config.
type Options struct {
	// Getenv reads the environment (password_env, SSH_AUTH_SOCK); nil means
	// os.Getenv.
	Getenv func(string) string
	// Prompter asks for key passphrases on a terminal; nil means none (an
	// encrypted key must then be in ssh-agent).
	Prompter sshconn.Prompter
	// SSHConfigPath is the ssh_config file for fallback defaults: "" means
	// ~/.ssh/config, "none" disables it.
	SSHConfigPath string
	// CommandTimeout bounds each command (DefaultCommandTimeout when zero);
	// a host's Connection.CommandTimeout (the configuration's
	// command_timeout) wins over it.
	CommandTimeout time.Duration
	// HealthPoll is the first interval between health probes
	// (DefaultHealthPoll when zero).
	HealthPoll time.Duration
	// TranscriptDir, when set, receives one transcript per session (what
	// was sent and received, secrets redacted), named HOST-TIME.log.
	TranscriptDir string
	// Secrets are values every session masks in what it records (its
	// transcript, the texts of its errors) from the login on: the raw
	// values of the configuration's sensitive variables. Sessions also
	// learn the values they write as sensitive, the values of sensitive
	// attributes they read, and what the engine gives them
	// (engine.Redactor).
	Secrets []string
	// AcceptNewHint is the opt-in a user can give to record unknown host
	// keys, named in the unknown-host error.
	AcceptNewHint string
	// Catalogue tells table columns and prompted attributes apart; nil
	// means catalog.New().
	Catalogue engine.Catalogue
	// KeepAliveInterval is passed to sshconn (0 = its default).
	KeepAliveInterval time.Duration
}

// Provider opens sessions to BroadWorks hosts. It is safe for concurrent
// use; Close it to close every connection it opened (shared jump hosts
// included).
type Provider struct {
	opts   Options
	dialer *sshconn.Dialer
	cat    engine.Catalogue
}

var _ engine.Provider = (*Provider)(nil)

// New returns a Provider.
func New(opts Options) *Provider {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.CommandTimeout == 0 {
		opts.CommandTimeout = DefaultCommandTimeout
	}
	if opts.HealthPoll == 0 {
		opts.HealthPoll = DefaultHealthPoll
	}
	cat := opts.Catalogue
	if cat == nil {
		cat = catalog.New()
	}
	return &Provider{
		opts: opts,
		cat:  cat,
		dialer: sshconn.NewDialer(sshconn.Options{
			Getenv:            opts.Getenv,
			Prompter:          opts.Prompter,
			SSHConfigPath:     opts.SSHConfigPath,
			AcceptNewHint:     opts.AcceptNewHint,
			KeepAliveInterval: opts.KeepAliveInterval,
		}),
	}
}

// Close closes every connection the provider opened.
func (p *Provider) Close() error { return p.dialer.Close() }

// Target turns a host of the inventory and its settings into an SSH
// target.
func Target(h *engine.Host, c *Connection) sshconn.Target {
	t := sshconn.Target{
		Alias:             h.Name,
		Host:              h.Address,
		Port:              c.Port,
		User:              c.User,
		KnownHostsFile:    c.KnownHosts,
		PasswordEnv:       c.PasswordEnv,
		Jump:              c.Jump,
		Timeout:           c.Timeout,
		AcceptNewHostKeys: c.AcceptNewHostKeys,
	}
	if c.IdentityFile != "" {
		t.IdentityFiles = []string{c.IdentityFile}
	}
	return t
}

// Open implements engine.Provider: it connects, opens a PTY shell and
// waits for the shell prompt. bwcli starts when a context is first read.
func (p *Provider) Open(ctx context.Context, h *engine.Host) (engine.Session, error) {
	conn, err := connection(h)
	if err != nil {
		return nil, err
	}
	client, err := p.dialer.Dial(ctx, Target(h, conn))
	if err != nil {
		return nil, err
	}
	shell, err := sshconn.OpenShell(ctx, client, sshconn.ShellOptions{})
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("ssh %s: %w", h.Name, err)
	}
	s := &session{p: p, host: h, client: client, shell: shell}
	var transcript io.Writer
	if p.opts.TranscriptDir != "" {
		f, err := createTranscript(p.opts.TranscriptDir, h.Name)
		if err != nil {
			shell.Close()
			client.Close()
			return nil, err
		}
		s.transcript = f
		transcript = f
	}
	opts, err := cliOptions(h.Name, conn)
	if err != nil {
		shell.Close()
		client.Close()
		if s.transcript != nil {
			s.transcript.Close()
		}
		return nil, err
	}
	opts.CommandTimeout, opts.Transcript = p.commandTimeout(conn), transcript
	s.cli = bwcli.New(shell.Stdout, shell.Stdin, opts)
	s.cli.AddSecrets(p.opts.Secrets...)
	if err := s.cli.WaitShell(ctx); err != nil {
		s.Close()
		hint := ""
		switch {
		case !errors.Is(err, context.DeadlineExceeded):
		case conn.ShellPrompt == "":
			hint = " (bwstate learns the prompt by sending an empty line at login and waiting for the prompt to repeat; if it cannot, set shell_prompt in the ssh block to a regular expression matching it)"
		default:
			hint = fmt.Sprintf(" (the shell_prompt %q never matched the last line received)", conn.ShellPrompt)
		}
		return nil, fmt.Errorf("host %s: waiting for the shell prompt: %w%s", h.Name, err, hint)
	}
	return s, nil
}

// cliOptions compiles the host's prompt settings (validated with the
// configuration; a mistake here names the setting).
func cliOptions(host string, c *Connection) (bwcli.Options, error) {
	var opts bwcli.Options
	if e := c.ShellPrompt; e != "" {
		re, err := bwcli.PromptPattern(e)
		if err != nil {
			return opts, fmt.Errorf("host %s: ssh shell_prompt: %w", host, err)
		}
		opts.ShellPrompt = re
	}
	if e := c.CLIPrompt; e != "" {
		re, err := bwcli.PromptPattern(e)
		if err != nil {
			return opts, fmt.Errorf("host %s: ssh cli_prompt: %w", host, err)
		}
		opts.CLIPrompt = re
	}
	return opts, nil
}

// commandTimeout is the host's command_timeout from the configuration, or
// the provider's: an operator who knows a slow site sets it per host.
func (p *Provider) commandTimeout(c *Connection) time.Duration {
	if c.CommandTimeout > 0 {
		return c.CommandTimeout
	}
	return p.opts.CommandTimeout
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

func createTranscript(dir, host string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("transcript: %w", err)
	}
	base := fmt.Sprintf("%s-%s", unsafeFileChars.ReplaceAllString(host, "_"), time.Now().UTC().Format("20060102T150405.000Z"))
	// Sessions to one host opened in the same millisecond (a parallel plan
	// and apply, retries) must not interleave in one file: the name is
	// taken exclusively, with a counter when it exists already.
	for i := 1; i <= maxTranscriptSuffix; i++ {
		name := base + ".log"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.log", base, i)
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("transcript: %w", err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("transcript: %s: %d files with this name exist", filepath.Join(dir, base+".log"), maxTranscriptSuffix)
}

// maxTranscriptSuffix bounds the names tried for one transcript; more
// sessions to one host within a millisecond means something else is wrong.
const maxTranscriptSuffix = 1000

// isAlarmsTable reports whether path is the alarms table, read with `list`.
func isAlarmsTable(path string) bool {
	return strings.EqualFold(catalog.CanonicalPath(path), alarmsPath)
}
