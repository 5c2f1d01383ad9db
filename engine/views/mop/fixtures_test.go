package mop

import (
	"strconv"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// Documents the golden tests render. Plans and journals are built by hand,
// not by engine/plan or engine/apply, so a change there cannot silently
// rewrite the goldens; the catalogue is the real one, since the commands
// and the revert plan depend on it.

// secrets are the sensitive values of the fixtures: they are in the plan
// in memory, as plan.Run leaves them, and must appear in no output.
var secrets = []string{"s3cr3tCommunity", "t0kenValue9", "cl1entSecret7", "0ldT0ken"}

const capAdvisory = `advisory cap-removed-22: CAPProxy is enabled but CAP was removed in release 22.0 (Cisco tech note: "CAP needs to be disabled after the 22.0 upgrade on all servers"); set enabled = false and restart OpenClientServer`

func upd(resource, path string, attrs ...*engine.AttrChange) *engine.Change {
	return &engine.Change{Resource: resource, Path: path, Action: engine.Update, Attrs: attrs}
}

func facts(typ, release string, num float64, alarms ...string) *engine.Facts {
	r := engine.MustParseRelease(strconv.FormatFloat(num, 'f', -1, 64))
	return &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: typ, Release: r, ReleaseString: release, Patches: []string{}, Alarms: alarms}
}

func capOff() *engine.Change {
	return upd("context.cap_proxy_off", "Applications/OpenClientServer/CAPProxy",
		&engine.AttrChange{Name: "enabled", Before: "true", After: "false", Restart: "OpenClientServer"})
}

