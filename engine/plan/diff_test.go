package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bwstate/bwstate/engine"
)

const (
	capPath   = "Applications/OpenClientServer/CAPProxy"
	ociPath   = "Applications/OpenClientServer/OCIProxy"
	snmpPath  = "Interface/SNMP/Agent"
	cisPath   = "Applications/AuthenticationService/CISTokenValidation"
	aclPath   = "System/ManagementAccessList"
	trapPath  = "Interface/SNMP/TrapTable"
	schedPath = "Maintenance/Scheduler"
	contPath  = "Maintenance/ContainerOptions"
)

var (
	xsp1  = &engine.Host{Name: "xsp1", Address: "10.1.0.11", Type: "xsp"}
	xsp22 = &engine.Facts{TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123"}
)

// upd, create and del build expected changes.
func upd(resource, path string, key []engine.Field, attrs ...*engine.AttrChange) *engine.Change {
	return &engine.Change{Resource: resource, Path: path, Action: engine.Update, Key: key, Attrs: attrs}
}

func create(resource, path string, key []engine.Field, attrs ...*engine.AttrChange) *engine.Change {
	return &engine.Change{Resource: resource, Path: path, Action: engine.Create, Key: key, Attrs: attrs}
}

func del(resource, path string, key []engine.Field, attrs ...*engine.AttrChange) *engine.Change {
	return &engine.Change{Resource: resource, Path: path, Action: engine.Delete, Key: key, Attrs: attrs}
}

func ac(name, before, after, restart string) *engine.AttrChange {
	return &engine.AttrChange{Name: name, Before: before, After: after, Restart: restart}
}

func key(kv ...string) []engine.Field {
	var k []engine.Field
	for i := 0; i+1 < len(kv); i += 2 {
		k = append(k, f(kv[i], kv[i+1]))
	}
	return k
}

func restart(app string, reasons ...string) *engine.Restart {
	return &engine.Restart{App: app, Reasons: reasons}
}

func pendingRestart(app, since string, reasons ...string) *engine.Restart {
	return &engine.Restart{App: app, Reasons: reasons, Pending: true, PendingSince: since}
}

func unhealthyRestart(app, since, restartedIn string) *engine.Restart {
	r := pendingRestart(app, since, "X changed")
	r.Unhealthy, r.RestartedIn = "not healthy within 2s: "+app+" is Starting", restartedIn
	return r
}

func TestDiffHost(t *testing.T) {
	type want struct {
		changes  []*engine.Change
		restarts []*engine.Restart
		err      string // substring of HostPlan.Error; empty means none
	}
	tests := map[string]struct {
		desired  []*engine.Desired
		observed map[string]*engine.Observed
		pending  []*engine.Restart
		secret   SecretMatcher
		facts    *engine.Facts // xsp22 when nil
		want     want
	}{
		"normalised values are not changes": {
			desired: []*engine.Desired{
				ctxWant("context.cap", capProxy, "", f("enabled", "TRUE"), f("serverPort", "02206")),
				ctxWant("context.snmp", snmpAgent, "", f("encoding", "utf-8"), f("port", "8001")),
			},
			observed: map[string]*engine.Observed{
				capPath:  attrsLive(capPath, "enabled", "true", "serverPort", "2206", "numConnections", "1"),
				snmpPath: attrsLive(snmpPath, "port", "+8001", "encoding", "UTF-8"),
			},
		},
		"live value in another case is not a change": {
			desired:  []*engine.Desired{ctxWant("context.cap", capProxy, "", f("enabled", "false"))},
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "FALSE")},
		},
		"only differing attributes, names and values in canonical case": {
			desired: []*engine.Desired{
				ctxWant("context.cap", capProxy, "", f("ENABLED", "False"), f("serverport", "2206")),
			},
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true", "serverPort", "2206")},
			want: want{
				changes:  []*engine.Change{upd("context.cap", capPath, nil, ac("enabled", "true", "false", "OpenClientServer"))},
				restarts: []*engine.Restart{restart("OpenClientServer", "CAPProxy changed")},
			},
		},
		"choice compared case-insensitively, printed canonically": {
			desired:  []*engine.Desired{ctxWant("context.sip", sipInterface, "", f("transport", "tcp"))},
			observed: map[string]*engine.Observed{"Interface/SIP": attrsLive("Interface/SIP", "transport", "udp")},
			want: want{
				changes:  []*engine.Change{upd("context.sip", "Interface/SIP", nil, ac("transport", "udp", "TCP", "ExecutionServer"))},
				restarts: []*engine.Restart{restart("ExecutionServer", "SIP changed")},
			},
		},
		"observed keyed in another case": {
			desired:  []*engine.Desired{ctxWant("context.cap", capProxy, "", f("enabled", "false"))},
			observed: map[string]*engine.Observed{"/applications/openclientserver/capproxy": attrsLive(capPath, "enabled", "true")},
			want: want{
				changes:  []*engine.Change{upd("context.cap", capPath, nil, ac("enabled", "true", "false", "OpenClientServer"))},
				restarts: []*engine.Restart{restart("OpenClientServer", "CAPProxy changed")},
			},
		},
		"unknown context compared as strings with the server's spelling": {
			desired: []*engine.Desired{
				ctxWant("context.x", nil, "/system/foo", f("Flag", "TRUE"), f("Mode", "same")),
			},
			observed: map[string]*engine.Observed{
				"system/foo": attrsLive("System/Foo", "flag", "true", "mode", "same"),
			},
			want: want{
				changes: []*engine.Change{upd("context.x", "System/Foo", nil, ac("flag", "true", "TRUE", ""))},
			},
		},
		"unknown context restarts what the configuration says": {
			desired: []*engine.Desired{func() *engine.Desired {
				d := ctxWant("context.x", nil, "System/Foo", f("flag", "false"))
				d.Restart = "Foo"
				return d
			}()},
			observed: map[string]*engine.Observed{"System/Foo": attrsLive("System/Foo", "flag", "true")},
			want: want{
				changes:  []*engine.Change{upd("context.x", "System/Foo", nil, ac("flag", "true", "false", "Foo"))},
				restarts: []*engine.Restart{restart("Foo", "Foo changed")},
			},
		},
		"attribute the server does not print fails the host": {
			desired: []*engine.Desired{
				ctxWant("context.cap", capProxy, "", f("enabled", "false"), f("numconnections", "2")),
			},
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true")},
			want:     want{err: "context.cap: the server does not print Applications/OpenClientServer/CAPProxy.numConnections (Rel_22.0_1.1123 may not have it)"},
		},
		"attribute of a later release fails the host with the release": {
			desired:  []*engine.Desired{ctxWant("context.cap", capProxy, "", f("newInR24", "true"))},
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "true")},
			want:     want{err: "CAPProxy.newInR24 exists only in release 24.0 and later, the server runs Rel_22.0_1.1123"},
		},
		"context that was not read fails the host": {
			desired: []*engine.Desired{ctxWant("context.cap", capProxy, "", f("enabled", "false"))},
			want:    want{err: "context.cap: Applications/OpenClientServer/CAPProxy was not read"},
		},
		"table declared where the server has attributes": {
			desired:  []*engine.Desired{tableWant("table.acl", mgmtACL, "", false, row(f("host", "10.0.0.1")))},
			observed: map[string]*engine.Observed{aclPath: attrsLive(aclPath, "host", "x")},
			want:     want{err: "table.acl: System/ManagementAccessList holds attributes on this server, not a table"},
		},
		"errors of several resources are all reported": {
			desired: []*engine.Desired{
				ctxWant("context.cap", capProxy, "", f("numConnections", "2")),
				ctxWant("context.oci", ociProxy, "", f("enabled", "false")),
				ctxWant("context.snmp", snmpAgent, "", f("port", "1")),
			},
			observed: map[string]*engine.Observed{
				capPath:  attrsLive(capPath, "enabled", "true"),
				ociPath:  attrsLive(ociPath, "enabled", "true"),
				snmpPath: attrsLive(snmpPath),
			},
			want: want{err: "context.cap: the server does not print Applications/OpenClientServer/CAPProxy.numConnections (Rel_22.0_1.1123 may not have it); context.snmp: the server does not print Interface/SNMP/Agent.port (Rel_22.0_1.1123 may not have it)"},
		},
		"table rows: create and update, undeclared rows and columns kept": {
			desired: []*engine.Desired{tableWant("table.acl", mgmtACL, "", false,
				row(f("host", "10.0.0.1"), f("description", "new")),
				row(f("host", "10.9.0.5"), f("description", "NOC")),
				row(f("host", "10.0.0.2")),
			)},
			observed: map[string]*engine.Observed{aclPath: rowsLive(aclPath,
				map[string]string{"host": "10.0.0.1", "description": "old"},
				map[string]string{"host": "10.0.0.2", "description": "kept"},
				map[string]string{"host": "10.0.0.3", "description": ""},
			)},
			want: want{changes: []*engine.Change{
				upd("table.acl", aclPath, key("host", "10.0.0.1"), ac("description", "old", "new", "")),
				create("table.acl", aclPath, key("host", "10.9.0.5"), ac("description", "", "NOC", "")),
			}},
		},
		"exclusive table: deletes, then updates, then creates": {
			desired: []*engine.Desired{tableWant("table.acl", mgmtACL, "", true,
				row(f("host", "10.9.0.5"), f("description", "NOC")),
				row(f("host", "10.0.0.1"), f("description", "new")),
			)},
			observed: map[string]*engine.Observed{aclPath: rowsLive(aclPath,
				map[string]string{"host": "10.0.0.7", "description": "old lab"},
				map[string]string{"host": "10.0.0.1", "description": "old"},
				map[string]string{"host": "10.0.0.3", "description": ""},
			)},
			want: want{changes: []*engine.Change{
				del("table.acl", aclPath, key("host", "10.0.0.7"), ac("description", "old lab", "", "")),
				del("table.acl", aclPath, key("host", "10.0.0.3"), ac("description", "", "", "")),
				upd("table.acl", aclPath, key("host", "10.0.0.1"), ac("description", "old", "new", "")),
				create("table.acl", aclPath, key("host", "10.9.0.5"), ac("description", "", "NOC", "")),
			}},
		},
		"composite keys match by every key with normalisation": {
			desired: []*engine.Desired{tableWant("table.traps", trapTable, "", true,
				row(f("ipAddress", "10.2.0.1"), f("port", "0162"), f("version", "V2C")),
				row(f("ipAddress", "10.2.0.1"), f("port", "163"), f("description", "second")),
			)},
			observed: map[string]*engine.Observed{trapPath: rowsLive(trapPath,
				map[string]string{"ipAddress": "10.2.0.1", "port": "162", "version": "v2c", "description": ""},
				map[string]string{"ipAddress": "10.2.0.2", "port": "163", "version": "v1", "description": "other host"},
			)},
			want: want{changes: []*engine.Change{
				del("table.traps", trapPath, key("ipAddress", "10.2.0.2", "port", "163"), ac("version", "v1", "", ""), ac("description", "other host", "", "")),
				create("table.traps", trapPath, key("ipAddress", "10.2.0.1", "port", "163"), ac("description", "", "second", "")),
			}},
		},
		"a row declared twice fails the host": {
			desired: []*engine.Desired{tableWant("table.acl", mgmtACL, "", false,
				row(f("host", "10.0.0.1")), row(f("HOST", "10.0.0.1"), f("description", "again")),
			)},
			observed: map[string]*engine.Observed{aclPath: rowsLive(aclPath)},
			want:     want{err: "table.acl: System/ManagementAccessList row [host=10.0.0.1] is declared twice"},
		},
		"key-only table rows restart the context's application": {
			desired: []*engine.Desired{tableWant("table.levels", loginLevels, "", true, row(f("loginLevel", "system")))},
			observed: map[string]*engine.Observed{loginLevels.Path: rowsLive(loginLevels.Path,
				map[string]string{"loginLevel": "User"},
			)},
			want: want{
				changes: []*engine.Change{
					del("table.levels", loginLevels.Path, key("loginLevel", "User")),
					create("table.levels", loginLevels.Path, key("loginLevel", "System")),
				},
				restarts: []*engine.Restart{restart("OpenClientServer", "LoginLevelAllowed changed")},
			},
		},
		"container options restart the container named by the key": {
			desired: []*engine.Desired{tableWant("table.opts", containerOptions, "", true,
				row(f("container", "XSP"), f("name", "heap"), f("value", "4096")),
				row(f("container", "OpenClientServer"), f("name", "threads"), f("value", "8")),
			)},
			observed: map[string]*engine.Observed{contPath: rowsLive(contPath,
				map[string]string{"container": "XSP", "name": "heap", "value": "2048"},
				map[string]string{"container": "AuthenticationService", "name": "debug", "value": "on"},
			)},
			want: want{
				changes: []*engine.Change{
					del("table.opts", contPath, key("container", "AuthenticationService", "name", "debug"), ac("value", "on", "", "AuthenticationService")),
					upd("table.opts", contPath, key("container", "XSP", "name", "heap"), ac("value", "2048", "4096", "XSP")),
					create("table.opts", contPath, key("container", "OpenClientServer", "name", "threads"), ac("value", "", "8", "OpenClientServer")),
				},
				restarts: []*engine.Restart{
					restart("AuthenticationService", "ContainerOptions changed"),
					restart("OpenClientServer", "ContainerOptions changed"),
					restart("XSP", "ContainerOptions changed"),
				},
			},
		},
		"id-keyed table matches by content, deletes highest id first, never updates": {
			desired: []*engine.Desired{tableWant("table.sched", scheduler, "", true,
				row(f("name", "cleanup"), f("hour", "03")),
				row(f("name", "rotate"), f("hour", "5")),
				row(f("name", "report"), f("day", "monday"), f("hour", "6")),
			)},
			observed: map[string]*engine.Observed{schedPath: rowsLive(schedPath,
				map[string]string{"id": "2", "name": "backup", "day": "Everyday", "hour": "2"},
				map[string]string{"id": "10", "name": "rotate", "day": "Everyday", "hour": "4"},
				map[string]string{"id": "3", "name": "cleanup", "day": "Sunday", "hour": "3"},
			)},
			want: want{changes: []*engine.Change{
				del("table.sched", schedPath, key("id", "10"), ac("name", "rotate", "", ""), ac("day", "Everyday", "", ""), ac("hour", "4", "", "")),
				del("table.sched", schedPath, key("id", "2"), ac("name", "backup", "", ""), ac("day", "Everyday", "", ""), ac("hour", "2", "", "")),
				create("table.sched", schedPath, nil, ac("name", "", "rotate", ""), ac("hour", "", "5", "")),
				create("table.sched", schedPath, nil, ac("name", "", "report", ""), ac("day", "", "Monday", ""), ac("hour", "", "6", "")),
			}},
		},
		"id-keyed table without exclusive only adds": {
			desired: []*engine.Desired{tableWant("table.sched", scheduler, "", false, row(f("name", "report"), f("hour", "6")))},
			observed: map[string]*engine.Observed{schedPath: rowsLive(schedPath,
				map[string]string{"id": "1", "name": "backup", "day": "Everyday", "hour": "2"},
			)},
			want: want{changes: []*engine.Change{
				create("table.sched", schedPath, nil, ac("name", "", "report", ""), ac("hour", "", "6", "")),
			}},
		},
		"unknown table adds rows missing by content": {
			desired: []*engine.Desired{tableWant("table.x", nil, "System/Things", false,
				row(f("name", "a"), f("size", "1")),
				row(f("name", "b"), f("size", "2")),
			)},
			observed: map[string]*engine.Observed{"System/Things": rowsLive("System/Things",
				map[string]string{"Name": "a", "Size": "1"},
			)},
			want: want{changes: []*engine.Change{
				create("table.x", "System/Things", key("Name", "b", "Size", "2")),
			}},
		},
		"unknown table refuses exclusive": {
			desired:  []*engine.Desired{tableWant("table.x", nil, "System/Things", true, row(f("name", "a")))},
			observed: map[string]*engine.Observed{"System/Things": rowsLive("System/Things")},
			want:     want{err: "table.x: System/Things is not in the catalogue, so its row key is unknown and exclusive cannot delete rows"},
		},
		"read-only table": {
			desired:  []*engine.Desired{tableWant("table.alarms", alarmsTable, "", true)},
			observed: map[string]*engine.Observed{alarmsTable.Path: rowsLive(alarmsTable.Path, map[string]string{"id": "1", "name": "x"})},
			want:     want{err: "table.alarms: Monitoring/Alarm/AlarmsTable is read-only but its rows differ"},
		},
		"one restart per application across attributes and contexts": {
			desired: []*engine.Desired{
				ctxWant("context.cap", capProxy, "", f("enabled", "false"), f("serverPort", "2207")),
				ctxWant("context.snmp", snmpAgent, "", f("port", "8002")),
				ctxWant("context.oci", ociProxy, "", f("messageQueueCapacity", "100")),
			},
			observed: map[string]*engine.Observed{
				capPath:  attrsLive(capPath, "enabled", "true", "serverPort", "2206"),
				snmpPath: attrsLive(snmpPath, "port", "8001"),
				ociPath:  attrsLive(ociPath, "messageQueueCapacity", "50"),
			},
			want: want{
				changes: []*engine.Change{
					upd("context.cap", capPath, nil, ac("enabled", "true", "false", "OpenClientServer"), ac("serverPort", "2206", "2207", "OpenClientServer")),
					upd("context.snmp", snmpPath, nil, ac("port", "8001", "8002", "")),
					upd("context.oci", ociPath, nil, ac("messageQueueCapacity", "50", "100", "OpenClientServer")),
				},
				restarts: []*engine.Restart{restart("OpenClientServer", "CAPProxy changed", "OCIProxy changed")},
			},
		},
		"pending restarts merge with needed ones": {
			desired: []*engine.Desired{ctxWant("context.oci", ociProxy, "", f("enabled", "false"))},
			observed: map[string]*engine.Observed{
				ociPath: attrsLive(ociPath, "enabled", "true"),
			},
			pending: []*engine.Restart{
				pendingRestart("OpenClientServer", "20261127T101500Z", "CAPProxy changed"),
				pendingRestart("AuthenticationService", "20261126T090000Z"),
			},
			want: want{
				changes: []*engine.Change{upd("context.oci", ociPath, nil, ac("enabled", "true", "false", "OpenClientServer"))},
				restarts: []*engine.Restart{
					pendingRestart("AuthenticationService", "20261126T090000Z"),
					pendingRestart("OpenClientServer", "20261127T101500Z", "CAPProxy changed", "OCIProxy changed"),
				},
			},
		},
		"a restart left unhealthy keeps its mark, unless a new change needs it": {
			desired: []*engine.Desired{ctxWant("context.cis", cisWithDefaults, "", f("enabled", "false"))},
			observed: map[string]*engine.Observed{
				cisPath: attrsLive(cisPath, "enabled", "true"),
			},
			pending: []*engine.Restart{
				unhealthyRestart("OpenClientServer", "r1", "r2"),
				unhealthyRestart("AuthenticationService", "r1", "r2"),
			},
			want: want{
				changes: []*engine.Change{upd("context.cis", cisPath, nil, ac("enabled", "true", "false", "AuthenticationService"))},
				restarts: []*engine.Restart{
					pendingRestart("AuthenticationService", "r1", "X changed", "CISTokenValidation changed"),
					unhealthyRestart("OpenClientServer", "r1", "r2"),
				},
			},
		},
		"pending restart alone": {
			desired:  []*engine.Desired{ctxWant("context.cap", capProxy, "", f("enabled", "false"))},
			observed: map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "false")},
			pending:  []*engine.Restart{pendingRestart("OpenClientServer", "20261127T101500Z")},
			want: want{
				restarts: []*engine.Restart{pendingRestart("OpenClientServer", "20261127T101500Z")},
			},
		},
		"sensitive attributes are compared and flagged": {
			desired: []*engine.Desired{ctxWant("context.snmp", snmpAgent, "",
				f("readCommunity", "s3cr3t"),
				engine.Field{Name: "trapSourceAddress", Value: "10.0.0.9", Sensitive: true},
			)},
			observed: map[string]*engine.Observed{snmpPath: attrsLive(snmpPath, "readCommunity", "public", "trapSourceAddress", "")},
			want: want{changes: []*engine.Change{upd("context.snmp", snmpPath, nil,
				&engine.AttrChange{Name: "readCommunity", Before: "public", After: "s3cr3t", Sensitive: true},
				&engine.AttrChange{Name: "trapSourceAddress", Before: "", After: "10.0.0.9", Sensitive: true},
			)}},
		},
		"equal sensitive value is not a change": {
			desired:  []*engine.Desired{ctxWant("context.snmp", snmpAgent, "", f("readCommunity", "s3cr3t"))},
			observed: map[string]*engine.Observed{snmpPath: attrsLive(snmpPath, "readCommunity", "s3cr3t")},
		},
		"prompted password without a journal is a change": {
			desired:  []*engine.Desired{ctxWant("context.cis", cisToken, "", f("clientsecret", "s3cr3t"))},
			observed: map[string]*engine.Observed{cisPath: attrsLive(cisPath, "enabled", "true", "clientSecret", "********")},
			want: want{
				changes: []*engine.Change{upd("context.cis", cisPath, nil,
					&engine.AttrChange{Name: "clientSecret", After: "s3cr3t", Sensitive: true, BeforeUnknown: true, Restart: "AuthenticationService"},
				)},
				restarts: []*engine.Restart{restart("AuthenticationService", "CISTokenValidation changed")},
			},
		},
		"prompted password the journal says was applied": {
			desired:  []*engine.Desired{ctxWant("context.cis", cisToken, "", f("clientsecret", "s3cr3t"))},
			observed: map[string]*engine.Observed{cisPath: attrsLive(cisPath, "enabled", "true", "clientSecret", "********")},
			secret: func(host, path, attr, value string) bool {
				return host == "xsp1" && path == cisPath && attr == "clientSecret" && value == "s3cr3t"
			},
		},
		"prompted password the journal says differs": {
			desired:  []*engine.Desired{ctxWant("context.cis", cisToken, "", f("clientSecret", "n3w"))},
			observed: map[string]*engine.Observed{cisPath: attrsLive(cisPath, "clientSecret", "********")},
			secret:   func(host, path, attr, value string) bool { return value == "s3cr3t" },
			want: want{
				changes: []*engine.Change{upd("context.cis", cisPath, nil,
					&engine.AttrChange{Name: "clientSecret", After: "n3w", Sensitive: true, BeforeUnknown: true, Restart: "AuthenticationService"},
				)},
				restarts: []*engine.Restart{restart("AuthenticationService", "CISTokenValidation changed")},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			facts := tc.facts
			if facts == nil {
				facts = xsp22
			}
			got := DiffHost(xsp1, facts, tc.desired, tc.observed, tc.pending, tc.secret)
			if tc.want.err != "" {
				if !strings.Contains(got.Error, tc.want.err) {
					t.Fatalf("wrong error\ngot:  %q\nwant: %q", got.Error, tc.want.err)
				}
				if len(got.Changes) != 0 || len(got.Restarts) != 0 {
					t.Fatalf("wrong result: a failed host has changes\ngot: %d changes, %d restarts\nwant: none", len(got.Changes), len(got.Restarts))
				}
				return
			}
			if got.Error != "" {
				t.Fatalf("wrong result\ngot error: %s\nwant: no error", got.Error)
			}
			if diff := cmp.Diff(tc.want.changes, got.Changes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("wrong changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want.restarts, got.Restarts, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("wrong restarts (-want +got):\n%s", diff)
			}
			if got.Name != "xsp1" || got.Address != "10.1.0.11" || got.Type != "xsp" || got.Release != facts.ReleaseString {
				t.Errorf("wrong host identity\ngot:  %s %s %s %s\nwant: xsp1 10.1.0.11 xsp %s", got.Name, got.Address, got.Type, got.Release, facts.ReleaseString)
			}
		})
	}
}

