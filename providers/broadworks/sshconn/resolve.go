package sshconn

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	sshconfig "github.com/kevinburke/ssh_config"
)

// endpoint is one SSH server on the way to a target.
type endpoint struct {
	// name is what the operator calls the host (alias), or its address.
	name string
	host string
	port int
	user string
}

func (e endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// String renders "xsp1 (bwadmin@10.1.0.11:22)", or "bwadmin@10.1.0.11:22"
// when the name is the address.
func (e endpoint) String() string {
	full := e.user + "@" + e.addr()
	if e.name == "" || e.name == e.host {
		return full
	}
	return e.name + " (" + full + ")"
}

// identity is one identity file; explicit ones were named by the caller or
// by ssh_config and must be readable, default ones are used if present.
type identity struct {
	path     string
	explicit bool
}

// settings are shared by a target and its jump hosts: the same host key
// policy and the same auth chain.
type settings struct {
	identities  []identity
	knownHosts  string
	passwordEnv string
	timeout     time.Duration
	acceptNew   bool
}

// route is a Target with every default applied.
type route struct {
	target endpoint
	jumps  []endpoint
	settings
}

func targetName(t Target) string {
	if t.Alias != "" {
		return t.Alias
	}
	return t.Host
}

// resolve applies ssh_config fallbacks and defaults to t. Caller values win.
func (d *Dialer) resolve(t Target) (*route, error) {
	alias := targetName(t)
	if alias == "" {
		return nil, errors.New("no host given")
	}
	cfg, err := d.cfg.load(d)
	if err != nil {
		return nil, err
	}
	// The alias is looked up first, then the address, so that entries
	// keyed by either apply.
	names := []string{alias}
	if t.Host != "" && t.Host != alias {
		names = append(names, t.Host)
	}
	lookup := func(key string) string { return cfg.get(names, key) }

	ep := endpoint{name: alias, host: t.Host, port: t.Port, user: t.User}
	if ep.host == "" {
		ep.host = alias
		if v := lookup("HostName"); v != "" {
			ep.host = expandTokens(v, tokenValues{host: alias})
		}
	}
	if ep.port == 0 {
		if ep.port, err = configPort(lookup("Port")); err != nil {
			return nil, err
		}
	}
	if ep.user == "" {
		ep.user = lookup("User")
	}
	if ep.user == "" {
		if ep.user, err = d.localUser(); err != nil {
			return nil, err
		}
	}

	r := &route{target: ep}
	r.timeout = t.Timeout
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	r.acceptNew = t.AcceptNewHostKeys
	r.passwordEnv = t.PasswordEnv
	tok := tokenValues{host: ep.host, port: ep.port, user: ep.user}

	khFile := t.KnownHostsFile
	if khFile == "" {
		khFile = DefaultKnownHostsFile
	}
	if r.knownHosts, err = d.expandPath(khFile); err != nil {
		return nil, fmt.Errorf("known_hosts file: %w", err)
	}

	switch {
	case len(t.IdentityFiles) > 0:
		for _, f := range t.IdentityFiles {
			p, err := d.expandPath(f)
			if err != nil {
				return nil, fmt.Errorf("identity file: %w", err)
			}
			r.identities = append(r.identities, identity{path: p, explicit: true})
		}
	case len(cfg.getAll(names, "IdentityFile")) > 0:
		// OpenSSH only warns about a missing IdentityFile from its config.
		for _, f := range cfg.getAll(names, "IdentityFile") {
			p, err := d.expandPath(expandTokens(f, tok))
			if err != nil {
				return nil, fmt.Errorf("identity file from %s: %w", d.opts.SSHConfigPath, err)
			}
			r.identities = append(r.identities, identity{path: p})
		}
	default:
		for _, f := range []string{"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"} {
			if p, err := d.expandPath(f); err == nil {
				r.identities = append(r.identities, identity{path: p})
			}
		}
	}

	jump := t.Jump
	if jump == "" {
		jump = lookup("ProxyJump")
	}
	if jump != "" && !strings.EqualFold(jump, "none") {
		specs, err := parseJump(jump)
		if err != nil {
			return nil, err
		}
		for _, js := range specs {
			hop, err := d.resolveJump(cfg, js)
			if err != nil {
				return nil, fmt.Errorf("jump host %s: %w", js.host, err)
			}
			r.jumps = append(r.jumps, hop)
		}
	}
	return r, nil
}

// resolveJump applies ssh_config to one jump host. Its own ProxyJump is not
// followed: the chain is what the target's Jump says.
func (d *Dialer) resolveJump(cfg *parsedConfig, js jumpSpec) (endpoint, error) {
	names := []string{js.host}
	ep := endpoint{name: js.host, host: js.host, port: js.port, user: js.user}
	if v := cfg.get(names, "HostName"); v != "" {
		ep.host = expandTokens(v, tokenValues{host: js.host})
	}
	var err error
	if ep.port == 0 {
		if ep.port, err = configPort(cfg.get(names, "Port")); err != nil {
			return ep, err
		}
	}
	if ep.user == "" {
		ep.user = cfg.get(names, "User")
	}
	if ep.user == "" {
		if ep.user, err = d.localUser(); err != nil {
			return ep, err
		}
	}
	return ep, nil
}

func configPort(v string) (int, error) {
	if v == "" {
		return 22, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("ssh config: invalid port %q", v)
	}
	return p, nil
}

// jumpSpec is one element of a ProxyJump chain; zero port and empty user
// mean "not given".
type jumpSpec struct {
	user string
	host string
	port int
}

// parseJump parses ProxyJump syntax: "[ssh://][user@]host[:port][,...]".
func parseJump(spec string) ([]jumpSpec, error) {
	var out []jumpSpec
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		part = strings.TrimPrefix(part, "ssh://")
		if part == "" {
			return nil, fmt.Errorf("jump %q: empty host", spec)
		}
		var js jumpSpec
		if i := strings.LastIndex(part, "@"); i >= 0 {
			js.user, part = part[:i], part[i+1:]
			if js.user == "" {
				return nil, fmt.Errorf("jump %q: empty user before @", spec)
			}
		}
		host := part
		if strings.HasPrefix(part, "[") || strings.Count(part, ":") == 1 {
			h, p, err := net.SplitHostPort(part)
			if err != nil {
				return nil, fmt.Errorf("jump %q: %w", spec, err)
			}
			port, err := strconv.Atoi(p)
			if err != nil || port < 1 || port > 65535 {
				return nil, fmt.Errorf("jump %q: invalid port %q", spec, p)
			}
			host, js.port = h, port
		}
		if host == "" {
			return nil, fmt.Errorf("jump %q: empty host", spec)
		}
		js.host = host
		out = append(out, js)
	}
	return out, nil
}

