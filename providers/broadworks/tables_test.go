package broadworks

import (
	"testing"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"github.com/google/go-cmp/cmp"
)

type rows = []map[string]string

// tableStep is one write and the reply it must get.
type tableStep struct {
	op   engine.Op
	want engine.ReplyKind
}

func key(kv ...string) []engine.Field {
	var fs []engine.Field
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, engine.Field{Name: kv[i], Value: kv[i+1]})
	}
	return fs
}

// TestTables reads, adds (optional columns as name/value pairs), sets a
// column of and deletes rows of every kind of table the catalogue knows,
// and checks the rows the server stores and the exact commands it got.
func TestTables(t *testing.T) {
	tests := map[string]struct {
		hostType, release string
		seed              string // lab syntax inside the sim_host block
		path              string
		steps             []tableStep

		wantBefore, wantAfter rows
		// wantOps are the commands of the steps, in order.
		wantOps     []string
		wantPending []string
	}{
		"management access list": {
			hostType: "xsp", release: "Rel_24.0_1.944",
			path: "System/ManagementAccessList",
			seed: `  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "NOC"
    }
    row {
      host        = "10.9.0.7"
      description = "old"
    }
  }`,
			steps: []tableStep{
				{op: engine.Op{Kind: engine.OpAddRow, Key: key("host", "10.9.0.6"), Fields: key("description", "Backup NOC")}},
				{op: engine.Op{Kind: engine.OpSetRow, Key: key("host", "10.9.0.5"), Attr: "description", Value: "NOC west"}},
				{op: engine.Op{Kind: engine.OpDeleteRow, Key: key("host", "10.9.0.7")}},
			},
			wantBefore: rows{
				{"host": "10.9.0.5", "description": "NOC"},
				{"host": "10.9.0.7", "description": "old"},
			},
			wantOps: []string{
				`cli add 10.9.0.6 description "Backup NOC"`,
				`cli set 10.9.0.5 description "NOC west"`,
				`cli delete 10.9.0.7`,
			},
			wantAfter: rows{
				{"host": "10.9.0.5", "description": "NOC west"},
				{"host": "10.9.0.6", "description": "Backup NOC"},
			},
		},
		"snmp trap table (two-column key)": {
			hostType: "xsp", release: "Rel_24.0_1.944",
			path: "Interface/SNMP/TrapTable",
			seed: `  table "Interface/SNMP/TrapTable" {
    row {
      ipAddress = "10.1.1.1"
      port      = 162
    }
    row {
      ipAddress   = "10.1.1.3"
      port        = 163
      description = "gone"
    }
  }`,
			steps: []tableStep{
				{op: engine.Op{Kind: engine.OpAddRow, Key: key("ipAddress", "10.1.1.2", "port", "162"), Fields: key("version", "v1", "description", "lab traps")}},
				{op: engine.Op{Kind: engine.OpSetRow, Key: key("ipAddress", "10.1.1.1", "port", "162"), Attr: "description", Value: "core"}},
				{op: engine.Op{Kind: engine.OpDeleteRow, Key: key("ipAddress", "10.1.1.3", "port", "163")}},
			},
			wantBefore: rows{
				{"ipAddress": "10.1.1.1", "port": "162", "version": "v2c", "description": ""},
				{"ipAddress": "10.1.1.3", "port": "163", "version": "v2c", "description": "gone"},
			},
			wantOps: []string{
				`cli add 10.1.1.2 162 version v1 description "lab traps"`,
				`cli set 10.1.1.1 162 description core`,
				`cli delete 10.1.1.3 163`,
			},
			wantAfter: rows{
				{"ipAddress": "10.1.1.1", "port": "162", "version": "v2c", "description": "core"},
				{"ipAddress": "10.1.1.2", "port": "162", "version": "v1", "description": "lab traps"},
			},
		},
		"container options (restart warning)": {
			hostType: "xsp", release: "Rel_24.0_1.944",
			path: "Maintenance/ContainerOptions",
			seed: `  table "Maintenance/ContainerOptions" {
    row {
      container = "OpenClientServer"
      name      = "maxHeap"
      value     = "2048"
    }
    row {
      container = "Xsi-Events"
      name      = "debug"
      value     = "true"
    }
  }`,
			steps: []tableStep{
				{op: engine.Op{Kind: engine.OpAddRow, Key: key("container", "WebContainer", "name", "maxThreads"), Fields: key("value", "200")}, want: engine.ReplyRestart},
				{op: engine.Op{Kind: engine.OpSetRow, Key: key("container", "OpenClientServer", "name", "maxHeap"), Attr: "value", Value: "4096 MB"}, want: engine.ReplyRestart},
				{op: engine.Op{Kind: engine.OpDeleteRow, Key: key("container", "Xsi-Events", "name", "debug")}, want: engine.ReplyRestart},
			},
			wantBefore: rows{
				{"container": "OpenClientServer", "name": "maxHeap", "value": "2048"},
				{"container": "Xsi-Events", "name": "debug", "value": "true"},
			},
			wantOps: []string{
				`cli add WebContainer maxThreads 200`,
				`cli set OpenClientServer maxHeap value "4096 MB"`,
				`cli delete Xsi-Events debug`,
			},
			wantAfter: rows{
				{"container": "OpenClientServer", "name": "maxHeap", "value": "4096 MB"},
				{"container": "WebContainer", "name": "maxThreads", "value": "200"},
			},
			wantPending: []string{"WebContainer", "OpenClientServer", "Xsi-Events"},
		},
		"scheduler (id-keyed, row forms)": {
			hostType: "xsp", release: "Rel_24.0_1.944",
			path: "Maintenance/Scheduler",
			seed: `  table "Maintenance/Scheduler" {
    row {
      name      = "backup"
      frequency = "day"
      day       = "saturday"
      hour      = 4
      minute    = 3
    }
    row {
      name      = "healthmon"
      frequency = "minute"
      minute    = 30
      offset    = 1
    }
    row {
      name      = "tech-support"
      frequency = "daily"
      hour      = 4
      minute    = 33
    }
  }`,
			steps: []tableStep{
				// No id on add: the server assigns the next one; the
				// form's columns go in its order, the offset last.
				{op: engine.Op{Kind: engine.OpAddRow, Fields: key("name", "cpuMon", "frequency", "minute", "minute", "5", "offset", "2")}},
				{op: engine.Op{Kind: engine.OpAddRow, Fields: key("name", "purge", "frequency", "day", "day", "sunday", "hour", "2", "minute", "15")}},
				{op: engine.Op{Kind: engine.OpDeleteRow, Key: key("id", "1")}},
			},
			// "-" cells are empty; the offset comes out of the Minute cell.
			wantBefore: rows{
				{"id": "1", "name": "backup", "frequency": "day", "day": "saturday", "hour": "4", "minute": "3", "offset": ""},
				{"id": "2", "name": "healthmon", "frequency": "minute", "day": "", "hour": "", "minute": "30", "offset": "1"},
				{"id": "3", "name": "tech-support", "frequency": "daily", "day": "", "hour": "4", "minute": "33", "offset": ""},
			},
			wantOps: []string{
				`cli add cpuMon minute 5 2`,
				`cli add purge day sunday 2 15`,
				`cli delete 1`,
			},
			// Ids shifted down after the delete.
			wantAfter: rows{
				{"id": "1", "name": "healthmon", "frequency": "minute", "day": "", "hour": "", "minute": "30", "offset": "1"},
				{"id": "2", "name": "tech-support", "frequency": "daily", "day": "", "hour": "4", "minute": "33", "offset": ""},
				{"id": "3", "name": "cpuMon", "frequency": "minute", "day": "", "hour": "", "minute": "5", "offset": "2"},
				{"id": "4", "name": "purge", "frequency": "day", "day": "sunday", "hour": "2", "minute": "15", "offset": ""},
			},
		},
		"oci proxy login levels": {
			hostType: "xsp", release: "Rel_22.0_1.1123",
			path: "Applications/OpenClientServer/OCIProxy/LoginLevelAllowed",
			seed: `  table "Applications/OpenClientServer/OCIProxy/LoginLevelAllowed" {
    row {
      loginLevel = "System"
    }
  }`,
			steps: []tableStep{
				{op: engine.Op{Kind: engine.OpAddRow, Key: key("loginLevel", "Provisioning")}, want: engine.ReplyRestart},
				{op: engine.Op{Kind: engine.OpDeleteRow, Key: key("loginLevel", "System")}, want: engine.ReplyRestart},
			},
			wantBefore: rows{{"loginLevel": "System"}},
			wantOps: []string{
				`cli add Provisioning`,
				`cli delete System`,
			},
			wantAfter:   rows{{"loginLevel": "Provisioning"}},
			wantPending: []string{"OpenClientServer"},
		},
		"as oci provisioning access list": {
			hostType: "as", release: "Rel_24.0_1.944",
			path: "System/NetworkAccessLists/OCI/Provisioning",
			seed: `  table "System/NetworkAccessLists/OCI/Provisioning" {
    row {
      address     = "10.2.0.1"
      description = "OSS"
    }
    row {
      address = "10.2.0.9"
    }
  }`,
			steps: []tableStep{
				{op: engine.Op{Kind: engine.OpAddRow, Key: key("address", "10.2.0.2")}},
				{op: engine.Op{Kind: engine.OpSetRow, Key: key("address", "10.2.0.1"), Attr: "description", Value: "OSS primary"}},
				{op: engine.Op{Kind: engine.OpDeleteRow, Key: key("address", "10.2.0.9")}},
			},
			wantBefore: rows{
				{"address": "10.2.0.1", "description": "OSS"},
				{"address": "10.2.0.9", "description": ""},
			},
			wantOps: []string{
				`cli add 10.2.0.2`,
				`cli set 10.2.0.1 description "OSS primary"`,
				`cli delete 10.2.0.9`,
			},
			wantAfter: rows{
				{"address": "10.2.0.1", "description": "OSS primary"},
				{"address": "10.2.0.2", "description": ""},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := simtest.Start(t, lab(simHost("h1", tc.hostType, tc.release, tc.seed)))
			sh := f.Host("h1")
			ctx := testCtx(t)
			p := newTestProvider(t, Options{}, nil)
			s := openSession(t, ctx, p, hostOf(t, f, "h1"))
			schema := schemaOf(t, tc.hostType, tc.path)

			obs, err := s.Read(ctx, tc.path, schema)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			want := &engine.Observed{Path: tc.path, Kind: engine.TableContext, Rows: tc.wantBefore}
			if diff := cmp.Diff(want, obs); diff != "" {
				t.Errorf("wrong first read (-want +got)\n%s", diff)
			}

			for _, st := range tc.steps {
				st.op.Path = tc.path
				r, err := s.Exec(ctx, st.op)
				if err != nil {
					t.Fatalf("%v %v: %v", st.op.Kind, st.op.Key, err)
				}
				if r.Kind != st.want {
					t.Errorf("%v %v: wrong reply\ngot: %v %q\nwant: %v", st.op.Kind, st.op.Key, r.Kind, r.Text, st.want)
				}
				if r.Kind == engine.ReplyRestart && r.Text != restartWarning {
					t.Errorf("wrong restart text\ngot: %q\nwant: %q", r.Text, restartWarning)
				}
			}

			obs, err = s.Read(ctx, tc.path, schema)
			if err != nil {
				t.Fatalf("read after: %v", err)
			}
			want.Rows = tc.wantAfter
			if diff := cmp.Diff(want, obs); diff != "" {
				t.Errorf("wrong read after the changes (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantAfter, sh.Rows(tc.path)); diff != "" {
				t.Errorf("wrong rows stored on the host (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantPending, sh.PendingRestarts()); diff != "" {
				t.Errorf("wrong pending restarts (-want +got)\n%s", diff)
			}

			wantCmds := append([]string{"shell bwcli", "cli cd /" + tc.path, "cli get"}, tc.wantOps...)
			wantCmds = append(wantCmds, "cli get")
			if diff := cmp.Diff(wantCmds, commandLines(sh.Commands())); diff != "" {
				t.Errorf("wrong commands on the host (-want +got)\n%s", diff)
			}
		})
	}
}

// TestAlarmsTable reads the raised alarms (their timestamps contain
// spaces) as rows named like the catalogue's columns.
func TestAlarmsTable(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_22.0_1.1123", `  alarm {
    name        = "bwDiskUsageHigh"
    severity    = "Major"
    correlation = "/var/broadworks"
  }`)))
	sh := f.Host("xsp1")
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))
	const path = "Monitoring/Alarm/AlarmsTable"

	obs, err := s.Read(ctx, path, schemaOf(t, "xsp", path))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	want := &engine.Observed{Path: path, Kind: engine.TableContext, Rows: sh.Rows(path)}
	if len(want.Rows) != 2 {
		t.Fatalf("the lab should raise two alarms, it raised %v", want.Rows)
	}
	if diff := cmp.Diff(want, obs); diff != "" {
		t.Errorf("wrong alarms (-want +got)\n%s", diff)
	}
	gotNames := []string{obs.Rows[0]["name"], obs.Rows[1]["name"]}
	wantNames := []string{"bwDiskUsageHigh", capAlarm}
	if !cmp.Equal(gotNames, wantNames) && !cmp.Equal(gotNames, []string{wantNames[1], wantNames[0]}) {
		t.Errorf("wrong alarm names\ngot: %v\nwant: %v in either order", gotNames, wantNames)
	}
	wantCmds := []string{"shell bwcli", "cli cd /" + path, "cli list"}
	if diff := cmp.Diff(wantCmds, commandLines(sh.Commands())); diff != "" {
		t.Errorf("wrong commands on the host (-want +got)\n%s", diff)
	}
}
