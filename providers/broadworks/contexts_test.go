package broadworks

import (
	"errors"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"github.com/google/go-cmp/cmp"
)

// TestReadUnknownContext reads contexts with no schema, as plan does for
// paths the catalogue does not know: the kind comes from the output, and
// table rows are keyed by the server's column titles.
func TestReadUnknownContext(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", `  table "System/Security/BlackList" {
    row {
      address   = "192.0.2.0"
      mask      = "255.255.255.0"
      protocol  = "tcp"
      portLow   = 5060
      portHigh  = 5061
      interface = "bond0"
    }
  }`)))
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))

	tests := []struct {
		name string
		path string
		want *engine.Observed
	}{
		{
			name: "table unknown to the catalogue",
			path: "System/Security/BlackList",
			want: &engine.Observed{Path: "System/Security/BlackList", Kind: engine.TableContext, Rows: rows{{
				"Address": "192.0.2.0", "Mask": "255.255.255.0", "Protocol": "tcp",
				"Port Low": "5060", "Port High": "5061", "Interface": "bond0",
			}}},
		},
		{
			name: "empty table unknown to the catalogue",
			path: "system/security/whitelist",
			want: &engine.Observed{Path: "System/Security/WhiteList", Kind: engine.TableContext, Rows: rows{}},
		},
		{
			name: "attributes read without schema",
			path: "Interface/SNMP/Agent",
			want: &engine.Observed{
				Path: "Interface/SNMP/Agent", Kind: engine.AttributeContext,
				Attrs: map[string]string{
					"port": "8001", "encoding": "ISO-8859-1", "readCommunity": "", "writeCommunity": "",
					"trapCommunity": "", "trapSourceAddress": "", "disableV2": "false", "hostMibII": "false",
				},
				Order: []string{"port", "encoding", "readCommunity", "writeCommunity", "trapCommunity", "trapSourceAddress", "disableV2", "hostMibII"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Read(ctx, tc.path, nil)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong result (-want +got)\n%s", diff)
			}
		})
	}
}

// TestReadErrors shows the messages of reads that cannot succeed, and that
// none of them spoils the session for the next read.
func TestReadErrors(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))

	tests := []struct {
		name    string
		path    string
		schema  *engine.Context
		wantErr string
	}{
		{
			name:    "path the server does not have",
			path:    "System/NoSuchLevel",
			wantErr: "host xsp1 has no context /System/NoSuchLevel: the server answered \"Invalid command\" to `cd /System/NoSuchLevel`; check the path, or take xsp1 out of the resource's hosts",
		},
		{
			name:    "attributes where the catalogue expects a table",
			path:    "Interface/SNMP/Agent",
			schema:  schemaOf(t, "xsp", "Interface/SNMP/TrapTable"),
			wantErr: "/Interface/SNMP/Agent: the server prints attributes where the catalogue expects a table",
		},
		{
			name:    "table without the columns the catalogue reads",
			path:    "Maintenance/Scheduler",
			schema:  schemaOf(t, "xsp", "System/ManagementAccessList"),
			wantErr: `/Maintenance/Scheduler: the catalogue expects the columns "Host", "Description", the server prints "Id  Name  Date  Day  Hour  Minute": bwstate would misread this table, so it does not read it; report the layout (bwstate probe writes the transcript)`,
		},
		{
			name:    "table where the catalogue expects attributes",
			path:    "System/ManagementAccessList",
			schema:  schemaOf(t, "xsp", capPath),
			wantErr: "/System/ManagementAccessList: the server prints a table where the catalogue expects attributes",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Read(ctx, tc.path, tc.schema)
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("wrong error\ngot: %v\nwant: %s", err, tc.wantErr)
			}
			if _, err := s.Read(ctx, capPath, nil); err != nil {
				t.Errorf("the session is spoilt: next read: %v", err)
			}
		})
	}
	var nav *bwcli.NavigationError
	if _, err := s.Read(ctx, "Nope", nil); !errors.As(err, &nav) {
		t.Errorf("wrong error type\ngot: %T %v\nwant: *bwcli.NavigationError", err, err)
	}
}

// TestExecErrors: the server's refusals reach the engine as *CLIError with
// the command and the server's own text; values that could inject a
// command never reach the host.
func TestExecErrors(t *testing.T) {
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", `  table "System/ManagementAccessList" {
    row {
      host = "10.9.0.5"
    }
  }`)))
	sh := f.Host("xsp1")
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))
	const mal = "System/ManagementAccessList"

	tests := []struct {
		name   string
		faults bool // fail_next_set before the op
		op     engine.Op
		want   *engine.CLIError
	}{
		{
			name:   "set failed on the server",
			faults: true,
			op:     engine.Op{Kind: engine.OpSet, Path: capPath, Attr: "enabled", Value: "false"},
			want:   &engine.CLIError{Command: "set enabled false", Text: "[CLIError] Command set: Failed to update the configuration"},
		},
		{
			name: "value out of range",
			op:   engine.Op{Kind: engine.OpSet, Path: capPath, Attr: "serverPort", Value: "80"},
			want: &engine.CLIError{Command: "set serverPort 80", Text: "[CLIError] Command set: Invalid value\n<serverPort>, Integer {1025 to 65535}"},
		},
		{
			name: "duplicate row",
			op:   engine.Op{Kind: engine.OpAddRow, Path: mal, Key: key("host", "10.9.0.5")},
			want: &engine.CLIError{Command: "add 10.9.0.5", Text: "[Error] Add failed: entry is already present in list"},
		},
		{
			name: "missing row",
			op:   engine.Op{Kind: engine.OpDeleteRow, Path: mal, Key: key("host", "10.9.0.99")},
			want: &engine.CLIError{Command: "delete 10.9.0.99", Text: "[Error] Entry not found"},
		},
		{
			name: "sensitive value redacted in the error",
			op:   engine.Op{Kind: engine.OpSet, Path: "Interface/SNMP/Agent", Attr: "readCommunity", Value: strings.Repeat("s", 81), Sensitive: true},
			want: &engine.CLIError{Command: "set readCommunity ********", Text: "[CLIError] Command set: Invalid value\n<readCommunity>, String {0 to 80 characters}"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.faults {
				sh.SetFaults(sim.Faults{FailNextSet: sim.DefaultFailNextSetText})
			}
			_, err := s.Exec(ctx, tc.op)
			var got *engine.CLIError
			if !errors.As(err, &got) {
				t.Fatalf("wrong error\ngot: %T %v\nwant: *engine.CLIError", err, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong error (-want +got)\n%s", diff)
			}
		})
	}
	if v, _ := sh.Value(capPath, "enabled"); v != "true" {
		t.Errorf("a refused set changed the host\ngot: enabled = %s\nwant: true", v)
	}

	unsafe := []struct {
		name    string
		op      engine.Op
		rule    bwcli.UnsafeRule
		wantErr string
	}{
		{
			name:    "semicolon in a column value",
			op:      engine.Op{Kind: engine.OpSetRow, Path: mal, Key: key("host", "10.9.0.5"), Attr: "description", Value: "x;clearAll;y"},
			rule:    bwcli.RuleSemicolon,
			wantErr: "set-row /System/ManagementAccessList description: unsafe value: contains ';', which BWCLI treats as a command separator (byte 1)",
		},
		{
			name:    "line break in a row key",
			op:      engine.Op{Kind: engine.OpAddRow, Path: mal, Key: key("host", "10.9.0.6\nrestartbw")},
			rule:    bwcli.RuleLineBreak,
			wantErr: "add /System/ManagementAccessList host: unsafe value: contains a line break, which would end the command line (byte 8)",
		},
		{
			name:    "quote in a secret",
			op:      engine.Op{Kind: engine.OpSet, Path: "Interface/SNMP/Agent", Attr: "readCommunity", Value: `pub"lic`, Sensitive: true},
			rule:    bwcli.RuleQuote,
			wantErr: "set /Interface/SNMP/Agent readCommunity: unsafe value: contains a double quote, which BWCLI cannot carry inside a value (byte 3)",
		},
	}
	for _, tc := range unsafe {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sh.Commands())
			_, err := s.Exec(ctx, tc.op)
			var ue *bwcli.UnsafeValueError
			if !errors.As(err, &ue) || ue.Rule != tc.rule {
				t.Fatalf("wrong error\ngot: %T %v\nwant: *bwcli.UnsafeValueError %v", err, err, tc.rule)
			}
			if err.Error() != tc.wantErr {
				t.Errorf("wrong message\ngot: %s\nwant: %s", err, tc.wantErr)
			}
			// Nothing at all is sent, not even the cd to the context.
			if got := commandsSince(sh, before); len(got) != 0 {
				t.Errorf("wrong result\ngot: %q sent to the host\nwant: nothing", got)
			}
		})
	}
}

