package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// TestParseLabEveryAttribute decodes a lab file that uses every attribute
// and block, with values in the forms an operator would type them.
func TestParseLabEveryAttribute(t *testing.T) {
	src := `
sim_host "xsp1" {
  listen                = "127.0.0.1:2201"
  type                  = "XSP"
  release               = "Rel_22.0_1.1123"
  hostname              = "xsp1.lab.example"
  patches               = ["AP.xsp.22.0.1123.ap372640"]
  applications          = ["WebContainer", "OpenClientServer"]
  restart_delay         = "150ms"
  restart_warning       = "warning+done"
  size_confirm_rows     = 5
  size_confirm_wording  = "filter"
  table_layout          = "mixed"
  shell_prompt          = "{host}:bwadmin [{time}]> "
  bwshowver_patches     = "count"
  showrun               = "unparseable"
  motd                  = <<-EOT
    Authorized use only.
    Activity may be monitored.
  EOT

  context "/applications/openclientserver/capproxy" {
    enabled    = "TRUE"
    serverPort = 2207
  }
  context "Interface/SNMP/Agent" {
    encoding      = "utf-8"
    readCommunity = "public"
  }
  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "NOC"
    }
    row {
      host = "10.9.0.6"
    }
  }
  table "Maintenance/ContainerOptions" {
    row {
      container = "opencLientserver"
      name      = "maxHeap"
      value     = 2048
    }
  }
  table "Maintenance/Scheduler" {
    row {
      name      = "backup"
      frequency = "day"
      day       = "Saturday"
      hour      = 4
      minute    = 3
    }
    row {
      name      = "healthmon"
      frequency = "MINUTE"
      minute    = 30
      offset    = 1
    }
  }
  alarm {
    name        = "bwDiskUsageHigh"
    severity    = "minor"
    correlation = "/var"
  }
  alarm {
    name = "bwNoSeverity"
  }
  fault {
    latency        = "20ms"
    bwcli_delay    = "1s"
    refuse         = true
    drop_after     = 7
    reject_auth    = true
    wrong_host_key = true
    fail_next_set  = true
    never_healthy  = true
    bwcli_hang     = true
    garbage        = true
  }
}

sim_host "as1" {
  listen  = "127.0.0.1:0"
  type    = "as"
  release = "Rel_24.0_1.944"
  fault {
    fail_next_set = "[Error] custom"
  }
}
`
	lab, diags := ParseLab([]byte(src), "lab.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := &Lab{Hosts: []*HostConfig{
		{
			Name: "xsp1", Listen: "127.0.0.1:2201", Type: "xsp", Release: "Rel_22.0_1.1123", Hostname: "xsp1.lab.example",
			Patches: []string{"AP.xsp.22.0.1123.ap372640"}, Applications: []string{"WebContainer", "OpenClientServer"},
			Contexts: map[string]map[string]string{
				"Applications/OpenClientServer/CAPProxy": {"enabled": "true", "serverPort": "2207"},
				"Interface/SNMP/Agent":                   {"encoding": "UTF-8", "readCommunity": "public"},
			},
			Tables: map[string][]map[string]string{
				"System/ManagementAccessList": {
					{"host": "10.9.0.5", "description": "NOC"},
					{"host": "10.9.0.6", "description": ""},
				},
				"Maintenance/ContainerOptions": {{"container": "OpenClientServer", "name": "maxHeap", "value": "2048"}},
				"Maintenance/Scheduler": {
					{"name": "backup", "frequency": "day", "day": "saturday", "hour": "4", "minute": "3", "offset": ""},
					{"name": "healthmon", "frequency": "minute", "day": "", "hour": "", "minute": "30", "offset": "1"},
				},
			},
			Alarms: []Alarm{
				{Name: "bwDiskUsageHigh", Severity: "Minor", Correlation: "/var"},
				{Name: "bwNoSeverity", Severity: "Critical"},
			},
			RestartDelay: 150 * time.Millisecond, RestartWarning: "warning+done",
			SizeConfirmRows: 5, SizeConfirmWording: "filter", TableLayout: "mixed", ShellPrompt: "{host}:bwadmin [{time}]> ",
			BwshowverPatches: "count", Showrun: "unparseable", Motd: "Authorized use only.\nActivity may be monitored.\n",
			Faults: Faults{
				Latency: 20 * time.Millisecond, BwcliDelay: time.Second, Refuse: true, DropAfter: 7, RejectAuth: true,
				WrongHostKey: true, FailNextSet: DefaultFailNextSetText, NeverHealthy: true, BwcliHang: true, Garbage: true,
			},
		},
		{
			Name: "as1", Listen: "127.0.0.1:0", Type: "as", Release: "Rel_24.0_1.944", RestartDelay: 2 * time.Second,
			Faults: Faults{FailNextSet: "[Error] custom"},
		},
	}}
	if diff := cmp.Diff(want, lab, cmpopts.IgnoreUnexported(Lab{})); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

