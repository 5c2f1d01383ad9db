package views

import (
	"fmt"

	"github.com/bwstate/bwstate/engine"
)

// Plans the golden tests render. They are built by hand, not by
// engine/plan, so a planner change cannot silently rewrite the goldens.

func inSync(name, addr, release string) *engine.HostPlan {
	return &engine.HostPlan{Name: name, Address: addr, Type: "xsp", Release: release, Changes: []*engine.Change{}, Restarts: []*engine.Restart{}}
}

func upd(resource, path string, attrs ...*engine.AttrChange) *engine.Change {
	return &engine.Change{Resource: resource, Path: path, Action: engine.Update, Attrs: attrs}
}

// designPlan is the founding example plan: CAPProxy disabled on xsp1, a
// pending restart on xsp3, xsp4 unreachable.
func designPlan() *engine.Plan {
	xsp1 := inSync("xsp1", "10.1.0.11", "Rel_22.0_1.1123")
	xsp1.Changes = []*engine.Change{upd("context.cap_proxy_off", "Applications/OpenClientServer/CAPProxy",
		&engine.AttrChange{Name: "enabled", Before: "true", After: "false", Restart: "OpenClientServer"})}
	xsp1.Restarts = []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}}}
	xsp3 := inSync("xsp3", "10.1.0.13", "Rel_24.0_1.944")
	xsp3.Restarts = []*engine.Restart{{App: "OpenClientServer", Pending: true, PendingSince: "20261127T101500Z"}}
	hosts := []*engine.HostPlan{
		xsp1,
		inSync("xsp2", "10.1.0.12", "Rel_22.0_1.1123"),
		xsp3,
		{Name: "xsp4", Address: "10.1.0.14", Type: "xsp", Error: "unreachable: dial tcp 10.1.0.14:22: connect: connection refused"},
	}
	for i := 5; i <= 7; i++ {
		hosts = append(hosts, inSync(fmt.Sprintf("xsp%d", i), fmt.Sprintf("10.1.0.1%d", i), "Rel_24.0_1.944"))
	}
	return &engine.Plan{FormatVersion: "1.0", ConfigHash: "3f2a9c", CreatedAt: "2026-11-27T10:20:00Z", Salt: "00112233445566778899aabbccddeeff", Mode: "normal", Hosts: hosts}
}

// fullPlan exercises every element of both views: attribute updates, row
// creates, updates and deletes (keyed and id-keyed), sensitive and
// write-only values, coalesced, pending and merged restarts, failed checks,
// warnings, a failed host and values that need quoting or escaping.
func fullPlan() *engine.Plan {
	xsp1 := inSync("xsp1", "10.1.0.11", "Rel_22.0_1.1123")
	xsp1.Changes = []*engine.Change{
		upd("context.cap_proxy_off", "Applications/OpenClientServer/CAPProxy",
			&engine.AttrChange{Name: "enabled", Before: "true", After: "false", Restart: "OpenClientServer"}),
		upd("context.oci", "Applications/OpenClientServer/OCIProxy",
			&engine.AttrChange{Name: "messageQueueCapacity", Before: "50", After: "100", Restart: "OpenClientServer"},
			&engine.AttrChange{Name: "enableResponseCaching", Before: "false", After: "true", Restart: "OpenClientServer"}),
		upd("context.snmp", "Interface/SNMP/Agent",
			&engine.AttrChange{Name: "readCommunity", Before: "public", After: "s3cr3t", Sensitive: true, BeforeHash: "9b7c"},
			&engine.AttrChange{Name: "trapSourceAddress", Before: "", After: "10.1.0.11"}),
		upd("context.cis", "Applications/AuthenticationService/CISTokenValidation",
			&engine.AttrChange{Name: "clientSecret", After: "s3cr3t", Sensitive: true, BeforeUnknown: true, Restart: "AuthenticationService"}),
	}
	xsp1.Restarts = []*engine.Restart{
		{App: "AuthenticationService", Reasons: []string{"CISTokenValidation changed"}},
		{App: "OpenClientServer", Reasons: []string{"CAPProxy changed", "OCIProxy changed"}, Pending: true, PendingSince: "20261126T080000Z"},
	}

	as1 := &engine.HostPlan{Name: "as1", Address: "10.2.0.21", Type: "as", Release: "Rel_24.0_1.944"}
	as1.Changes = []*engine.Change{
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Delete,
			Key:   []engine.Field{{Name: "host", Value: "10.0.0.3"}},
			Attrs: []*engine.AttrChange{{Name: "description", Before: "old lab"}}},
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Update,
			Key:   []engine.Field{{Name: "host", Value: "10.0.0.1"}},
			Attrs: []*engine.AttrChange{{Name: "description", Before: "old\x1b[2J", After: "Core router"}}},
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Create,
			Key:   []engine.Field{{Name: "host", Value: "10.9.0.5"}},
			Attrs: []*engine.AttrChange{{Name: "description", After: "NOC"}}},
		{Resource: "table.traps", Path: "Interface/SNMP/TrapTable", Action: engine.Create,
			Key:   []engine.Field{{Name: "ipAddress", Value: "10.2.0.1"}, {Name: "port", Value: "162"}},
			Attrs: []*engine.AttrChange{{Name: "description", After: ""}}},
		{Resource: "table.scheduler", Path: "Maintenance/Scheduler", Action: engine.Delete,
			Key:   []engine.Field{{Name: "id", Value: "12"}},
			Attrs: []*engine.AttrChange{{Name: "name", Before: "rotate"}, {Name: "hour", Before: "4"}}},
		{Resource: "table.scheduler", Path: "Maintenance/Scheduler", Action: engine.Create,
			Attrs: []*engine.AttrChange{{Name: "name", After: "rotate"}, {Name: "hour", After: "5"}}},
		{Resource: "table.opts", Path: "Maintenance/ContainerOptions", Action: engine.Update,
			Key:   []engine.Field{{Name: "container", Value: "ExecutionServer"}, {Name: "name", Value: "bw.token"}},
			Attrs: []*engine.AttrChange{{Name: "value", Before: "s3cr3t", After: "t0ken", Sensitive: true, Restart: "ExecutionServer"}}},
	}
	as1.Restarts = []*engine.Restart{{App: "ExecutionServer", Reasons: []string{"ContainerOptions changed"}}}
	as1.Checks = []*engine.Check{{Resource: "check.sip_port", Passed: true}}

	xsp3 := inSync("xsp3", "10.1.0.13", "Rel_24.0_1.944")
	xsp3.Restarts = []*engine.Restart{{App: "OpenClientServer", Pending: true, PendingSince: "20261127T101500Z"}}

	xsp5 := inSync("xsp5", "10.1.0.15", "Rel_24.0_1.944")
	xsp5.Checks = []*engine.Check{
		{Resource: "check.no_cap_alarms", Passed: false, Message: "CAP connection alarms are still raised"},
		{Resource: "check.release", Passed: true},
	}
	xsp5.Warnings = []string{"close session: exit: connection reset by peer"}

	return &engine.Plan{
		FormatVersion: "1.0", ConfigHash: "3f2a9c", CreatedAt: "2026-11-27T10:20:00Z", Salt: "00112233445566778899aabbccddeeff", Mode: "normal",
		Hosts: []*engine.HostPlan{
			xsp1,
			inSync("xsp2", "10.1.0.12", "Rel_22.0_1.1123"),
			as1,
			xsp3,
			{Name: "xsp4", Address: "10.1.0.14", Type: "xsp", Error: "unreachable: dial tcp 10.1.0.14:22: connect: connection refused"},
			xsp5,
		},
		Warnings: []string{"context.legacy: System/Legacy is not in the catalogue; values are compared as strings"},
	}
}

