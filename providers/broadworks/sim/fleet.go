package sim

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Options control how a lab is served.
type Options struct {
	// StateDir keeps host keys (hostkeys/NAME), known_hosts, the client key
	// id_ed25519 (+ .pub) and commands.log. Required.
	StateDir string
	// BindIP, when set, replaces the IP of every listen address.
	BindIP string

	// now replaces the clock (tests).
	now func() time.Time
}

// Command is one command a host received: a shell command line, or one
// `;`-separated bwcli command (confirmation answers included, typed
// passwords never).
type Command struct {
	Host string
	// Kind is "shell" or "cli".
	Kind string
	Line string
	// Queued is set for a command that came on the same line as the one
	// before it (a `;` item after the first, such as the y of exit;y): it
	// cost no round trip of its own. Not in commands.log.
	Queued bool
}

// Fleet is a running lab: one SSH listener per simulated host.
type Fleet struct {
	cat      *catalogue
	hosts    []*Host
	byName   map[string]*Host
	dir      string
	now      func() time.Time
	clientPK ssh.PublicKey

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	log      *os.File
	commands []Command
	closed   bool
}

// Start validates the lab, listens on every host's address and serves until
// Close. A listen port of 0 picks a free port (see Host.Addr).
func Start(lab *Lab, opts Options) (*Fleet, error) {
	if opts.StateDir == "" {
		return nil, errors.New("start lab: a state directory is required")
	}
	if opts.BindIP != "" && net.ParseIP(opts.BindIP) == nil {
		return nil, fmt.Errorf("start lab: bind address %q is not an IP address", opts.BindIP)
	}
	f, err := newFleet(lab, opts)
	if err != nil {
		return nil, fmt.Errorf("start lab: %w", err)
	}
	started := false
	defer func() {
		if !started {
			f.closeListeners()
			f.cancel()
		}
	}()
	if err := os.MkdirAll(filepath.Join(f.dir, "hostkeys"), 0o700); err != nil {
		return nil, fmt.Errorf("start lab: %w", err)
	}
	client, err := loadOrCreateKey(f.ClientKeyPath(), "bwstate-lab-client")
	if err != nil {
		return nil, fmt.Errorf("start lab: client key: %w", err)
	}
	f.clientPK = client.PublicKey()
	if err := writePublicKey(f.ClientKeyPath()+".pub", f.clientPK, "bwstate-lab-client"); err != nil {
		return nil, fmt.Errorf("start lab: client key: %w", err)
	}
	for _, h := range f.hosts {
		h.signer, err = loadOrCreateKey(filepath.Join(f.dir, "hostkeys", h.cfg.Name), "bwstate-lab-"+h.cfg.Name)
		if err != nil {
			return nil, fmt.Errorf("start lab: host %s: host key: %w", h.cfg.Name, err)
		}
	}
	for _, h := range f.hosts {
		addr := h.cfg.Listen
		if opts.BindIP != "" {
			_, port, _ := net.SplitHostPort(addr)
			addr = net.JoinHostPort(opts.BindIP, port)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("start lab: host %s: %w", h.cfg.Name, err)
		}
		h.ln = ln
		h.addr = ln.Addr().String()
	}
	if err := f.writeKnownHosts(); err != nil {
		return nil, fmt.Errorf("start lab: %w", err)
	}
	f.log, err = os.OpenFile(f.CommandLogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start lab: %w", err)
	}
	started = true
	for _, h := range f.hosts {
		f.wg.Add(1)
		go h.serve()
	}
	return f, nil
}

