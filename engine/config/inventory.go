package config

import (
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/bwstate/bwstate/engine"
)

type hostDecl struct {
	name       string
	block      *hcl.Block
	content    *hcl.BodyContent
	groupsAttr *hcl.Attribute
	groups     []string
	host       *engine.Host
}

type groupDecl struct {
	name  string
	block *hcl.Block
	vars  cty.Value
}

var (
	hostNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$`)
	addressRE  = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)
	envNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	userRE     = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.@-]*$`)
	jumpHopRE  = regexp.MustCompile(`^([A-Za-z0-9_.][A-Za-z0-9_.-]*@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]+)?$`)
)

func validName(s string) bool { return hclsyntax.ValidIdentifier(s) }

// declareInventory records host and group names, which everything else
// refers to; their attributes are evaluated once locals are known.
func (l *loader) declareInventory() {
	l.hostByName = map[string]*hostDecl{}
	for _, b := range l.duplicates("host") {
		name := b.Labels[0]
		if !hostNameRE.MatchString(name) || reservedAddress(name) {
			l.diags = append(l.diags, errorf(b.LabelRanges[0], "Invalid host name",
				"%q is not a valid host name: use letters, digits, dots, underscores and dashes, starting with a letter or digit (and not group., context., table. or check.).", name))
			continue
		}
		content, diags := b.Body.Content(hostSchema)
		l.diags = append(l.diags, diags...)
		h := &hostDecl{name: name, block: b, content: content, groupsAttr: content.Attributes["groups"]}
		l.hosts = append(l.hosts, h)
		l.hostByName[name] = h
	}
	l.groupDecls = map[string]*groupDecl{}
	for _, b := range l.duplicates("group") {
		if !l.nameOK(b, "group") {
			continue
		}
		g := &groupDecl{name: b.Labels[0], block: b, vars: cty.EmptyObjectVal}
		l.groupDecls[g.name] = g
		if g.name != "all" {
			l.groupOrder = append(l.groupOrder, g.name)
		}
	}
}

func reservedAddress(name string) bool {
	for _, p := range []string{"group.", "context.", "table.", "check."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// decodeInventory evaluates host and group attributes and builds the hosts.
func (l *loader) decodeInventory() {
	for _, name := range l.groupNames() {
		g := l.groupDecls[name]
		if g == nil {
			continue
		}
		content, diags := g.block.Body.Content(groupSchema)
		l.diags = append(l.diags, diags...)
		if a := content.Attributes["vars"]; a != nil {
			g.vars = l.varsValue(a)
		}
	}
	types := l.cat.HostTypes()
	l.cfg.hostIndex = map[string]int{}
	for _, h := range l.hosts {
		eh := &engine.Host{Name: h.name, Groups: h.groups, Vars: cty.EmptyObjectVal}
		h.host = eh
		if a := h.content.Attributes["address"]; a != nil {
			if s, ok := l.staticString(a, "address"); ok {
				host, port, problem := splitAddress(s)
				if problem != "" {
					l.diags = append(l.diags, attrErrorf(a, "Invalid host address", "%s", problem))
				} else {
					eh.Address = host
					eh.SSH.Port = port
				}
			}
		}
		if a := h.content.Attributes["type"]; a != nil {
			if s, ok := l.staticString(a, "type"); ok {
				t := strings.ToLower(strings.TrimSpace(s))
				if contains(types, t) {
					eh.Type = t
				} else {
					l.diags = append(l.diags, attrErrorf(a, "Unknown host type",
						"%q is not a server type bwstate knows.%s Known types: %s.", s, didYouMean(t, types), strings.Join(types, ", ")))
				}
			}
		}
		// Group vars in the host's group order, then the host's own vars:
		// the most specific setting wins, as in Ansible.
		var layers []cty.Value
		if g := l.groupDecls["all"]; g != nil {
			layers = append(layers, g.vars)
		}
		for _, gn := range h.groups {
			if g := l.groupDecls[gn]; g != nil {
				layers = append(layers, g.vars)
			}
		}
		if a := h.content.Attributes["vars"]; a != nil {
			layers = append(layers, l.varsValue(a))
		}
		eh.Vars = mergeObjects(layers)
		l.cfg.hostIndex[h.name] = len(l.cfg.Hosts)
		l.cfg.Hosts = append(l.cfg.Hosts, eh)
	}
	l.cfg.groups = map[string][]string{}
	for g, hs := range l.groupMembers {
		l.cfg.groups[g] = hs
	}
	l.cfg.groupOrder = l.groupNames()
}

// varsValue evaluates a vars attribute, which must be an object or a map.
func (l *loader) varsValue(a *hcl.Attribute) cty.Value {
	v, diags := l.eval(a.Expr, l.ctx, scopeStatic, "in vars")
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !v.IsKnown() {
		return cty.EmptyObjectVal
	}
	inner, marks := v.Unmark()
	if inner.IsNull() {
		return cty.EmptyObjectVal
	}
	t := inner.Type()
	if !t.IsObjectType() && !t.IsMapType() {
		l.diags = append(l.diags, attrErrorf(a, "Invalid vars", "vars must be an object like { site = \"a\" }, not %s.", typeName(inner)))
		return cty.EmptyObjectVal
	}
	attrs := map[string]cty.Value{}
	for k, ev := range inner.AsValueMap() {
		attrs[k] = ev.WithMarks(marks)
	}
	return cty.ObjectVal(attrs)
}

// mergeObjects merges objects shallowly, later layers winning.
func mergeObjects(layers []cty.Value) cty.Value {
	attrs := map[string]cty.Value{}
	for _, o := range layers {
		for k, v := range o.AsValueMap() {
			attrs[k] = v
		}
	}
	if len(attrs) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(attrs)
}

// splitAddress separates an optional port from a host address:
// "10.0.0.1", "10.0.0.1:2201", "bw1.example.net", "[::1]:2201", "::1".
func splitAddress(s string) (host string, port int, problem string) {
	s = strings.TrimSpace(s)
	host = s
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return "", 0, fmt.Sprintf("%q is not an address: %v. Use HOST or HOST:PORT.", s, err)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, fmt.Sprintf("The port in %q must be a number from 1 to 65535.", s)
		}
		host, port = h, n
	}
	if host == "" || !addressRE.MatchString(host) {
		return "", 0, fmt.Sprintf("%q is not a host name or IP address. Use HOST or HOST:PORT, like 10.1.0.11 or 127.0.0.1:2201.", s)
	}
	return host, port, ""
}

