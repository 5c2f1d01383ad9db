package broadworks

import (
	"testing"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"github.com/google/go-cmp/cmp"
)

const (
	capPath  = "Applications/OpenClientServer/CAPProxy"
	capAlarm = "bwOpenClientServerASConnFailed"

	restartWarning     = "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***"
	restartAlternative = "A restart is required for the change to take effect."
)

// TestCAPProxy is the founding case on each release an operator meets:
// facts, read CAPProxy, disable it, read it back, and nothing sent to the
// host but the commands that takes.
func TestCAPProxy(t *testing.T) {
	tests := map[string]struct {
		release string
		// warning is the lab's restart_warning variant ("" = default).
		warning string
		patches []string

		wantFacts engine.Facts
		wantText  string
	}{
		"xsp21": {
			release: "Rel_21.0_1.425",
			patches: []string{"AP.xsp.21.0.425.ap354321"},
			wantFacts: engine.Facts{
				TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("21.0"), ReleaseString: "Rel_21.0_1.425",
				Patches: []string{"AP.xsp.21.0.425.ap354321"}, PatchCount: 1,
				// CAP still exists before 22.0: no alarm.
				Alarms: []string{},
			},
			wantText: restartWarning,
		},
		"xsp22": {
			release: "Rel_22.0_1.1123",
			warning: "alternative",
			wantFacts: engine.Facts{
				TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123",
				Patches: []string{}, Alarms: []string{capAlarm},
			},
			wantText: restartAlternative,
		},
		"xsp24": {
			release: "Rel_24.0_1.944",
			warning: "warning+done",
			patches: []string{"AP.xsp.24.0.944.ap380001", "AP.xsp.24.0.944.ap380002"},
			wantFacts: engine.Facts{
				TypeShown: "XSP_CLI", TypeShownBy: "the server's CLI", Type: "xsp", Release: engine.MustParseRelease("24.0"), ReleaseString: "Rel_24.0_1.944",
				Patches: []string{"AP.xsp.24.0.944.ap380001", "AP.xsp.24.0.944.ap380002"}, PatchCount: 2,
				Alarms: []string{capAlarm},
			},
			// The reply keeps the warning, the line that matters.
			wantText: restartWarning,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			body := `  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
`
			if tc.warning != "" {
				body += "  restart_warning = \"" + tc.warning + "\"\n"
			}
			if len(tc.patches) > 0 {
				body += "  patches = ["
				for i, p := range tc.patches {
					if i > 0 {
						body += ", "
					}
					body += `"` + p + `"`
				}
				body += "]\n"
			}
			f := simtest.Start(t, lab(simHost("xsp1", "xsp", tc.release, body)))
			ctx := testCtx(t)
			p := newTestProvider(t, Options{}, nil)
			s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))
			schema := schemaOf(t, "xsp", capPath)

			facts, err := s.Facts(ctx)
			if err != nil {
				t.Fatalf("facts: %v", err)
			}
			if diff := cmp.Diff(&tc.wantFacts, facts); diff != "" {
				t.Errorf("wrong facts (-want +got)\n%s", diff)
			}

			obs, err := s.Read(ctx, capPath, schema)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			want := &engine.Observed{
				Path:  capPath,
				Kind:  engine.AttributeContext,
				Attrs: map[string]string{"enabled": "true", "serverPort": "2206", "numConnections": "1"},
				Order: []string{"enabled", "serverPort", "numConnections"},
			}
			if diff := cmp.Diff(want, obs); diff != "" {
				t.Errorf("wrong first read (-want +got)\n%s", diff)
			}

			reply, err := s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: capPath, Attr: "enabled", Value: "false"})
			if err != nil {
				t.Fatalf("exec: %v", err)
			}
			if diff := cmp.Diff(engine.Reply{Kind: engine.ReplyRestart, Text: tc.wantText}, reply); diff != "" {
				t.Errorf("wrong reply (-want +got)\n%s", diff)
			}

			obs, err = s.Read(ctx, capPath, schema)
			if err != nil {
				t.Fatalf("second read: %v", err)
			}
			want.Attrs["enabled"] = "false"
			if diff := cmp.Diff(want, obs); diff != "" {
				t.Errorf("wrong second read (-want +got)\n%s", diff)
			}
			if got, _ := f.Host("xsp1").Value(capPath, "enabled"); got != "false" {
				t.Errorf("wrong stored value\ngot: %s\nwant: false", got)
			}
			if got := f.Host("xsp1").PendingRestarts(); !cmp.Equal(got, []string{"OpenClientServer"}) {
				t.Errorf("wrong pending restarts\ngot: %v\nwant: [OpenClientServer]", got)
			}

			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			wantCmds := []string{
				"shell bwshowver",
				"shell bwcli",
				"cli cd /Monitoring/Alarm/AlarmsTable",
				"cli list",
				"cli cd /Applications/OpenClientServer/CAPProxy",
				"cli get",
				"cli set enabled false",
				// Already in the context: the second read needs no cd.
				"cli get",
				"cli exit",
				"cli y",
			}
			if diff := cmp.Diff(wantCmds, commandLines(f.Host("xsp1").Commands())); diff != "" {
				t.Errorf("wrong commands on the host (-want +got)\n%s", diff)
			}
		})
	}
}

// TestFactsByType covers hosts without OpenClientServer (AS: no CAP alarm
// whatever the release) and release-independent builds (ADP 2022.11).
func TestFactsByType(t *testing.T) {
	f := simtest.Start(t, lab(
		simHost("as1", "as", "Rel_24.0_1.944", `  patches = ["AP.as.24.0.944.ap377777"]`),
		simHost("adp1", "adp", "Rel_2022.11_1.273", ""),
	))
	tests := map[string]struct {
		host string
		want engine.Facts
	}{
		"as": {
			host: "as1",
			want: engine.Facts{
				TypeShown: "AS_CLI", TypeShownBy: "the server's CLI", Type: "as", Release: engine.MustParseRelease("24.0"), ReleaseString: "Rel_24.0_1.944",
				Patches: []string{"AP.as.24.0.944.ap377777"}, PatchCount: 1, Alarms: []string{},
			},
		},
		"adp release-independent": {
			host: "adp1",
			want: engine.Facts{
				TypeShown: "ADP_CLI", TypeShownBy: "the server's CLI", Type: "adp", Release: engine.MustParseRelease("2022.11"), ReleaseString: "Rel_2022.11_1.273",
				// OpenClientServer runs on ADP and CAP defaults to enabled.
				Patches: []string{}, Alarms: []string{capAlarm},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			p := newTestProvider(t, Options{}, nil)
			s := openSession(t, ctx, p, hostOf(t, f, tc.host))
			got, err := s.Facts(ctx)
			if err != nil {
				t.Fatalf("facts: %v", err)
			}
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("wrong facts (-want +got)\n%s", diff)
			}
		})
	}
}
