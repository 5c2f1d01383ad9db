package config

import (
	"net"
	"strconv"
	"strings"
)

// checkDuplicateServers refuses two host blocks that reach the same server:
// the same address (host names compared case-insensitively, IP addresses
// in their canonical form) and port (22 when none is set), through the same
// jump host. bwstate would plan, change and restart that server twice, in
// different batches or spread groups, which is exactly what a rollout must
// never do. Servers behind different jump hosts may share a private
// address, so the jump is part of what names a server.
func (l *loader) checkDuplicateServers() {
	seen := map[string]*hostDecl{}
	for _, h := range l.hosts {
		eh := h.host
		if eh == nil || eh.Address == "" {
			continue // an address error is reported already
		}
		key := serverKey(eh.Address, eh.SSH.Port, eh.SSH.Jump)
		first, dup := seen[key]
		if !dup {
			seen[key] = h
			continue
		}
		l.diags = append(l.diags, errorf(h.block.DefRange, "Duplicate server",
			"Host %q and host %q (declared at %s) are the same server: both reach %s%s. Two host blocks for one server would make bwstate change and restart it twice, in different batches or spread groups. Keep one block for it.",
			h.name, first.name, pos(first.block.DefRange), endpoint(eh.Address, eh.SSH.Port), viaJump(eh.SSH.Jump)))
	}
}

func serverKey(address string, port int, jump string) string {
	return endpoint(address, port) + " via " + strings.ToLower(strings.TrimSpace(jump))
}

// endpoint is address:port in canonical form, port 22 when none is set.
func endpoint(address string, port int) string {
	a := strings.ToLower(strings.TrimSpace(address))
	if ip := net.ParseIP(a); ip != nil {
		a = ip.String()
	}
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(a, strconv.Itoa(port))
}

func viaJump(jump string) string {
	if jump == "" {
		return ""
	}
	return " through the jump host " + jump
}