// TestParseLabDiagnostics shows the message and position of every mistake
// a lab file can contain.
func TestParseLabDiagnostics(t *testing.T) {
	host := func(body string) string {
		return "sim_host \"xsp1\" {\n  listen = \"127.0.0.1:2201\"\n  type = \"xsp\"\n  release = \"Rel_22.0_1.1123\"\n" + body + "}\n"
	}
	tests := map[string]struct {
		src     string
		summary string
		detail  string
		line    int
	}{
		"syntax error":        {src: "sim_host \"x\" {\n  listen = \n}\n", summary: "Invalid expression", line: 2},
		"unknown top level":   {src: "server \"x\" {}\n", summary: "Unsupported block type", line: 1},
		"unknown attribute":   {src: host("  colour = \"red\"\n"), summary: "Unsupported argument", line: 5},
		"missing listen":      {src: "sim_host \"x\" {\n  type = \"xsp\"\n  release = \"Rel_22.0_1.1\"\n}\n", summary: "Missing required argument", line: 1},
		"bad listen":          {src: strings.Replace(host(""), "127.0.0.1:2201", "localhost", 1), summary: "Invalid listen address", line: 2},
		"bad type":            {src: strings.Replace(host(""), `"xsp"`, `"pbx"`, 1), summary: "Unsupported server type", line: 3},
		"bad release":         {src: strings.Replace(host(""), "Rel_22.0_1.1123", "22.0", 1), summary: "Invalid release", line: 4},
		"bad duration":        {src: host("  restart_delay = \"soon\"\n"), summary: "Invalid duration", line: 5},
		"bad restart warning": {src: host("  restart_warning = \"loud\"\n"), summary: "Invalid restart_warning", line: 5},
		"bad confirm rows":    {src: host("  size_confirm_rows = 0\n"), summary: "Invalid value", line: 5, detail: "size_confirm_rows must be a whole number of at least 1."},
		"bad confirm wording": {src: host("  size_confirm_wording = \"ask\"\n"), summary: "Invalid size_confirm_wording", line: 5, detail: `size_confirm_wording is one of "access", "filter".`},
		"bad table layout":    {src: host("  table_layout = \"center\"\n"), summary: "Invalid table_layout", line: 5, detail: `table_layout is one of "right", "left", "mixed".`},
		"bad patches":         {src: host("  bwshowver_patches = 701\n"), summary: "Invalid value", line: 5, detail: "bwshowver_patches must be a string."},
		"bad showrun":         {src: host("  showrun = \"missing\"\n"), summary: "Invalid showrun", line: 5, detail: `showrun is one of "table", "absent", "unparseable".`},
		"empty prompt":        {src: host("  shell_prompt = \"\"\n"), summary: "Invalid shell_prompt", line: 5, detail: "A shell prompt cannot be empty."},
		"prompt placeholder":  {src: host("  shell_prompt = \"{user}@{host}$ \"\n"), summary: "Invalid shell_prompt", line: 5, detail: "Unknown placeholder {user}: a shell prompt may use {host} (the hostname) and {time} (HH:MM:SS)."},
		"prompt newline":      {src: host("  shell_prompt = \"a\\nb$ \"\n"), summary: "Invalid shell_prompt", line: 5, detail: `A shell prompt is one line of printable text; it contains '\n'.`},
		"bad applications":    {src: host("  applications = [\"A\", \"a\"]\n"), summary: "Invalid applications", line: 5},
		"bad auth method":     {src: host("  auth_methods = [\"hostbased\"]\n"), summary: "Invalid auth_methods", line: 5},
		"unknown context": {
			src: host("  context \"Applications/Nope\" {\n    enabled = true\n  }\n"), summary: "Unknown context", line: 5,
			detail: `A xsp host has no context "Applications/Nope" in the simulator's catalogue.`,
		},
		"context on wrong type": {
			src:     strings.Replace(host("  context \"Applications/OpenClientServer/CAPProxy\" {\n    enabled = true\n  }\n"), `"xsp"`, `"as"`, 1),
			summary: "Unknown context", line: 5,
		},
		"table path as context": {src: host("  context \"System/ManagementAccessList\" {\n  }\n"), summary: "Unknown context", line: 5},
		"unknown context attribute": {
			src: host("  context \"Applications/OpenClientServer/CAPProxy\" {\n    enable = true\n  }\n"), summary: "Unknown attribute", line: 6,
			detail: `Context Applications/OpenClientServer/CAPProxy has no attribute "enable"; it has enabled, serverPort, numConnections.`,
		},
		"out of range": {
			src: host("  context \"Applications/OpenClientServer/CAPProxy\" {\n    serverPort = 80\n  }\n"), summary: "Invalid value", line: 6,
			detail: `"80" is not a valid serverPort: <serverPort>, Integer {1025 to 65535}.`,
		},
		"bad boolean": {src: host("  context \"Applications/OpenClientServer/CAPProxy\" {\n    enabled = \"yes\"\n  }\n"), summary: "Invalid value", line: 6},
		"list value":  {src: host("  context \"Interface/SNMP/Agent\" {\n    readCommunity = [\"a\"]\n  }\n"), summary: "Invalid value", line: 6},
		"unknown table": {
			src: host("  table \"System/Nope\" {\n  }\n"), summary: "Unknown table", line: 5,
		},
		"alarms as table": {
			src: host("  table \"Monitoring/Alarm/AlarmsTable\" {\n  }\n"), summary: "Unknown table", line: 5,
			detail: "Raise alarms with alarm blocks instead.",
		},
		"unknown column": {src: host("  table \"System/ManagementAccessList\" {\n    row {\n      ip = \"1.2.3.4\"\n    }\n  }\n"), summary: "Unknown column", line: 7},
		"scheduler id":   {src: host("  table \"Maintenance/Scheduler\" {\n    row {\n      id = 1\n    }\n  }\n"), summary: "Unknown column", line: 7},
		"scheduler old row": {
			src:     host("  table \"Maintenance/Scheduler\" {\n    row {\n      name = \"backup\"\n      hour = 2\n      minute = 30\n    }\n  }\n"),
			summary: "Invalid row", line: 6, detail: "column frequency is required.",
		},
		"scheduler day missing": {
			src:     host("  table \"Maintenance/Scheduler\" {\n    row {\n      name = \"backup\"\n      frequency = \"day\"\n      hour = 2\n      minute = 30\n    }\n  }\n"),
			summary: "Invalid row", line: 6, detail: "a day task needs day, hour and minute (add <name> day <day> <hour> <minute>).",
		},
		"scheduler minute hour": {
			src:     host("  table \"Maintenance/Scheduler\" {\n    row {\n      name = \"cpuMon\"\n      frequency = \"minute\"\n      hour = 2\n      minute = 5\n    }\n  }\n"),
			summary: "Invalid row", line: 6, detail: "a minute task has no hour.",
		},
		"missing key": {
			src: host("  table \"System/ManagementAccessList\" {\n    row {\n      description = \"x\"\n    }\n  }\n"), summary: "Invalid row", line: 6,
			detail: "column host is required.",
		},
		"bad container": {
			src:     host("  table \"Maintenance/ContainerOptions\" {\n    row {\n      container = \"Nope\"\n      name = \"a\"\n      value = \"b\"\n    }\n  }\n"),
			summary: "Invalid row", line: 6,
		},
		"duplicate row": {
			src:     host("  table \"System/ManagementAccessList\" {\n    row {\n      host = \"a\"\n    }\n    row {\n      host = \"a\"\n    }\n  }\n"),
			summary: "Duplicate row", line: 9,
		},
		"bad severity":   {src: host("  alarm {\n    name = \"x\"\n    severity = \"doom\"\n  }\n"), summary: "Invalid severity", line: 7},
		"alarm no name":  {src: host("  alarm {\n    severity = \"Major\"\n  }\n"), summary: "Missing required argument", line: 5},
		"unknown fault":  {src: host("  fault {\n    explode = true\n  }\n"), summary: "Unsupported argument", line: 6},
		"bad fault bool": {src: host("  fault {\n    refuse = \"yes\"\n  }\n"), summary: "Invalid value", line: 6},
		"bad fail text":  {src: host("  fault {\n    fail_next_set = 3\n  }\n"), summary: "Invalid value", line: 6},
		"two fault blocks": {
			src: host("  fault {\n  }\n  fault {\n  }\n"), summary: "Duplicate fault block", line: 7,
		},
		"duplicate host": {
			src: host("") + strings.Replace(host(""), "2201", "2202", 1), summary: "Duplicate sim_host", line: 6,
			detail: `A sim_host named "xsp1" was already declared at lab.hcl:1,1-16.`,
		},
		"duplicate listen": {
			src: host("") + strings.Replace(host(""), `"xsp1"`, `"xsp2"`, 1), summary: "Duplicate listen address", line: 7,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			lab, diags := ParseLab([]byte(tc.src), "lab.hcl")
			if !diags.HasErrors() {
				t.Fatalf("no error; got lab %+v", lab)
			}
			if lab != nil {
				t.Errorf("a lab was returned with errors: %+v", lab)
			}
			d := diags[0]
			got := fmt.Sprintf("%s (line %d)", d.Summary, subjectLine(d))
			want := fmt.Sprintf("%s (line %d)", tc.summary, tc.line)
			if got != want {
				t.Errorf("wrong result\ngot: %s\nwant: %s\nall: %s", got, want, diags.Error())
			}
			if tc.detail != "" && d.Detail != tc.detail {
				t.Errorf("wrong detail\ngot: %s\nwant: %s", d.Detail, tc.detail)
			}
		})
	}
}