// TestDiffHostIsPure proves DiffHost leaves its inputs alone: Run hands it
// the journal's pending restarts and the configuration's values, which
// other hosts and later runs still use.
func TestDiffHostIsPure(t *testing.T) {
	pending := []*engine.Restart{pendingRestart("OpenClientServer", "run1", "CAPProxy changed")}
	desired := []*engine.Desired{ctxWant("context.oci", ociProxy, "", f("enabled", "FALSE"))}
	observed := map[string]*engine.Observed{ociPath: attrsLive(ociPath, "enabled", "true")}
	wantPending := []*engine.Restart{pendingRestart("OpenClientServer", "run1", "CAPProxy changed")}
	wantDesired := []*engine.Desired{ctxWant("context.oci", ociProxy, "", f("enabled", "FALSE"))}

	first := DiffHost(xsp1, xsp22, desired, observed, pending, nil)
	second := DiffHost(xsp1, xsp22, desired, observed, pending, nil)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("wrong result: DiffHost is not deterministic (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(wantPending, pending); diff != "" {
		t.Errorf("wrong result: pending restarts modified (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantDesired, desired); diff != "" {
		t.Errorf("wrong result: desired modified (-want +got):\n%s", diff)
	}
}

// TestUnknownApplicationPendingIsShown: a restart the server asked for
// without an application bwstate can name is never restarted
// automatically, but every plan keeps it in front of the operator with
// how to acknowledge it.
func TestUnknownApplicationPendingIsShown(t *testing.T) {
	desired := []*engine.Desired{ctxWant("context.cap", capProxy, "", f("enabled", "false"))}
	observed := map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "false")}
	pending := []*engine.Restart{{App: "", Reasons: []string{"*** Warning: BroadWorks needs to be restarted for the changes to take effect ***"}, Pending: true, PendingSince: "20261127T101500Z"}}
	got := DiffHost(xsp1, xsp22, desired, observed, pending, nil)
	if len(got.Restarts) != 0 {
		t.Errorf("wrong result\ngot: restarts %v\nwant: none (nobody knows what to restart)", got.Restarts)
	}
	want := "a restart of an unknown application is pending since run 20261127T101500Z (*** Warning: BroadWorks needs to be restarted for the changes to take effect ***); restart it by hand, then run: bwstate journal clear-pending -host xsp1"
	if len(got.Warnings) != 1 || !strings.HasPrefix(got.Warnings[0], want) {
		t.Errorf("wrong warnings\ngot:  %q\nwant: [%q...]", got.Warnings, want)
	}
}