// TestClear empties a text attribute (`clear attr`) and a row's optional
// column (an OpSetRow with an empty value becomes `clear <key> attr`); a
// typed attribute cannot be emptied and says so.
func TestClear(t *testing.T) {
	const gs = "Applications/OpenClientServer/GeneralSettings"
	const mal = "System/ManagementAccessList"
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", `  context "Applications/OpenClientServer/GeneralSettings" {
    systemDomain = "bw.example.net"
  }
  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "NOC"
    }
  }`)))
	sh := f.Host("xsp1")
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))

	r, err := s.Exec(ctx, engine.Op{Kind: engine.OpClear, Path: gs, Attr: "systemDomain"})
	if err != nil || r.Kind != engine.ReplyRestart {
		t.Errorf("wrong result\ngot: %v %q %v\nwant: restart warning", r.Kind, r.Text, err)
	}
	if v, ok := sh.Value(gs, "systemDomain"); !ok || v != "" {
		t.Errorf("wrong stored value\ngot: %q\nwant: empty", v)
	}
	r, err = s.Exec(ctx, engine.Op{Kind: engine.OpSetRow, Path: mal, Key: key("host", "10.9.0.5"), Attr: "description"})
	if err != nil || r.Kind != engine.ReplyDone {
		t.Errorf("wrong result\ngot: %v %q %v\nwant: done", r.Kind, r.Text, err)
	}
	if diff := cmp.Diff(rows{{"host": "10.9.0.5", "description": ""}}, sh.Rows(mal)); diff != "" {
		t.Errorf("wrong rows (-want +got)\n%s", diff)
	}
	_, err = s.Exec(ctx, engine.Op{Kind: engine.OpClear, Path: gs, Attr: "clientPort"})
	want := &engine.CLIError{Command: "clear clientPort", Text: "[Error] Cannot clear clientPort: a value is mandatory"}
	var got *engine.CLIError
	if !errors.As(err, &got) {
		t.Fatalf("wrong error\ngot: %T %v\nwant: *engine.CLIError", err, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong error (-want +got)\n%s", diff)
	}
	wantCmds := []string{
		"shell bwcli",
		"cli cd /" + gs, "cli clear systemDomain",
		"cli cd /" + mal, "cli clear 10.9.0.5 description",
		"cli cd /" + gs, "cli clear clientPort",
	}
	if diff := cmp.Diff(wantCmds, commandLines(sh.Commands())); diff != "" {
		t.Errorf("wrong commands on the host (-want +got)\n%s", diff)
	}
}

// TestContextOfAnotherType: CAPProxy is in the catalogue for XSP and ADP;
// managed on an AS host (with a warning at validate time), it is read from
// the server, and a server without it fails the host with a message that
// names the host, the path and what to do.
func TestContextOfAnotherType(t *testing.T) {
	f := simtest.Start(t, lab(simHost("as1", "as", "Rel_24.0_1.944", "")))
	ctx := testCtx(t)
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "as1"))
	schema, ok := p.cat.Lookup("as", capPath)
	if !ok || schema.Restart != "OpenClientServer" {
		t.Fatalf("the catalogue does not lend CAPProxy's schema to as: %v %v", schema, ok)
	}
	_, err := s.Read(ctx, capPath, schema)
	want := "host as1 has no context /" + capPath + ": the server answered \"Invalid command\" to `cd /" + capPath +
		"`; the catalogue lists it for xsp, adp servers, and this as server does not have it: take as1 out of the resource's hosts"
	if err == nil || err.Error() != want {
		t.Fatalf("wrong error\ngot:  %v\nwant: %s", err, want)
	}
	// Nothing was written.
	for _, c := range f.Host("as1").Commands() {
		if strings.HasPrefix(c.Line, "set") {
			t.Errorf("wrong result\ngot: %q\nwant: no write", c.Line)
		}
	}
}
