package broadworks

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
)

// Connection is how the provider reaches one host: the configuration's ssh
// block merged with the host's own ssh block, and the host's address.
// Empty fields mean "default" (the provider then consults ~/.ssh/config).
// It is the engine.Connection of the hosts of a configuration loaded with
// SSHBlock; a host without one is reached with defaults only.
type Connection struct {
	// Address is the host's address without a port.
	Address      string
	User         string
	Port         int
	IdentityFile string
	KnownHosts   string
	// PasswordEnv is the NAME of an environment variable holding the
	// password, never the password itself.
	PasswordEnv string
	// Jump is a ProxyJump chain: "user@host:port[,user@host:port...]".
	Jump string
	// Timeout bounds connecting: the TCP connect and SSH handshake of each
	// hop.
	Timeout time.Duration
	// CommandTimeout bounds each shell or CLI command once connected; zero
	// means the provider's (Options.CommandTimeout).
	CommandTimeout time.Duration
	// AcceptNewHostKeys records keys of hosts missing from known_hosts
	// (trust on first use). A changed key is never accepted.
	AcceptNewHostKeys bool
	// ShellPrompt is a regular expression matching the login shell's
	// prompt (the whole last line the server printed, trailing blanks
	// aside); empty means the prompt is learned at login.
	ShellPrompt string
	// CLIPrompt is a regular expression matching the CLI's prompt in place
	// of the built-in `<ROOT>_CLI/Path> ` shape; named groups `root` and
	// `path` give the CLI root and the context.
	CLIPrompt string
}

var _ engine.Connection = (*Connection)(nil)

// defaultPort is SSH's.
const defaultPort = 22

// Endpoint implements engine.Connection: the address, with the port when
// it is not 22.
func (c *Connection) Endpoint() string {
	if c.Port == 0 || c.Port == defaultPort {
		return c.Address
	}
	return net.JoinHostPort(c.Address, strconv.Itoa(c.Port))
}

// Server implements engine.Connection: a server is its address (host
// names compared case-insensitively, IP addresses in their canonical
// form) and port (22 when none is set), through its jump host. Servers
// behind different jump hosts may share a private address, so the jump is
// part of what names a server. ~/.ssh/config is not consulted: the
// configuration alone must tell its hosts apart.
func (c *Connection) Server() (key, description string) {
	a := strings.ToLower(strings.TrimSpace(c.Address))
	if ip := net.ParseIP(a); ip != nil {
		a = ip.String()
	}
	port := c.Port
	if port == 0 {
		port = defaultPort
	}
	endpoint := net.JoinHostPort(a, strconv.Itoa(port))
	key = endpoint + " via " + strings.ToLower(strings.TrimSpace(c.Jump))
	description = endpoint
	if c.Jump != "" {
		description += " through the jump host " + c.Jump
	}
	return key, description
}

// connection returns the settings to reach h with.
func connection(h *engine.Host) (*Connection, error) {
	switch c := h.Connection.(type) {
	case nil:
		return &Connection{Address: h.Address}, nil
	case *Connection:
		return c, nil
	}
	return nil, fmt.Errorf("host %s: the BroadWorks provider cannot use connection settings of type %T", h.Name, h.Connection)
}

// SSHBlock is the provider's connection block, ssh, at the top level
// (defaults for every host) and in host blocks. Load hands it each block
// and it decodes them into each host's Connection: pass it as
// config.LoadOptions.Connections.
type SSHBlock struct{}

var _ engine.ConnectionSchema = SSHBlock{}

// BlockType implements engine.ConnectionSchema.
func (SSHBlock) BlockType() string { return "ssh" }

var sshSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "user"},
		{Name: "port"},
		{Name: "identity_file"},
		{Name: "known_hosts"},
		{Name: "password_env"},
		{Name: "jump"},
		{Name: "timeout"},
		{Name: "command_timeout"},
		{Name: "accept_new_host_keys"},
		{Name: "shell_prompt"},
		{Name: "cli_prompt"},
	},
}