// A pending restart recorded on another release than the host runs now
// was done by the upgrade (it restarts every application): it is listed
// as satisfied, not as a restart, and plan changes nothing. One recorded
// on this release, or without a release (earlier versions), is still owed.
func TestPendingSatisfiedByAnUpgrade(t *testing.T) {
	onRelease := func(app, since, release string) *engine.Restart {
		r := pendingRestart(app, since, "CAPProxy changed")
		r.Release = release
		return r
	}
	pending := []*engine.Restart{
		onRelease("OpenClientServer", "r1", "Rel_21.0_1.551"),
		onRelease("AuthenticationService", "r1", xsp22.ReleaseString),
		pendingRestart("ExecutionServer", "r0"),
		onRelease("", "r1", "Rel_21.0_1.551"),
	}
	desired := []*engine.Desired{ctxWant("context.cap", capProxy, "", f("enabled", "false"))}
	observed := map[string]*engine.Observed{capPath: attrsLive(capPath, "enabled", "false")}
	hp := DiffHost(xsp1, xsp22, desired, observed, pending, nil)
	var owed, done []string
	for _, r := range hp.Restarts {
		owed = append(owed, r.App)
	}
	for _, r := range hp.Satisfied {
		done = append(done, r.App+": "+r.Satisfied)
	}
	why := "the release changed from Rel_21.0_1.551 to " + xsp22.ReleaseString + " since it was recorded (an upgrade restarts every application)"
	if d := cmp.Diff([]string{"AuthenticationService", "ExecutionServer"}, owed); d != "" {
		t.Errorf("wrong restarts (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"OpenClientServer: " + why, ": " + why}, done); d != "" {
		t.Errorf("wrong satisfied (-want +got):\n%s", d)
	}
	if len(hp.Warnings) != 0 {
		t.Errorf("a satisfied unknown-application restart is still a warning: %v", hp.Warnings)
	}
	if pending[0].Satisfied != "" {
		t.Error("DiffHost modified the pending restarts it was given")
	}
}