// preflight fails fast, before any connection, on identity files the
// caller named that cannot be read and when no authentication method could
// possibly work.
func (d *Dialer) preflight(r *route) error {
	var usable []identity
	var checked []string
	for _, id := range r.identities {
		checked = append(checked, id.path)
		err := d.keys.read(id.path)
		switch {
		case err == nil:
			usable = append(usable, id)
		case id.explicit:
			return err
		default:
			d.log.Debug("skipping identity file", "file", id.path, "err", err)
		}
	}
	r.identities = usable
	if len(usable) > 0 || d.getenv("SSH_AUTH_SOCK") != "" {
		return nil
	}
	if r.passwordEnv != "" && d.getenv(r.passwordEnv) != "" {
		return nil
	}
	notes := []string{"SSH_AUTH_SOCK is not set (no ssh-agent)"}
	if len(checked) > 0 {
		notes = append(notes, "no identity file exists (looked for "+strings.Join(checked, ", ")+")")
	} else {
		notes = append(notes, "no identity file is configured")
	}
	if r.passwordEnv != "" {
		notes = append(notes, fmt.Sprintf("environment variable %s is empty or unset", r.passwordEnv))
	} else {
		notes = append(notes, "no password variable is configured")
	}
	return &AuthError{User: r.target.user, Host: r.target.String(), Notes: notes}
}

// parsedConfig is an ssh_config file; nil means no file.
type parsedConfig struct{ cfg *sshconfig.Config }

func (p *parsedConfig) get(names []string, key string) string {
	if p == nil || p.cfg == nil {
		return ""
	}
	for _, n := range names {
		if v, err := p.cfg.Get(n, key); err == nil && v != "" {
			return v
		}
	}
	return ""
}

func (p *parsedConfig) getAll(names []string, key string) []string {
	if p == nil || p.cfg == nil {
		return nil
	}
	for _, n := range names {
		if v, err := p.cfg.GetAll(n, key); err == nil && len(v) > 0 {
			return v
		}
	}
	return nil
}

// sshConfig parses the ssh_config file once per Dialer.
type sshConfig struct {
	once   sync.Once
	parsed *parsedConfig
	err    error
}

func (c *sshConfig) load(d *Dialer) (*parsedConfig, error) {
	c.once.Do(func() {
		c.parsed = &parsedConfig{}
		if strings.EqualFold(d.opts.SSHConfigPath, "none") {
			return
		}
		path, err := d.expandPath(d.opts.SSHConfigPath)
		if err != nil {
			c.err = fmt.Errorf("ssh config: %w", err)
			return
		}
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			c.err = fmt.Errorf("read ssh config: %w", err)
			return
		}
		defer f.Close()
		cfg, err := sshconfig.Decode(f)
		if err != nil {
			c.err = fmt.Errorf("parse ssh config %s: %w", path, err)
			return
		}
		c.parsed.cfg = cfg
	})
	return c.parsed, c.err
}

// expandPath expands a leading "~" or "~user".
func (d *Dialer) expandPath(p string) (string, error) {
	if !strings.HasPrefix(p, "~") {
		return p, nil
	}
	rest := p[1:]
	name, tail, _ := strings.Cut(rest, "/")
	var home string
	if name == "" {
		home = d.opts.HomeDir
		if home == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("expand %s: %w", p, err)
			}
			home = h
		}
	} else {
		u, err := user.Lookup(name)
		if err != nil {
			return "", fmt.Errorf("expand %s: %w", p, err)
		}
		home = u.HomeDir
	}
	return filepath.Join(home, tail), nil
}

func (d *Dialer) localUser() (string, error) {
	if u := d.getenv("USER"); u != "" {
		return u, nil
	}
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("no user given and the local user is unknown: %w", err)
	}
	return u.Username, nil
}

type tokenValues struct {
	host string
	port int
	user string
}

// expandTokens expands the ssh_config tokens bwstate supports: %h host,
// %p port, %r remote user, %% a percent sign. Others are left as written.
func expandTokens(s string, v tokenValues) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'h':
			b.WriteString(v.host)
		case 'p':
			b.WriteString(strconv.Itoa(v.port))
		case 'r':
			b.WriteString(v.user)
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