// noChangesPlan has every host in the desired state.
func noChangesPlan() *engine.Plan {
	return &engine.Plan{FormatVersion: "1.0", ConfigHash: "3f2a9c", CreatedAt: "2026-11-27T10:20:00Z", Mode: "normal",
		Hosts: []*engine.HostPlan{inSync("xsp1", "10.1.0.11", "Rel_22.0_1.1123"), inSync("xsp2", "10.1.0.12", "Rel_22.0_1.1123")}}
}

// noChangesFailedPlan has nothing to change but a host that failed.
func noChangesFailedPlan() *engine.Plan {
	p := noChangesPlan()
	p.Hosts = append(p.Hosts, &engine.HostPlan{Name: "xsp3", Address: "10.1.0.13", Type: "xsp",
		Error: "declared type xsp but the server's CLI is AS_CLI"})
	return p
}

// partialPlan is a plan made with -target check.no_cap_alarms: one host
// whose check fails, one whose check passes, one host whose only item is a
// pending restart, and two hosts left alone (nothing concerns them).
func partialPlan() *engine.Plan {
	p := noChangesPlan()
	xsp1 := inSync("xsp1", "10.1.0.11", "Rel_22.0_1.1123")
	xsp1.Checks = []*engine.Check{{Resource: "check.no_cap_alarms", Message: "CAP connection alarms are still raised"}}
	xsp2 := inSync("xsp2", "10.1.0.12", "Rel_24.0_1.944")
	xsp2.Checks = []*engine.Check{{Resource: "check.no_cap_alarms", Passed: true}}
	xsp3 := inSync("xsp3", "10.1.0.13", "Rel_24.0_1.944")
	xsp3.Restarts = []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}, Pending: true, PendingSince: "20261127T101500Z"}}
	p.Hosts = []*engine.HostPlan{xsp1, xsp2, xsp3}
	p.LeftAlone = []string{"as1", "as2"}
	p.Targets = []string{"check.no_cap_alarms", "group.xsp"}
	return p
}

// allFailedPlan is a plan in which no host could be read.
func allFailedPlan() *engine.Plan {
	p := noChangesPlan()
	p.Hosts = []*engine.HostPlan{
		{Name: "xsp1", Address: "10.1.0.11", Type: "xsp", Error: "unreachable: dial tcp 10.1.0.11:22: connect: connection refused"},
		{Name: "xsp2", Address: "10.1.0.12", Type: "xsp", Error: "unreachable: dial tcp 10.1.0.12:22: i/o timeout"},
	}
	return p
}