// fixturePlan has changes, restarts, tables (keyed, id-numbered, deleted,
// added, updated rows), sensitive and write-only values, a pending restart,
// a failed host, advisories, passed and failed checks, and a value with a
// control character.
func fixturePlan() *engine.Plan {
	xsp1 := &engine.HostPlan{Name: "xsp1", Address: "10.1.0.11", Type: "xsp", Release: "Rel_22.0_1.1123",
		Facts: facts("xsp", "Rel_22.0_1.1123", 22, "bwOpenClientServerASConnFailed")}
	xsp1.Changes = []*engine.Change{
		capOff(),
		upd("context.snmp", "Interface/SNMP/Agent",
			&engine.AttrChange{Name: "readCommunity", Before: "0ldT0ken", After: "s3cr3tCommunity", Sensitive: true, BeforeHash: "9b7c"},
			&engine.AttrChange{Name: "trapSourceAddress", Before: "", After: "10.1.0.11"}),
	}
	xsp1.Restarts = []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}}}
	xsp1.Checks = []*engine.Check{{Resource: "check.no_cap_alarms", Passed: false, Message: "CAP connection alarms are still raised on xsp1"}}

	xsp2 := &engine.HostPlan{Name: "xsp2", Address: "10.1.0.12", Type: "xsp", Release: "Rel_24.0_1.944",
		Facts: facts("xsp", "Rel_24.0_1.944", 24)}
	xsp2.Changes = []*engine.Change{capOff()}
	xsp2.Restarts = []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}, Pending: true, PendingSince: "20261120T080000Z"}}
	xsp2.Checks = []*engine.Check{{Resource: "check.no_cap_alarms", Passed: true}}

	xsp3 := &engine.HostPlan{Name: "xsp3", Address: "10.1.0.13", Type: "xsp", Release: "Rel_24.0_1.944",
		Facts: facts("xsp", "Rel_24.0_1.944", 24), Changes: []*engine.Change{}}
	xsp3.Restarts = []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"OCIProxy changed"}, Pending: true, PendingSince: "20261126T080000Z"}}

	as1 := &engine.HostPlan{Name: "as1", Address: "10.2.0.21", Type: "as", Release: "Rel_24.0_1.944",
		Facts: facts("as", "Rel_24.0_1.944", 24)}
	as1.Changes = []*engine.Change{
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Delete,
			Key: []engine.Field{{Name: "host", Value: "10.0.0.3"}}, Attrs: []*engine.AttrChange{{Name: "description", Before: "old lab"}}},
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Update,
			Key: []engine.Field{{Name: "host", Value: "10.0.0.1"}}, Attrs: []*engine.AttrChange{{Name: "description", Before: "old\x1b[2J|`x`", After: "Core router"}}},
		{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Create,
			Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}}, Attrs: []*engine.AttrChange{{Name: "description", After: "NOC <script>x</script>"}}},
		{Resource: "table.scheduler", Path: "Maintenance/Scheduler", Action: engine.Create,
			Attrs: []*engine.AttrChange{{Name: "name", After: "rotate"}, {Name: "hour", After: "5"}}},
		{Resource: "table.opts", Path: "Maintenance/ContainerOptions", Action: engine.Update,
			Key:   []engine.Field{{Name: "container", Value: "ExecutionServer"}, {Name: "name", Value: "bw.token"}},
			Attrs: []*engine.AttrChange{{Name: "value", Before: "0ldT0ken", After: "t0kenValue9", Sensitive: true, Restart: "ExecutionServer"}}},
	}
	as1.Restarts = []*engine.Restart{{App: "ExecutionServer", Reasons: []string{"ContainerOptions changed"}}}
	as1.Checks = []*engine.Check{{Resource: "check.sip_port", Passed: true}}

	adp1 := &engine.HostPlan{Name: "adp1", Address: "10.1.0.21", Type: "adp", Release: "Rel_24.0_1.944",
		Facts: facts("adp", "Rel_24.0_1.944", 24)}
	adp1.Changes = []*engine.Change{upd("context.cis", "Applications/AuthenticationService/CISTokenValidation",
		&engine.AttrChange{Name: "clientSecret", After: "cl1entSecret7", Sensitive: true, BeforeUnknown: true, Restart: "AuthenticationService"})}
	adp1.Restarts = []*engine.Restart{{App: "AuthenticationService", Reasons: []string{"CISTokenValidation changed"}}}

	xsp4 := &engine.HostPlan{Name: "xsp4", Address: "10.1.0.14", Type: "xsp", Error: "unreachable: dial tcp 10.1.0.14:22: connect: connection refused",
		Changes: []*engine.Change{}, Restarts: []*engine.Restart{}}

	xsp5 := &engine.HostPlan{Name: "xsp5", Address: "10.1.0.15", Type: "xsp", Release: "Rel_24.0_1.944",
		Facts: facts("xsp", "Rel_24.0_1.944", 24, "bwOpenClientServerASConnFailed"), Changes: []*engine.Change{}, Restarts: []*engine.Restart{}}
	xsp5.Warnings = []string{capAdvisory}
	xsp5.Checks = []*engine.Check{{Resource: "check.no_cap_alarms", Passed: false, Message: "CAP connection alarms are still raised on xsp5"}}

	xsp6 := &engine.HostPlan{Name: "xsp6", Address: "10.1.0.16", Type: "xsp", Release: "Rel_24.0_1.944",
		Facts: facts("xsp", "Rel_24.0_1.944", 24), Changes: []*engine.Change{}, Restarts: []*engine.Restart{}}

	return &engine.Plan{
		FormatVersion: "1.0", ConfigHash: "3f2a9c7d11e0b4a5", CreatedAt: "2026-11-27T10:20:00Z",
		Salt: "00112233445566778899aabbccddeeff", Mode: "normal",
		Hosts:    []*engine.HostPlan{xsp1, xsp2, xsp3, as1, adp1, xsp4, xsp5, xsp6},
		Warnings: []string{"context.legacy: System/Legacy is not in the catalogue; values are compared as strings"},
	}
}

// fixtureHosts is the inventory; as9 is in it but not in the plan.
func fixtureHosts() []*engine.Host {
	h := func(name, typ string, groups ...string) *engine.Host {
		return &engine.Host{Name: name, Type: typ, Groups: groups}
	}
	return []*engine.Host{
		h("xsp1", "xsp", "xsp", "farm_a"), h("xsp2", "xsp", "xsp", "farm_a"), h("xsp3", "xsp", "xsp", "farm_b"),
		h("as1", "as", "as"), h("adp1", "adp", "adp", "farm_b"), h("xsp4", "xsp", "xsp", "farm_b"),
		h("xsp5", "xsp", "xsp"), h("xsp6", "xsp", "xsp"), h("as9", "as", "as"),
	}
}