// sshSettings is a decoded ssh block: the values and which were set, so a
// host's block overrides only what it names.
type sshSettings struct {
	s   engine.SSHSettings
	set map[string]bool
}

func (l *loader) decodeSSH() {
	var top sshSettings
	if b := l.single("ssh"); b != nil {
		top = l.sshBlock(b)
	}
	l.cfg.SSH = top.s
	for _, h := range l.hosts {
		s := top.s
		addrPort := h.host.SSH.Port
		var own sshSettings
		if len(h.content.Blocks) > 1 {
			for _, b := range h.content.Blocks[1:] {
				l.diags = append(l.diags, errorf(b.DefRange, "Duplicate ssh block",
					"Host %q already has an ssh block at %s; merge the two.", h.name, pos(h.content.Blocks[0].DefRange)))
			}
		}
		if len(h.content.Blocks) > 0 {
			own = l.sshBlock(h.content.Blocks[0])
			mergeSSH(&s, own)
		}
		if addrPort != 0 {
			if own.set["port"] && own.s.Port != addrPort {
				l.diags = append(l.diags, errorf(h.content.Blocks[0].DefRange, "Conflicting ports",
					"Host %q has port %d in its address and port %d in its ssh block; keep one.", h.name, addrPort, own.s.Port))
			}
			s.Port = addrPort
		}
		h.host.SSH = s
	}
}

func mergeSSH(dst *engine.SSHSettings, o sshSettings) {
	if o.set["user"] {
		dst.User = o.s.User
	}
	if o.set["port"] {
		dst.Port = o.s.Port
	}
	if o.set["identity_file"] {
		dst.IdentityFile = o.s.IdentityFile
	}
	if o.set["known_hosts"] {
		dst.KnownHosts = o.s.KnownHosts
	}
	if o.set["password_env"] {
		dst.PasswordEnv = o.s.PasswordEnv
	}
	if o.set["jump"] {
		dst.Jump = o.s.Jump
	}
	if o.set["timeout"] {
		dst.Timeout = o.s.Timeout
	}
	if o.set["command_timeout"] {
		dst.CommandTimeout = o.s.CommandTimeout
	}
	if o.set["accept_new_host_keys"] {
		dst.AcceptNewHostKeys = o.s.AcceptNewHostKeys
	}
	if o.set["shell_prompt"] {
		dst.ShellPrompt = o.s.ShellPrompt
	}
	if o.set["cli_prompt"] {
		dst.CLIPrompt = o.s.CLIPrompt
	}
}