// docHumanPlan is the human example of docs/plan-output.md.
func docHumanPlan() *engine.Plan {
	p := designPlan()
	xsp1, xsp2, xsp3, xsp4 := p.Hosts[0], p.Hosts[1], p.Hosts[2], p.Hosts[3]
	as1 := &engine.HostPlan{Name: "as1", Address: "10.2.0.21", Type: "as", Release: "Rel_24.0_1.944", Restarts: []*engine.Restart{}}
	as1.Changes = []*engine.Change{
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Delete,
			Key: []engine.Field{{Name: "host", Value: "10.0.0.3"}}, Attrs: []*engine.AttrChange{{Name: "description", Before: "old lab"}}},
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Update,
			Key: []engine.Field{{Name: "host", Value: "10.0.0.1"}}, Attrs: []*engine.AttrChange{{Name: "description", Before: "old", After: "Core router"}}},
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Create,
			Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}}, Attrs: []*engine.AttrChange{{Name: "description", After: "NOC"}}},
		upd("context.snmp", "Interface/SNMP/Agent", &engine.AttrChange{Name: "readCommunity", Before: "public", After: "s3cr3t", Sensitive: true}),
	}
	xsp5 := inSync("xsp5", "10.1.0.15", "Rel_24.0_1.944")
	xsp5.Checks = []*engine.Check{{Resource: "check.no_cap_alarms", Message: "CAP connection alarms are still raised"}}
	xsp5.Warnings = []string{"close session: exit: connection reset by peer"}
	p.Hosts = []*engine.HostPlan{xsp1, xsp2, as1, xsp3, xsp4, xsp5}
	return p
}

// docJSONPlan is the JSON example of docs/plan-output.md.
func docJSONPlan() *engine.Plan {
	p := docHumanPlan()
	xsp1, as1, xsp4 := p.Hosts[0], p.Hosts[2], p.Hosts[4]
	xsp1.Changes = append(xsp1.Changes, as1.Changes[3])
	as1.Changes = as1.Changes[2:3]
	p.Hosts = []*engine.HostPlan{xsp1, as1, xsp4}
	return p
}

const capAdvisoryWarning = `advisory cap-removed-22: CAPProxy is enabled but CAP was removed in release 22.0 (Cisco tech note: "CAP needs to be disabled after the 22.0 upgrade on all servers"); set enabled = false and restart OpenClientServer`

// driftOf builds a drift entry of an attribute context.
func driftOf(path string, attrs ...*engine.AttrChange) *engine.Change {
	return &engine.Change{Resource: engine.DriftResource, Path: path, Action: engine.Update, Attrs: attrs}
}

// tableDrift builds a drift entry of a table context.
func tableDrift(path string, rows int) *engine.Change {
	return &engine.Change{Resource: engine.DriftResource, Path: path, Action: engine.Update, Attrs: []*engine.AttrChange{}, LiveRows: rows}
}

// driftPlan is a `plan -drift` of hosts that also raise an advisory: a host
// with a change and drift, a host listed only for its advisory and drift
// (in the desired state all the same), a host with nothing, and a failed
// host whose leftover drift must be neither rendered nor counted.
func driftPlan() *engine.Plan {
	xsp1 := inSync("xsp1", "10.1.0.11", "Rel_22.0_1.1123")
	xsp1.Changes = []*engine.Change{upd("context.cap_proxy_off", "Applications/OpenClientServer/CAPProxy",
		&engine.AttrChange{Name: "enabled", Before: "true", After: "false", Restart: "OpenClientServer"})}
	xsp1.Restarts = []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}}}
	xsp1.Drift = []*engine.Change{driftOf("Interface/SNMP/Agent",
		&engine.AttrChange{Name: "port", Before: "8001", After: "8161"},
		&engine.AttrChange{Name: "readCommunity", Sensitive: true},
		&engine.AttrChange{Name: "trapSourceAddress", Before: "", After: "10.0.0.1"})}

	xsp2 := inSync("xsp2", "10.1.0.12", "Rel_24.0_1.944")
	xsp2.Warnings = []string{capAdvisoryWarning}
	xsp2.Drift = []*engine.Change{
		driftOf("Applications/OpenClientServer/GeneralSettings", &engine.AttrChange{Name: "systemDomain", Before: "", After: "example.net"}),
		tableDrift("System/ManagementAccessList", 3),
		tableDrift("Applications/OpenClientServer/OCIProxy/LoginLevelAllowed", 1),
	}

	xsp4 := &engine.HostPlan{Name: "xsp4", Address: "10.1.0.14", Type: "xsp", Error: "read facts: connection reset by peer",
		Drift: []*engine.Change{tableDrift("System/ManagementAccessList", 9)}}

	return &engine.Plan{
		FormatVersion: "1.0", ConfigHash: "3f2a9c", CreatedAt: "2026-11-27T10:20:00Z", Salt: "00112233445566778899aabbccddeeff", Mode: "normal",
		Hosts: []*engine.HostPlan{xsp1, xsp2, inSync("xsp3", "10.1.0.13", "Rel_24.0_1.944"), xsp4},
	}
}