func fixtureRollout() engine.Rollout {
	return engine.Rollout{BatchSize: 2, MaxFailures: 0, HealthTimeout: 10 * time.Minute, Restart: engine.RestartNow,
		SpreadGroups: []string{"farm_a", "farm_b"}, MaxPerGroup: 1}
}

// rec is a journal record at t seconds after 2026-11-20T08:00:00Z.
func rec(t int, run string, kind journal.Kind, r journal.Record) *journal.Record {
	r.Time = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(t) * time.Second).Format(time.RFC3339)
	r.Run, r.Kind = run, kind
	return &r
}

// fixtureJournal holds two runs: 20261120T080000Z changed and restarted
// xsp1 and xsp3 (OpenClientServer) and as1 (ExecutionServer); the second,
// 20261127T110000Z, is the apply of fixturePlan: xsp1 changed, xsp3
// restarted, xsp2 failed its restart, the rest untouched.
func fixtureJournal() []*journal.Record {
	const r1, r2 = "20261120T080000Z", "20261127T110000Z"
	s := journal.Str
	exit0, exit3 := 0, 3
	// The second run starts a week after the first.
	week := 7 * 24 * 3600
	return []*journal.Record{
		rec(0, r1, journal.KindRunStart, journal.Record{Operator: "alice@ctl1", Mode: "normal", PlanHash: "aa11", ConfigHash: "3f2a9c7d11e0b4a5", RestartPolicy: "now", Hosts: []string{"xsp1", "xsp3", "as1"}}),
		rec(1, r1, journal.KindPending, journal.Record{Host: "xsp1", App: "OpenClientServer", Reason: "OCIProxy changed"}),
		rec(2, r1, journal.KindChange, journal.Record{Host: "xsp1", Path: "Applications/OpenClientServer/OCIProxy", Action: "update", Attr: "enabled", Before: s("true"), After: s("false")}),
		rec(2, r1, journal.KindReply, journal.Record{Host: "xsp1", Command: "set enabled false", Reply: "restart"}),
		rec(3, r1, journal.KindChange, journal.Record{Host: "xsp1", Path: "Interface/SNMP/Agent", Action: "update", Attr: "readCommunity", Before: s(journal.Redacted), After: s(journal.Redacted), Sensitive: true, ValueHash: "ab"}),
		rec(3, r1, journal.KindReply, journal.Record{Host: "xsp1", Command: "set readCommunity (sensitive)", Reply: "done"}),
		rec(4, r1, journal.KindVerify, journal.Record{Host: "xsp1", Path: "Applications/OpenClientServer/OCIProxy", Outcome: "ok"}),
		rec(4, r1, journal.KindRestart, journal.Record{Host: "xsp1", App: "OpenClientServer", Outcome: "started"}),
		rec(45, r1, journal.KindRestart, journal.Record{Host: "xsp1", App: "OpenClientServer", Outcome: "healthy", Detail: "after 41.3s"}),
		rec(45, r1, journal.KindPendingCleared, journal.Record{Host: "xsp1", App: "OpenClientServer", Since: r1, Reason: "restarted and healthy"}),
		rec(46, r1, journal.KindHostEnd, journal.Record{Host: "xsp1", Outcome: "changed"}),
		rec(46, r1, journal.KindRestart, journal.Record{Host: "xsp3", App: "OpenClientServer", Outcome: "started"}),
		rec(84, r1, journal.KindRestart, journal.Record{Host: "xsp3", App: "OpenClientServer", Outcome: "healthy", Detail: "after 38.0s"}),
		rec(84, r1, journal.KindHostEnd, journal.Record{Host: "xsp3", Outcome: "changed"}),
		rec(85, r1, journal.KindRestart, journal.Record{Host: "as1", App: "ExecutionServer", Outcome: "started"}),
		rec(181, r1, journal.KindRestart, journal.Record{Host: "as1", App: "ExecutionServer", Outcome: "healthy", Detail: "after 95.5s"}),
		rec(181, r1, journal.KindHostEnd, journal.Record{Host: "as1", Outcome: "changed"}),
		rec(181, r1, journal.KindRunEnd, journal.Record{Counts: map[string]int{"changed": 3}, ExitCode: &exit0}),

		rec(week, "", journal.KindPendingCleared, journal.Record{Host: "xsp9", App: "OpenClientServer", Reason: "by hand", Operator: "bob@ctl2"}),

		rec(week, r2, journal.KindRunStart, journal.Record{Operator: "bob@ctl2", Mode: "normal", PlanHash: "bb22", ConfigHash: "3f2a9c7d11e0b4a5", RestartPolicy: "now", Hosts: []string{"xsp1", "xsp2", "xsp3", "xsp4", "xsp6"}}),
		rec(week, r2, journal.KindHostEnd, journal.Record{Host: "xsp4", Outcome: "failed", Reason: "unreachable: dial tcp 10.1.0.14:22: connect: connection refused"}),
		rec(week, r2, journal.KindHostEnd, journal.Record{Host: "xsp6", Outcome: "unchanged"}),
		rec(week+2, r2, journal.KindPending, journal.Record{Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed"}),
		rec(week+3, r2, journal.KindChange, journal.Record{Host: "xsp1", Path: "Applications/OpenClientServer/CAPProxy", Action: "update", Attr: "enabled", Before: s("true"), After: s("false")}),
		rec(week+3, r2, journal.KindReply, journal.Record{Host: "xsp1", Command: "set enabled false", Reply: "restart"}),
		rec(week+4, r2, journal.KindChange, journal.Record{Host: "xsp1", Path: "Interface/SNMP/Agent", Action: "update", Attr: "readCommunity", Before: s(journal.Redacted), After: s(journal.Redacted), Sensitive: true, ValueHash: "cd"}),
		rec(week+4, r2, journal.KindReply, journal.Record{Host: "xsp1", Command: "set readCommunity (sensitive)", Reply: "done"}),
		rec(week+4, r2, journal.KindChange, journal.Record{Host: "xsp1", Path: "System/ManagementAccessList", Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}}, Action: "create", Attr: "description", After: s("NOC <b>")}),
		rec(week+4, r2, journal.KindReply, journal.Record{Host: "xsp1", Command: "add 10.9.0.5 description NOC", Reply: "done"}),
		rec(week+5, r2, journal.KindVerify, journal.Record{Host: "xsp1", Path: "Applications/OpenClientServer/CAPProxy", Outcome: "ok"}),
		rec(week+5, r2, journal.KindRestart, journal.Record{Host: "xsp1", App: "OpenClientServer", Outcome: "started"}),
		rec(week+49, r2, journal.KindRestart, journal.Record{Host: "xsp1", App: "OpenClientServer", Outcome: "healthy", Detail: "after 44.2s"}),
		rec(week+49, r2, journal.KindPendingCleared, journal.Record{Host: "xsp1", App: "OpenClientServer", Since: r2, Reason: "restarted and healthy"}),
		rec(week+51, r2, journal.KindCheck, journal.Record{Host: "xsp1", Detail: "check.no_cap_alarms", Outcome: "passed"}),
		rec(week+51, r2, journal.KindHostEnd, journal.Record{Host: "xsp1", Outcome: "changed"}),
		rec(week+52, r2, journal.KindRestart, journal.Record{Host: "xsp3", App: "OpenClientServer", Outcome: "started"}),
		rec(week+90, r2, journal.KindRestart, journal.Record{Host: "xsp3", App: "OpenClientServer", Outcome: "healthy", Detail: "after 38.4s"}),
		rec(week+90, r2, journal.KindPendingCleared, journal.Record{Host: "xsp3", App: "OpenClientServer", Since: "20261126T080000Z", Reason: "restarted and healthy"}),
		rec(week+90, r2, journal.KindHostEnd, journal.Record{Host: "xsp3", Outcome: "changed"}),
		rec(week+91, r2, journal.KindPending, journal.Record{Host: "xsp2", App: "OpenClientServer", Reason: "CAPProxy changed"}),
		rec(week+92, r2, journal.KindReply, journal.Record{Host: "xsp2", Command: "set enabled false", Reply: "error", Text: "[CLIError] Command set: Failed to update the configuration"}),
		rec(week+92, r2, journal.KindPendingCleared, journal.Record{Host: "xsp2", App: "OpenClientServer", Since: r2, Reason: "not needed: the server refused the first change, nothing was changed"}),
		rec(week+92, r2, journal.KindHostEnd, journal.Record{Host: "xsp2", Outcome: "failed", Reason: "set enabled false failed: [CLIError] Command set: Failed to update the configuration"}),
		rec(week+93, r2, journal.KindRunEnd, journal.Record{Counts: map[string]int{"changed": 2, "failed": 2, "unchanged": 1}, ExitCode: &exit3}),
	}
}