func subjectLine(d *hcl.Diagnostic) int {
	if d.Subject == nil {
		return 0
	}
	return d.Subject.Start.Line
}

func TestParseLabDuplicateFreePortsAllowed(t *testing.T) {
	src := `
sim_host "a" {
  listen  = "127.0.0.1:0"
  type    = "xsp"
  release = "Rel_22.0_1.1123"
}
sim_host "b" {
  listen  = "127.0.0.1:0"
  type    = "xsp"
  release = "Rel_22.0_1.1123"
}
`
	lab, diags := ParseLab([]byte(src), "lab.hcl")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(lab.Hosts) != 2 {
		t.Errorf("wrong result\ngot: %d hosts\nwant: 2", len(lab.Hosts))
	}
}

func TestLoadLab(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lab.hcl")
	if err := os.WriteFile(path, []byte(defaultTranscriptLab), 0o644); err != nil {
		t.Fatal(err)
	}
	lab, diags := LoadLab(path)
	if diags.HasErrors() || len(lab.Hosts) != 1 || lab.Hosts[0].Name != "xsp1" {
		t.Fatalf("wrong result\ngot: %+v %s\nwant: one host xsp1", lab, diags.Error())
	}
	_, diags = LoadLab(filepath.Join(dir, "missing.hcl"))
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "no such file") {
		t.Errorf("wrong result\ngot: %v\nwant: a diagnostic saying the file does not exist", diags)
	}
}