// newFleet validates the lab and builds the hosts without listening, so
// in-memory tests can drive them.
func newFleet(lab *Lab, opts Options) (*Fleet, error) {
	f := &Fleet{cat: newCatalogue(), byName: map[string]*Host{}, dir: opts.StateDir, now: opts.now}
	if f.now == nil {
		f.now = time.Now
	}
	for _, hc := range lab.Hosts {
		if err := hc.validate(f.cat); err != nil {
			return nil, err
		}
		if _, dup := f.byName[hc.Name]; dup {
			return nil, fmt.Errorf("host %s is declared twice", hc.Name)
		}
		cfg := *hc
		var script *replayScript
		if hc.Replay != "" {
			script = lab.scripts[hc.Name]
			if script == nil {
				data, err := readTranscript(hc.Replay)
				if err != nil {
					return nil, fmt.Errorf("host %s: replay: %w", hc.Name, err)
				}
				if script, err = parseReplay(data); err != nil {
					return nil, fmt.Errorf("host %s: replay %s: %w", hc.Name, hc.Replay, err)
				}
			}
			// The transcript tells what it recorded, when it is something
			// the simulator knows.
			if _, known := f.cat.types[script.serverType]; cfg.Type == "" && known {
				cfg.Type = script.serverType
			}
			if _, err := releaseNumber(script.release); cfg.Release == "" && err == nil {
				cfg.Release = script.release
			}
		}
		h := &Host{fleet: f, cfg: &cfg, info: f.cat.types[cfg.Type], root: f.cat.trees[cfg.Type], faults: hc.Faults, replay: script}
		h.release, _ = releaseNumber(cfg.Release)
		if script == nil {
			h.apps = hc.apps(f.cat)
		}
		f.hosts = append(f.hosts, h)
		f.byName[hc.Name] = h
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	return f, nil
}

func (f *Fleet) closeListeners() {
	for _, h := range f.hosts {
		if h.ln != nil {
			_ = h.ln.Close()
		}
	}
}

// Close stops the listeners, closes every connection, waits for the
// connections' goroutines and cancels pending application starts.
func (f *Fleet) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.mu.Unlock()
	f.cancel()
	f.closeListeners()
	for _, h := range f.hosts {
		h.closeConns()
	}
	f.wg.Wait()
	for _, h := range f.hosts {
		h.stopTimers()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.log == nil {
		return nil
	}
	if err := f.log.Close(); err != nil {
		return fmt.Errorf("close lab: command log: %w", err)
	}
	return nil
}

// Host returns a host by name, or nil.
func (f *Fleet) Host(name string) *Host { return f.byName[name] }

// Hosts returns the hosts in lab order.
func (f *Fleet) Hosts() []*Host { return append([]*Host(nil), f.hosts...) }

// KnownHostsPath is the OpenSSH known_hosts file listing every host's key.
func (f *Fleet) KnownHostsPath() string { return filepath.Join(f.dir, "known_hosts") }

// ClientKeyPath is the private key (OpenSSH format) every host accepts.
func (f *Fleet) ClientKeyPath() string { return filepath.Join(f.dir, "id_ed25519") }

// CommandLogPath is the log of every command received, one
// `HOST shell|cli COMMAND` per line, appended across restarts.
func (f *Fleet) CommandLogPath() string { return filepath.Join(f.dir, "commands.log") }

// Commands returns every command received since Start, in order.
func (f *Fleet) Commands() []Command {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Command(nil), f.commands...)
}

// record appends a command to the in-memory list and the log file. The log
// is written line by line so a tail -f or a crashed lab still shows every
// command.
func (f *Fleet) record(host, kind, line string, queued bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commands = append(f.commands, Command{Host: host, Kind: kind, Line: line, Queued: queued})
	if f.log != nil && !f.closed {
		_, _ = fmt.Fprintf(f.log, "%s %s %s\n", host, kind, line)
	}
}

func (f *Fleet) writeKnownHosts() error {
	var b strings.Builder
	for _, h := range f.hosts {
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(h.addr)}, h.signer.PublicKey()))
		b.WriteByte('\n')
	}
	return writeFileAtomic(f.KnownHostsPath(), []byte(b.String()), 0o644)
}

// loadOrCreateKey reads an OpenSSH ed25519 private key, creating it (mode
// 0600) when missing, so host keys stay the same across lab restarts.
func loadOrCreateKey(path, comment string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		s, err := ssh.ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	blk, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

func newEphemeralSigner() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

func writePublicKey(path string, pk ssh.PublicKey, comment string) error {
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " " + comment + "\n"
	return writeFileAtomic(path, []byte(line), 0o644)
}

// writeFileAtomic writes through a temporary file and a rename, so a reader
// (ssh, a test) never sees a half-written file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