var fixtureNow = time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC)

func fixtureReview() *review.Review {
	hosts := fixtureHosts()
	types := map[string]string{}
	for _, h := range hosts {
		types[h.Name] = h.Type
	}
	recs := fixtureJournal()
	return review.Build(review.Input{
		Plan: fixturePlan(), PlanFile: "cap.plan", PlanSHA256: "5e2b4f0c9d8a7b6c5e2b4f0c9d8a7b6c5e2b4f0c9d8a7b6c5e2b4f0c9d8a7b6c",
		PlanHash: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
		Hosts:    hosts, Rollout: fixtureRollout(), ConfigDir: "examples/cap-disable", ConfigHash: "3f2a9c7d11e0b4a5",
		Git:        &review.Git{Commit: "4be7c1d0a9f3e2b1c4d5e6f708192a3b4c5d6e7f", Dirty: true, DirtyFiles: []string{"cap.bw.hcl"}},
		Catalogue:  catalog.New(),
		History:    review.NewHistory(recs, "", func(h string) string { return types[h] }),
		PreparedBy: "alice@ctl1", Now: fixtureNow,
	})
}

func fixtureRun() *review.RunRecord {
	rollout := fixtureRollout()
	r, err := review.BuildRun(review.RunInput{
		Records: fixtureJournal(), Run: "20261127T110000Z", Hosts: fixtureHosts(), Rollout: &rollout,
		Journal:    review.JournalState{Verified: true, Records: 46, Detail: "46 records, hash chain intact"},
		RevertPath: ".bwstate/runs/20261127T110000Z/revert.json", RevertExists: true,
	})
	if err != nil {
		panic(err)
	}
	return r
}