// TestStartValidatesGoConfig checks that a HostConfig built in Go (not
// from a lab file) is validated by Start.
func TestStartValidatesGoConfig(t *testing.T) {
	base := func() *HostConfig {
		return &HostConfig{Name: "x", Listen: "127.0.0.1:0", Type: "xsp", Release: "Rel_22.0_1.1"}
	}
	tests := map[string]struct {
		mod  func(*HostConfig)
		want string
	}{
		"bad type":    {func(h *HostConfig) { h.Type = "pbx" }, `start lab: host x: unsupported type "pbx"`},
		"bad release": {func(h *HostConfig) { h.Release = "22" }, `start lab: host x: release "22" does not look like Rel_22.0_1.1123, Rel_21.sp1_1.551 or Rel_2022.11_1.273`},
		"bad listen":  {func(h *HostConfig) { h.Listen = "nowhere" }, `start lab: host x: listen: "nowhere" is not IP:PORT`},
		"bad warning": {func(h *HostConfig) { h.RestartWarning = "shout" }, `start lab: host x: restart_warning "shout" is not one of "warning", "warning+done", "alternative"`},
		"bad layout":  {func(h *HostConfig) { h.TableLayout = "center" }, `start lab: host x: table_layout "center" is not one of "right", "left", "mixed"`},
		"bad prompt":  {func(h *HostConfig) { h.ShellPrompt = "{user}$ " }, `start lab: host x: shell_prompt: unknown placeholder {user}: a shell prompt may use {host} (the hostname) and {time} (HH:MM:SS)`},
		"bad rows":    {func(h *HostConfig) { h.SizeConfirmRows = -1 }, `start lab: host x: size_confirm_rows -1 is negative`},
		"bad context": {func(h *HostConfig) { h.Contexts = map[string]map[string]string{"Nope": {}} }, `start lab: host x: no attribute context "Nope" for type xsp`},
		"bad attr":    {func(h *HostConfig) { h.Contexts = map[string]map[string]string{"Interface/SNMP/Agent": {"nope": "1"}} }, `start lab: host x: context Interface/SNMP/Agent has no attribute "nope"`},
		"bad value":   {func(h *HostConfig) { h.Contexts = map[string]map[string]string{"Interface/SNMP/Agent": {"port": "0"}} }, `start lab: host x: Interface/SNMP/Agent port: "0" is not valid: <port>, Integer {1 to 65535}`},
		"bad row": {func(h *HostConfig) {
			h.Tables = map[string][]map[string]string{"System/ManagementAccessList": {{"description": "x"}}}
		}, `start lab: host x: System/ManagementAccessList: column host is required`},
		"not a table":  {func(h *HostConfig) { h.Tables = map[string][]map[string]string{"Interface/SNMP/Agent": nil} }, `start lab: host x: no table context "Interface/SNMP/Agent" for type xsp`},
		"no state dir": {nil, "start lab: a state directory is required"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			hc := base()
			opts := Options{StateDir: t.TempDir()}
			if tc.mod != nil {
				tc.mod(hc)
			} else {
				opts.StateDir = ""
			}
			f, err := Start(&Lab{Hosts: []*HostConfig{hc}}, opts)
			if err == nil {
				_ = f.Close()
				t.Fatalf("no error, want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("wrong result\ngot: %s\nwant: %s", err, tc.want)
			}
		})
	}
}