var (
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	userRE    = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.@-]*$`)
	jumpHopRE = regexp.MustCompile(`^([A-Za-z0-9_.][A-Za-z0-9_.-]*@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]+)?$`)
)

// sshBlock is one decoded ssh block: what it sets, so that a host's block
// overrides only what it names.
type sshBlock struct {
	// sets holds one setter per usable attribute, in source order.
	sets []func(*Connection)
	// port is the port the block sets (0: none), for the conflict with a
	// port in the host's address.
	port int
	// def is the block's header, for problems with the block as a whole.
	def hcl.Range
}

// DecodeBlock implements engine.ConnectionSchema. Every value is checked
// here, when the configuration is validated, so that a mistake names its
// file and line instead of failing a connection.
func (SSHBlock) DecodeBlock(b *hcl.Block, ev engine.StaticEvaluator) (engine.ConnectionBlock, hcl.Diagnostics) {
	out := &sshBlock{def: b.DefRange}
	content, diags := b.Body.Content(sshSchema)
	attrs := slices.SortedFunc(maps.Values(content.Attributes), func(x, y *hcl.Attribute) int {
		return x.Range.Start.Byte - y.Range.Start.Byte
	})
	for _, a := range attrs {
		set, d := out.decode(a, ev)
		diags = append(diags, d...)
		if set != nil {
			out.sets = append(out.sets, set)
		}
	}
	return out, diags
}

// decode decodes one attribute into a setter of its value, nil when the
// value is unusable (an error, or not known yet).
func (out *sshBlock) decode(a *hcl.Attribute, ev engine.StaticEvaluator) (func(*Connection), hcl.Diagnostics) {
	switch a.Name {
	case "user":
		s, ok, diags := ev.String(a)
		if ok && !userRE.MatchString(s) {
			return nil, append(diags, attrError(a, "Invalid ssh user", fmt.Sprintf("%q is not a user name.", s)))
		}
		return setter(ok, func(c *Connection) { c.User = s }), diags
	case "port":
		n, ok, diags := ev.Int(a)
		if ok && (n < 1 || n > 65535) {
			return nil, append(diags, attrError(a, "Invalid ssh port", fmt.Sprintf("The port must be from 1 to 65535, not %d.", n)))
		}
		if ok {
			out.port = int(n)
		}
		return setter(ok, func(c *Connection) { c.Port = int(n) }), diags
	case "identity_file":
		p, ok, diags := ev.Path(a)
		return setter(ok, func(c *Connection) { c.IdentityFile = p }), diags
	case "known_hosts":
		p, ok, diags := ev.Path(a)
		return setter(ok, func(c *Connection) { c.KnownHosts = p }), diags
	case "password_env":
		s, ok, diags := ev.String(a)
		if ok && !envNameRE.MatchString(s) {
			// Never echo the value: it is likely a password.
			d := attrError(a, "Invalid password_env",
				"password_env is the NAME of an environment variable that holds the SSH password, like BW_SSH_PASSWORD; this value is not such a name. Never put a password in the configuration: export it in an environment variable and name that variable here.")
			d.Extra = engine.SecretSubject{}
			return nil, append(diags, d)
		}
		return setter(ok, func(c *Connection) { c.PasswordEnv = s }), diags
	case "jump":
		s, ok, diags := ev.String(a)
		if ok && !validJump(s) {
			return nil, append(diags, attrError(a, "Invalid jump host",
				`jump must be [user@]host[:port], or several separated by commas, like "ops@bastion.example.net:22".`))
		}
		return setter(ok, func(c *Connection) { c.Jump = s }), diags
	case "timeout":
		d, ok, diags := ev.Duration(a)
		return setter(ok, func(c *Connection) { c.Timeout = d }), diags
	case "command_timeout":
		d, ok, diags := ev.Duration(a)
		return setter(ok, func(c *Connection) { c.CommandTimeout = d }), diags
	case "accept_new_host_keys":
		b, ok, diags := ev.Bool(a)
		return setter(ok, func(c *Connection) { c.AcceptNewHostKeys = b }), diags
	case "shell_prompt", "cli_prompt":
		s, ok, diags := ev.String(a)
		if !ok {
			return nil, diags
		}
		if problem := promptProblem(s); problem != "" {
			return nil, append(diags, attrError(a, "Invalid "+a.Name,
				fmt.Sprintf("%s is a regular expression (Go syntax) matching the whole prompt line, like %s; %s.", a.Name, promptExample[a.Name], problem)))
		}
		if a.Name == "shell_prompt" {
			return func(c *Connection) { c.ShellPrompt = s }, diags
		}
		return func(c *Connection) { c.CLIPrompt = s }, diags
	}
	return nil, nil
}

// setter is set when the value is usable, else nil.
func setter(ok bool, set func(*Connection)) func(*Connection) {
	if !ok {
		return nil
	}
	return set
}

func validJump(s string) bool {
	if s == "" {
		return false
	}
	for _, hop := range strings.Split(s, ",") {
		if !jumpHopRE.MatchString(hop) {
			return false
		}
	}
	return true
}

// HostConnection implements engine.ConnectionSchema: the host's own block
// overrides what it names of the top-level block, and a port in the
// host's address overrides both (a different port in its own block is an
// error: one of the two is a mistake).
func (SSHBlock) HostConnection(h engine.ConnectionHost, defaults, own engine.ConnectionBlock) (engine.Connection, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var c Connection
	for _, b := range []engine.ConnectionBlock{defaults, own} {
		if b, ok := b.(*sshBlock); ok && b != nil {
			for _, set := range b.sets {
				set(&c)
			}
		}
	}
	if h.Port != 0 {
		if o, ok := own.(*sshBlock); ok && o != nil && o.port != 0 && o.port != h.Port {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Conflicting ports",
				Detail:  fmt.Sprintf("Host %q has port %d in its address and port %d in its ssh block; keep one.", h.Name, h.Port, o.port),
				Subject: o.def.Ptr()})
		}
		c.Port = h.Port
	}
	c.Address = h.Address
	return &c, diags
}

// attrError points at an attribute's value and shows the whole attribute
// as context, as the engine's own diagnostics do.
func attrError(a *hcl.Attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail,
		Subject: a.Expr.Range().Ptr(), Context: a.Range.Ptr()}
}

// promptExample shows each prompt setting's shape in diagnostics.
var promptExample = map[string]string{
	"shell_prompt": `"bwadmin@\\S+\\$"`,
	"cli_prompt":   `"(?P<root>[A-Z]+_CLI)(?P<path>(/[^/>]+)*)>"`,
}

// promptProblem says why expr cannot be a prompt pattern, or "". The
// session matches it against the whole last line the server printed,
// trailing blanks aside (bwcli.PromptPattern); one that matches an empty
// line would match before the server printed anything.
func promptProblem(expr string) string {
	if expr == "" {
		return "it is empty (leave it out to let bwstate learn the prompt)"
	}
	if strings.ContainsAny(expr, "\n\r") {
		return "a prompt is one line"
	}
	if _, err := bwcli.PromptPattern(expr); err != nil {
		if errors.Is(err, bwcli.ErrEmptyPrompt) {
			return "it matches an empty line, and a prompt is never empty"
		}
		return "it does not compile: " + err.Error()
	}
	return ""
}