// docsReview is the example of docs/change-review.md: the CAP runbook's
// change (docs/runbooks/cap-disable.md) on the fleet of examples/lab, after
// one earlier run restarted OpenClientServer on two XSPs.
func docsReview() *review.Review {
	h := func(name, typ string, groups ...string) *engine.Host {
		return &engine.Host{Name: name, Type: typ, Groups: groups}
	}
	hosts := []*engine.Host{
		h("xsp1", "xsp", "xsp", "farm_a"), h("xsp2", "xsp", "xsp", "farm_a"), h("xsp3", "xsp", "xsp", "farm_b"),
		h("adp1", "adp", "adp", "farm_b"), h("as1", "as", "as"), h("as2", "as", "as"),
	}
	addr := map[string]string{"xsp1": "10.1.0.11", "xsp2": "10.1.0.12", "xsp3": "10.1.0.13", "adp1": "10.1.0.21", "as1": "10.2.0.21", "as2": "10.2.0.22"}
	rel := map[string]string{"xsp1": "Rel_21.0_1.1123", "xsp2": "Rel_22.0_1.1123", "xsp3": "Rel_24.0_1.944", "adp1": "Rel_2022.11_1.273", "as1": "Rel_24.0_1.944", "as2": "Rel_24.0_1.944"}
	num := map[string]float64{"xsp1": 21, "xsp2": 22, "xsp3": 24, "adp1": 2022.11, "as1": 24, "as2": 24}
	p := &engine.Plan{FormatVersion: "1.0", ConfigHash: "a4afb9a08435776fb44968ad35b4d40b4c05834c8755db17a043cc860b2059d0",
		CreatedAt: "2026-11-27T21:58:12Z", Salt: "00", Mode: "normal"}
	for _, host := range hosts {
		hp := &engine.HostPlan{Name: host.Name, Address: addr[host.Name], Type: host.Type, Release: rel[host.Name],
			Facts: facts(host.Type, rel[host.Name], num[host.Name]), Changes: []*engine.Change{}, Restarts: []*engine.Restart{}}
		if host.Type != "as" && num[host.Name] >= 22 {
			hp.Facts.Alarms = []string{"bwOpenClientServerASConnFailed"}
			hp.Changes = []*engine.Change{capOff()}
			hp.Restarts = []*engine.Restart{{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}}}
			hp.Checks = []*engine.Check{{Resource: "check.no_cap_alarms", Message: "CAP connection alarms are still raised on " + host.Name}}
		}
		p.Hosts = append(p.Hosts, hp)
	}
	const run = "20261120T220000Z"
	s := journal.Str
	code := 0
	recs := []*journal.Record{
		rec(0, run, journal.KindRunStart, journal.Record{Operator: "alice@ctl1", Mode: "normal", RestartPolicy: "now", Hosts: []string{"xsp2", "xsp3"}}),
		rec(1, run, journal.KindPending, journal.Record{Host: "xsp2", App: "OpenClientServer", Reason: "OCIProxy changed"}),
		rec(2, run, journal.KindChange, journal.Record{Host: "xsp2", Path: "Applications/OpenClientServer/OCIProxy", Action: "update", Attr: "enabled", Before: s("true"), After: s("false")}),
		rec(2, run, journal.KindReply, journal.Record{Host: "xsp2", Command: "set enabled false", Reply: "restart"}),
		rec(3, run, journal.KindVerify, journal.Record{Host: "xsp2", Path: "Applications/OpenClientServer/OCIProxy", Outcome: "ok"}),
		rec(3, run, journal.KindRestart, journal.Record{Host: "xsp2", App: "OpenClientServer", Outcome: "started"}),
		rec(45, run, journal.KindRestart, journal.Record{Host: "xsp2", App: "OpenClientServer", Outcome: "healthy", Detail: "after 41.3s"}),
		rec(45, run, journal.KindHostEnd, journal.Record{Host: "xsp2", Outcome: "changed"}),
		rec(46, run, journal.KindPending, journal.Record{Host: "xsp3", App: "OpenClientServer", Reason: "OCIProxy changed"}),
		rec(47, run, journal.KindChange, journal.Record{Host: "xsp3", Path: "Applications/OpenClientServer/OCIProxy", Action: "update", Attr: "enabled", Before: s("true"), After: s("false")}),
		rec(47, run, journal.KindReply, journal.Record{Host: "xsp3", Command: "set enabled false", Reply: "restart"}),
		rec(48, run, journal.KindVerify, journal.Record{Host: "xsp3", Path: "Applications/OpenClientServer/OCIProxy", Outcome: "ok"}),
		rec(48, run, journal.KindRestart, journal.Record{Host: "xsp3", App: "OpenClientServer", Outcome: "started"}),
		rec(86, run, journal.KindRestart, journal.Record{Host: "xsp3", App: "OpenClientServer", Outcome: "healthy", Detail: "after 37.6s"}),
		rec(86, run, journal.KindHostEnd, journal.Record{Host: "xsp3", Outcome: "changed"}),
		rec(86, run, journal.KindRunEnd, journal.Record{ExitCode: &code}),
	}
	types := map[string]string{}
	for _, host := range hosts {
		types[host.Name] = host.Type
	}
	return review.Build(review.Input{
		Plan: p, PlanFile: "cap.plan", PlanSHA256: "9d3c0b5e8f1a2b7c6d4e3f20a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
		PlanHash: "442aee239d65240941870d3a23ae3ebf55c1003b0ef6715cdaba846abef1d2fd", Title: "CHG-2291: disable CAP after the 22.0 upgrade",
		Hosts: hosts, Rollout: engine.Rollout{BatchSize: 1, HealthTimeout: 2 * time.Minute, Restart: engine.RestartNow,
			SpreadGroups: []string{"farm_a", "farm_b"}, MaxPerGroup: 1},
		ConfigDir: "examples/cap-disable", ConfigHash: p.ConfigHash,
		Git:       &review.Git{Commit: "7f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e", DirtyFiles: []string{}},
		Catalogue: catalog.New(), History: review.NewHistory(recs, "", func(h string) string { return types[h] }),
		PreparedBy: "alice@ctl1", Now: time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC),
	})
}