// TestExampleLab serves examples/lab/lab.hcl (on a test-unique IP, its
// ports as given) and checks the fleet it describes.
func TestExampleLab(t *testing.T) {
	lab, diags := LoadLab(filepath.Join("..", "..", "..", "examples", "lab", "lab.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	f, err := Start(lab, Options{StateDir: t.TempDir(), BindIP: testIP(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type summary struct {
		Type, Release, Port, CAP string
		Alarms                   []string
		Delay                    time.Duration
	}
	got := map[string]summary{}
	for _, h := range f.Hosts() {
		port := h.Addr()[strings.LastIndex(h.Addr(), ":")+1:]
		capEnabled, _ := h.Value(capProxyPath, "enabled")
		got[h.Name()] = summary{h.Type(), h.Release(), port, capEnabled, alarmNames(h), h.cfg.RestartDelay}
	}
	cap := []string{capAlarmName}
	want := map[string]summary{
		"xsp1": {"xsp", "Rel_21.0_1.1123", "2201", "true", nil, time.Second},
		"xsp2": {"xsp", "Rel_22.0_1.1123", "2202", "true", cap, time.Second},
		"xsp3": {"xsp", "Rel_24.0_1.944", "2203", "true", cap, time.Second},
		"adp1": {"adp", "Rel_2022.11_1.273", "2204", "true", cap, time.Second},
		"as1":  {"as", "Rel_24.0_1.944", "2205", "", nil, time.Second},
		"as2":  {"as", "Rel_24.0_1.944", "2206", "", nil, time.Second},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong fleet (-want +got):\n%s", diff)
	}
	if rows := f.Host("xsp1").Rows("System/ManagementAccessList"); len(rows) != 1 || rows[0]["host"] != "10.9.0.5" {
		t.Errorf("wrong ManagementAccessList on xsp1: %v", rows)
	}
	for _, h := range f.Hosts() {
		if _, ok := h.Value(capProxyPath, "enabled"); ok != (h.Type() != "as") {
			t.Errorf("%s: CAPProxy present = %v", h.Name(), ok)
		}
	}
}

// TestParseLabReplay: a replay host needs only listen and replay (relative
// to the lab file); its type and release come from the transcript unless
// given. Problems are diagnostics at the attribute naming the transcript's
// line, and what only a simulated server uses is refused.
func TestParseLabReplay(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("as1.log", "Last login: today\nbwadmin@as1$ \n>>> bwshowver\nbwshowver\nAS version Rel_24.0_1.944\nbwadmin@as1$ ")
	write("empty.log", "\n\n>>> bwshowver\nAS version Rel_24.0_1.944\n")
	lab, diags := ParseLab([]byte("sim_host \"as1\" {\n  listen = \"127.0.0.1:0\"\n  replay = \"as1.log\"\n  fault {\n    latency = \"1ms\"\n  }\n}\n"), filepath.Join(dir, "lab.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := lab.Hosts[0].Replay; got != filepath.Join(dir, "as1.log") {
		t.Errorf("wrong replay path\ngot: %s\nwant: beside the lab file", got)
	}
	f, err := newFleet(lab, Options{now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if h := f.Host("as1"); h.Type() != "as" || h.Release() != "Rel_24.0_1.944" {
		t.Errorf("wrong type and release\ngot: %s %s\nwant: as Rel_24.0_1.944 (from the transcript)", h.Type(), h.Release())
	}

	host := func(body string) string {
		return "sim_host \"r\" {\n  listen = \"127.0.0.1:0\"\n" + body + "}\n"
	}
	tests := map[string]struct {
		src, summary, detail string
		line                 int
	}{
		"missing file": {src: host("  replay = \"nope.log\"\n"), summary: "Cannot read replay transcript", line: 3,
			detail: "open " + filepath.Join(dir, "nope.log") + ": no such file or directory."},
		"no login prompt": {src: host("  replay = \"empty.log\"\n"), summary: "Invalid replay transcript", line: 3,
			detail: filepath.Join(dir, "empty.log") + ":1: no login prompt: the text before the first `>>> ` line must end with the shell prompt (e.g. `bwadmin@as1$ `)."},
		"empty path":      {src: host("  replay = \" \"\n"), summary: "Invalid replay", line: 3},
		"no type, no sim": {src: host(""), summary: "Missing required argument", line: 1, detail: `The argument "type" is required, but no definition was found.`},
		"context": {src: host("  replay = \"as1.log\"\n  context \"Interface/SIP\" {\n  }\n"), summary: "Not used by a replay host", line: 4,
			detail: "A context block shapes a simulated server; a replay host answers from its transcript, whose state never changes."},
		"variant": {src: host("  replay = \"as1.log\"\n  table_layout = \"left\"\n"), summary: "Not used by a replay host", line: 4,
			detail: "table_layout shapes a simulated server; a replay host answers from its transcript. Remove table_layout or the replay attribute."},
		"sim fault": {src: host("  replay = \"as1.log\"\n  fault {\n    never_healthy = true\n  }\n"), summary: "Not used by a replay host", line: 5,
			detail: "The fault never_healthy needs a simulated server; a replay host answers from its transcript and applies only latency, refuse, drop_after, reject_auth, wrong_host_key, garbage."},
		"bad type": {src: host("  replay = \"as1.log\"\n  type = \"pbx\"\n"), summary: "Unsupported server type", line: 4},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			lab, diags := ParseLab([]byte(tc.src), filepath.Join(dir, "lab.hcl"))
			if !diags.HasErrors() || lab != nil {
				t.Fatalf("no error; got lab %+v", lab)
			}
			d := diags[0]
			if got, want := fmt.Sprintf("%s (line %d)", d.Summary, subjectLine(d)), fmt.Sprintf("%s (line %d)", tc.summary, tc.line); got != want {
				t.Errorf("wrong result\ngot: %s\nwant: %s\nall: %s", got, want, diags.Error())
			}
			if tc.detail != "" && d.Detail != tc.detail {
				t.Errorf("wrong detail\ngot: %s\nwant: %s", d.Detail, tc.detail)
			}
		})
	}
}