func (l *loader) sshBlock(b *hcl.Block) sshSettings {
	out := sshSettings{set: map[string]bool{}}
	content, diags := b.Body.Content(sshSchema)
	l.diags = append(l.diags, diags...)
	for _, a := range sortedAttributes(content.Attributes) {
		switch a.Name {
		case "user":
			if s, ok := l.staticString(a, "user"); ok {
				if !userRE.MatchString(s) {
					l.diags = append(l.diags, attrErrorf(a, "Invalid ssh user", "%q is not a user name.", s))
					continue
				}
				out.s.User = s
			} else {
				continue
			}
		case "port":
			n, ok := l.staticInt(a, "port")
			if !ok {
				continue
			}
			if n < 1 || n > 65535 {
				l.diags = append(l.diags, attrErrorf(a, "Invalid ssh port", "The port must be from 1 to 65535, not %d.", n))
				continue
			}
			out.s.Port = int(n)
		case "identity_file", "known_hosts":
			s, ok := l.staticString(a, a.Name)
			if !ok {
				continue
			}
			if s == "" || strings.ContainsAny(s, "\x00\n\r") {
				l.diags = append(l.diags, attrErrorf(a, "Invalid path", "%s must be a file path.", a.Name))
				continue
			}
			p := l.configPath(s)
			if a.Name == "identity_file" {
				out.s.IdentityFile = p
			} else {
				out.s.KnownHosts = p
			}
		case "password_env":
			s, ok := l.staticString(a, "password_env")
			if !ok {
				continue
			}
			if !envNameRE.MatchString(s) {
				// Never echo the value: it is likely a password.
				d := attrErrorf(a, "Invalid password_env",
					"password_env is the NAME of an environment variable that holds the SSH password, like BW_SSH_PASSWORD; this value is not such a name. Never put a password in the configuration: export it in an environment variable and name that variable here.")
				d.Extra = secretSource{}
				l.diags = append(l.diags, d)
				continue
			}
			out.s.PasswordEnv = s
		case "jump":
			s, ok := l.staticString(a, "jump")
			if !ok {
				continue
			}
			bad := s == ""
			for _, hop := range strings.Split(s, ",") {
				if !jumpHopRE.MatchString(hop) {
					bad = true
				}
			}
			if bad {
				l.diags = append(l.diags, attrErrorf(a, "Invalid jump host",
					"jump must be [user@]host[:port], or several separated by commas, like \"ops@bastion.example.net:22\"."))
				continue
			}
			out.s.Jump = s
		case "timeout":
			d, ok := l.staticDuration(a, "timeout")
			if !ok {
				continue
			}
			out.s.Timeout = d
		case "command_timeout":
			d, ok := l.staticDuration(a, "command_timeout")
			if !ok {
				continue
			}
			out.s.CommandTimeout = d
		case "accept_new_host_keys":
			v, diags := l.eval(a.Expr, l.ctx, scopeStatic, "in ssh settings")
			l.diags = append(l.diags, diags...)
			b, ok := l.boolValue(a, v, a.Name)
			if !ok {
				continue
			}
			out.s.AcceptNewHostKeys = b
		case "shell_prompt", "cli_prompt":
			s, ok := l.staticString(a, a.Name)
			if !ok {
				continue
			}
			if problem := promptProblem(s); problem != "" {
				l.diags = append(l.diags, attrErrorf(a, "Invalid "+a.Name,
					"%s is a regular expression (Go syntax) matching the whole prompt line, like %s; %s.", a.Name, promptExample[a.Name], problem))
				continue
			}
			if a.Name == "shell_prompt" {
				out.s.ShellPrompt = s
			} else {
				out.s.CLIPrompt = s
			}
		}
		out.set[a.Name] = true
	}
	return out
}

// promptExample shows each prompt setting's shape in diagnostics.
var promptExample = map[string]string{
	"shell_prompt": `"bwadmin@\\S+\\$"`,
	"cli_prompt":   `"(?P<root>[A-Z]+_CLI)(?P<path>(/[^/>]+)*)>"`,
}

// promptProblem says why expr cannot be a prompt pattern, or "". The
// provider matches it against the whole last line the server printed,
// trailing blanks aside; one that matches an empty line would match before
// the server printed anything.
func promptProblem(expr string) string {
	if expr == "" {
		return "it is empty (leave it out to let bwstate learn the prompt)"
	}
	if strings.ContainsAny(expr, "\n\r") {
		return "a prompt is one line"
	}
	if _, err := regexp.Compile(expr); err != nil {
		return "it does not compile: " + err.Error()
	}
	re, err := regexp.Compile(`^(?:` + expr + `)[ \t]*$`)
	if err != nil {
		return "it does not compile: " + err.Error()
	}
	if re.MatchString("") {
		return "it matches an empty line, and a prompt is never empty"
	}
	return ""
}

// configPath makes a relative path relative to the configuration directory
// (absolute, so it does not depend on where bwstate runs). Paths starting
// with ~ are left for the provider to expand.
func (l *loader) configPath(p string) string {
	if strings.HasPrefix(p, "~") || filepath.IsAbs(p) {
		return p
	}
	p = filepath.Join(l.dir, p)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func (l *loader) staticDuration(a *hcl.Attribute, what string) (time.Duration, bool) {
	s, ok := l.staticString(a, what)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		l.diags = append(l.diags, attrErrorf(a, "Invalid duration",
			"%s must be a positive duration like \"30s\", \"5m\" or \"1h30m\", not %q.", what, s))
		return 0, false
	}
	return d, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
