package config

// checkDuplicateServers refuses two host blocks that reach the same server,
// as the provider identifies servers from their connection settings
// (engine.Connection.Server: for BroadWorks the address, the port and the
// jump host). bwstate would plan, change and restart that server twice, in
// different batches or spread groups, which is exactly what a rollout must
// never do. Without a provider's settings there is nothing to compare.
func (l *loader) checkDuplicateServers() {
	seen := map[string]*hostDecl{}
	for _, h := range l.hosts {
		eh := h.host
		if eh == nil || eh.Address == "" || eh.Connection == nil {
			continue // an address error is reported already
		}
		key, reach := eh.Connection.Server()
		first, dup := seen[key]
		if !dup {
			seen[key] = h
			continue
		}
		l.diags = append(l.diags, errorf(h.block.DefRange, "Duplicate server",
			"Host %q and host %q (declared at %s) are the same server: both reach %s. Two host blocks for one server would make bwstate change and restart it twice, in different batches or spread groups. Keep one block for it.",
			h.name, first.name, pos(first.block.DefRange), reach))
	}
}
