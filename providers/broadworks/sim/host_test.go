package sim

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func labWith(release, extra string) string {
	return `
sim_host "h" {
  listen        = "127.0.0.1:0"
  type          = "xsp"
  release       = "` + release + `"
  restart_delay = "20ms"
` + extra + `
}
`
}

func alarmNames(h *Host) []string {
	var names []string
	for _, al := range h.Alarms() {
		names = append(names, al.Name)
	}
	return names
}

// TestCAPAlarmLifecycle follows the founding case on the server side: the
// CAP alarm is raised while CAPProxy is effectively enabled on 22.0+, a
// stored change alone does not resolve it, and the restart that makes the
// disabled value effective clears it.
func TestCAPAlarmLifecycle(t *testing.T) {
	f := memoryFleet(t, labWith("Rel_22.0_1.1123", ""))
	h := f.Host("h")
	if diff := cmp.Diff([]string{capAlarmName}, alarmNames(h)); diff != "" {
		t.Fatalf("wrong alarms at start (-want +got):\n%s", diff)
	}
	al := h.Alarms()[0]
	if al.ID != firstAlarmID || al.Severity != "Critical" || al.Correlation != capAlarmCorrelation {
		t.Errorf("wrong seeded alarm: %+v", al)
	}
	if err := h.SetValue(capProxyPath, "ENABLED", "False"); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Value(capProxyPath, "enabled"); v != "false" {
		t.Errorf("wrong stored value\ngot: %q\nwant: \"false\"", v)
	}
	if diff := cmp.Diff([]string{"OpenClientServer"}, h.PendingRestarts()); diff != "" {
		t.Errorf("wrong pending restarts (-want +got):\n%s", diff)
	}
	// Restarting another application neither clears the flag nor the alarm.
	if err := h.Restart("WebContainer"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "WebContainer runs", func() bool { return h.AppState("WebContainer") == AppRunning })
	if len(h.PendingRestarts()) != 1 || len(h.Alarms()) != 1 {
		t.Errorf("restart of WebContainer changed OpenClientServer state: pending %v, alarms %v", h.PendingRestarts(), alarmNames(h))
	}
	if err := h.Restart("openclientserver"); err != nil {
		t.Fatal(err)
	}
	if got := h.AppState("OpenClientServer"); got != AppStarting {
		t.Errorf("wrong state right after restart\ngot: %s\nwant: %s", got, AppStarting)
	}
	if got := h.PendingRestarts(); len(got) != 0 {
		t.Errorf("pending restarts not cleared by the restart: %v", got)
	}
	eventually(t, 5*time.Second, "OpenClientServer runs", func() bool { return h.AppState("OpenClientServer") == AppRunning })
	if got := alarmNames(h); len(got) != 0 {
		t.Errorf("CAP alarm not resolved: %v", got)
	}
	if n := h.RestartCount("OpenClientServer"); n != 1 {
		t.Errorf("wrong restart count\ngot: %d\nwant: 1", n)
	}
}

func TestCAPAlarmByRelease(t *testing.T) {
	tests := map[string]struct {
		release string
		extra   string
		want    []string
	}{
		"21.0 enabled":        {"Rel_21.0_1.1123", "", nil},
		"22.0 enabled":        {"Rel_22.0_1.1123", "", []string{capAlarmName}},
		"2022.11 enabled":     {"Rel_2022.11_1.273", "", []string{capAlarmName}},
		"24.0 disabled":       {"Rel_24.0_1.944", `context "Applications/OpenClientServer/CAPProxy" { enabled = false }`, nil},
		"22.0 plus lab alarm": {"Rel_22.0_1.1123", `alarm { name = "bwOther" }`, []string{capAlarmName, "bwOther"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := memoryFleet(t, labWith(tc.release, tc.extra)).Host("h")
			if diff := cmp.Diff(tc.want, alarmNames(h)); diff != "" {
				t.Errorf("wrong alarms (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCAPAlarmReturns: with CAP still enabled on 22.0, a cleared alarm
// comes back when OpenClientServer restarts, and is never duplicated.
func TestCAPAlarmReturns(t *testing.T) {
	h := memoryFleet(t, labWith("Rel_22.0_1.1123", "")).Host("h")
	if err := h.Restart("OpenClientServer"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "OpenClientServer runs", func() bool { return h.AppState("OpenClientServer") == AppRunning })
	if diff := cmp.Diff([]string{capAlarmName}, alarmNames(h)); diff != "" {
		t.Errorf("wrong alarms after a restart with CAP enabled (-want +got):\n%s", diff)
	}
	h.clearAllAlarms()
	if err := h.Restart("OpenClientServer"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the CAP alarm is raised again", func() bool { return len(h.Alarms()) == 1 })
	if al := h.Alarms()[0]; al.ID != firstAlarmID+1 {
		t.Errorf("wrong id of the new alarm\ngot: %d\nwant: %d", al.ID, firstAlarmID+1)
	}
}

// TestNeverHealthy: with the fault on, a restarted application stays
// Starting after its restart delay has passed; without it, it runs.
func TestNeverHealthy(t *testing.T) {
	h := memoryFleet(t, labWith("Rel_22.0_1.1123", `fault { never_healthy = true }`)).Host("h")
	if err := h.Restart("Xsi-Actions"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the start timer fires", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.st.apps["xsi-actions"].timer == nil
	})
	if got := h.AppState("Xsi-Actions"); got != AppStarting {
		t.Errorf("wrong state after the delay\ngot: %s\nwant: %s", got, AppStarting)
	}
	h.SetFaults(Faults{})
	if err := h.Restart("Xsi-Actions"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "Xsi-Actions runs", func() bool { return h.AppState("Xsi-Actions") == AppRunning })
}

func TestValueAPI(t *testing.T) {
	h := memoryFleet(t, labWith("Rel_22.0_1.1123", `context "Interface/SNMP/Agent" { port = 8002 }`)).Host("h")
	tests := map[string]struct {
		path, attr string
		want       string
		ok         bool
	}{
		"lab value":        {"Interface/SNMP/Agent", "port", "8002", true},
		"default":          {"/interface/snmp/agent/", "Encoding", "ISO-8859-1", true},
		"unknown attr":     {"Interface/SNMP/Agent", "nope", "", false},
		"unknown context":  {"Interface/Nope", "port", "", false},
		"table context":    {"System/ManagementAccessList", "host", "", false},
		"password default": {"Applications/AuthenticationService/CISTokenValidation", "clientSecret", "", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := h.Value(tc.path, tc.attr)
			if got != tc.want || ok != tc.ok {
				t.Errorf("wrong result\ngot: %q, %v\nwant: %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	errTests := map[string]struct {
		path, attr, value string
		want              error
	}{
		"unknown context": {"Nope", "a", "b", ErrUnknownContext},
		"unknown attr":    {"Interface/SNMP/Agent", "nope", "1", ErrUnknownAttr},
		"invalid value":   {"Interface/SNMP/Agent", "port", "0", ErrInvalidValue},
	}
	for name, tc := range errTests {
		t.Run("set "+name, func(t *testing.T) {
			if err := h.SetValue(tc.path, tc.attr, tc.value); !errors.Is(err, tc.want) {
				t.Errorf("wrong result\ngot: %v\nwant: %v", err, tc.want)
			}
		})
	}
	// A password set out of band is stored unmasked; no restart is needed
	// for SNMP, so nothing is pending.
	if err := h.SetValue("Applications/AuthenticationService/CISTokenValidation", "clientSecret", "s3cr3t"); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Value("Applications/AuthenticationService/CISTokenValidation", "clientSecret"); v != "s3cr3t" {
		t.Errorf("wrong stored password\ngot: %q\nwant: \"s3cr3t\"", v)
	}
	if err := h.SetValue("Interface/SNMP/Agent", "port", "9000"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"AuthenticationService"}, h.PendingRestarts()); diff != "" {
		t.Errorf("wrong pending restarts (-want +got):\n%s", diff)
	}
}

func TestRowsAPI(t *testing.T) {
	h := memoryFleet(t, labWith("Rel_21.0_1.1123", `
  table "Maintenance/Scheduler" {
    row {
      name      = "a"
      frequency = "daily"
      hour      = 1
      minute    = 0
    }
  }`)).Host("h")
	if diff := cmp.Diff([]map[string]string{{"id": "1", "name": "a", "frequency": "daily", "hour": "1", "minute": "0", "day": "", "offset": ""}},
		h.Rows("Maintenance/Scheduler")); diff != "" {
		t.Errorf("wrong rows (-want +got):\n%s", diff)
	}
	err := h.SetRows("Maintenance/Scheduler", []map[string]string{
		{"id": "7", "name": "x", "frequency": "minute", "minute": "5", "offset": "0"},
		{"name": "y", "frequency": "Day", "hour": "3", "minute": "6", "day": "Monday"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"id": "1", "name": "x", "frequency": "minute", "hour": "", "minute": "5", "day": "", "offset": ""},
		{"id": "2", "name": "y", "frequency": "day", "hour": "3", "minute": "6", "day": "monday", "offset": ""},
	}
	if diff := cmp.Diff(want, h.Rows("maintenance/scheduler")); diff != "" {
		t.Errorf("wrong rows after SetRows (-want +got):\n%s", diff)
	}
	errTests := map[string]struct {
		path string
		rows []map[string]string
		want error
	}{
		"not a table":   {"Interface/SNMP/Agent", nil, ErrUnknownContext},
		"alarms":        {"Monitoring/Alarm/AlarmsTable", nil, ErrUnknownContext},
		"missing key":   {"System/ManagementAccessList", []map[string]string{{"description": "x"}}, ErrInvalidValue},
		"unknown col":   {"System/ManagementAccessList", []map[string]string{{"host": "a", "x": "y"}}, ErrInvalidValue},
		"duplicate key": {"System/ManagementAccessList", []map[string]string{{"host": "a"}, {"host": "a"}}, ErrDuplicateRow},
		"old schedule":  {"Maintenance/Scheduler", []map[string]string{{"name": "a", "hour": "1", "minute": "2"}}, ErrInvalidValue},
		"daily day":     {"Maintenance/Scheduler", []map[string]string{{"name": "a", "frequency": "daily", "day": "monday", "hour": "1", "minute": "2"}}, ErrInvalidValue},
		"big offset":    {"Maintenance/Scheduler", []map[string]string{{"name": "a", "frequency": "minute", "minute": "5", "offset": "5"}}, ErrInvalidValue},
	}
	for name, tc := range errTests {
		t.Run(name, func(t *testing.T) {
			if err := h.SetRows(tc.path, tc.rows); !errors.Is(err, tc.want) {
				t.Errorf("wrong result\ngot: %v\nwant: %v", err, tc.want)
			}
		})
	}
	alarms := h.Rows("Monitoring/Alarm/AlarmsTable")
	if len(alarms) != 0 {
		t.Errorf("release 21 has no CAP alarm, got %v", alarms)
	}
	if h.Rows("Nope") != nil {
		t.Errorf("Rows of an unknown table is not nil")
	}
}

// TestAppCommandsState checks stopbw/startbw/restartbw through the shell
// against the state the Go API reports.
func TestAppCommandsState(t *testing.T) {
	f := memoryFleet(t, labWith("Rel_22.0_1.1123", ""))
	h := f.Host("h")
	if err := h.SetValue("Applications/OpenClientServer/GeneralSettings", "clientPort", "2300"); err != nil {
		t.Fatal(err)
	}
	out, _, _ := memorySession(h, "stopbw OpenClientServer\nexit\n", false, "")
	if !strings.Contains(out, "Stopping OpenClientServer...") || h.AppState("OpenClientServer") != AppStopped {
		t.Fatalf("stopbw did not stop: %q, state %s", out, h.AppState("OpenClientServer"))
	}
	if len(h.PendingRestarts()) != 1 {
		t.Errorf("stopbw cleared the pending restart: %v", h.PendingRestarts())
	}
	memorySession(h, "startbw OpenClientServer\n", false, "")
	if len(h.PendingRestarts()) != 0 {
		t.Errorf("startbw did not load the new configuration: pending %v", h.PendingRestarts())
	}
	eventually(t, 5*time.Second, "OpenClientServer runs", func() bool { return h.AppState("OpenClientServer") == AppRunning })
	if n := h.RestartCount("OpenClientServer"); n != 0 {
		t.Errorf("stop and start counted as a restart: %d", n)
	}
	memorySession(h, "restartbw\n", false, "")
	for _, app := range h.apps {
		if n := h.RestartCount(app); n != 1 {
			t.Errorf("restartbw with no argument: %s restarted %d times, want 1", app, n)
		}
	}
	if h.AppState("Nope") != "" || h.RestartCount("Nope") != 0 {
		t.Errorf("unknown application has a state")
	}
	if err := h.Restart("Nope"); !errors.Is(err, ErrUnknownApp) {
		t.Errorf("wrong result\ngot: %v\nwant: %v", err, ErrUnknownApp)
	}
}

// TestCLIChangesReachState checks that what bwcli accepts is what the Go
// API reports: restart-requiring table changes, passwords typed at the
// prompt, and id renumbering.
func TestCLIChangesReachState(t *testing.T) {
	h := memoryFleet(t, labWith("Rel_22.0_1.1123", "")).Host("h")
	input := strings.Join([]string{
		"bwcli",
		"cd /Applications/AuthenticationService/CISTokenValidation",
		"set clientSecret", "typed secret",
		"cd /Maintenance/ContainerOptions",
		"add Xsi-Events poolSize 8",
		"cd /Maintenance/Scheduler",
		"add a daily 1 1", "add b day monday 2 2", "add c minute 3", "delete 6",
		"exit", "y", "exit",
	}, "\n") + "\n"
	out, _, _ := memorySession(h, input, true, "")
	if strings.Contains(out, "typed secret") {
		t.Errorf("the password was echoed:\n%s", out)
	}
	if v, _ := h.Value("Applications/AuthenticationService/CISTokenValidation", "clientSecret"); v != "typed secret" {
		t.Errorf("wrong stored password\ngot: %q\nwant: \"typed secret\"", v)
	}
	for _, c := range h.Commands() {
		if strings.Contains(c.Line, "typed secret") {
			t.Errorf("the password was recorded: %+v", c)
		}
	}
	if diff := cmp.Diff([]string{"AuthenticationService", "Xsi-Events"}, h.PendingRestarts()); diff != "" {
		t.Errorf("wrong pending restarts (-want +got):\n%s", diff)
	}
	var names []string
	for _, r := range h.Rows("Maintenance/Scheduler") {
		names = append(names, r["id"]+"="+r["name"])
	}
	// The four default tasks, then a and c: b's id went to c.
	if diff := cmp.Diff([]string{"1=backup", "2=tech-support", "3=cpuMon", "4=healthmon", "5=a", "6=c"}, names); diff != "" {
		t.Errorf("wrong scheduler rows after delete (-want +got):\n%s", diff)
	}
}

func TestRenderTable(t *testing.T) {
	got := renderTable(
		[]string{"Interface IP", "Port", "Secure", "Server Certificate", "Client Auth Req"},
		[][]string{{"10.155.6.175", "8012", "true", "true", "true"}},
		[]bool{true, true, true, true, true},
	)
	// The example of docs/bwcli.md, byte for byte.
	want := "  Interface IP  Port  Secure  Server Certificate  Client Auth Req\n" +
		"=================================================================\n" +
		"  10.155.6.175  8012    true                true             true\n"
	if got != want {
		t.Errorf("wrong result\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestTableLayouts prints one table in each table_layout: mixed is the
// shape of the AS NetworkServers/Routing rows of Cisco tech note 216690
// (names left-aligned, numbers right-aligned); left and mixed lines end at
// their last character, under a full-width line of =.
func TestTableLayouts(t *testing.T) {
	src := `
sim_host "xsp1" {
  listen       = "127.0.0.1:0"
  type         = "xsp"
  release      = "Rel_22.0_1.1123"
  table_layout = "%s"
  table "Interface/SNMP/TrapTable" {
    row {
      ipAddress   = "10.2.2.2"
      port        = 5060
      version     = "v1"
      description = "test3"
    }
    row {
      ipAddress = "10.123.123.80"
      port      = 162
    }
  }
}
`
	tests := map[string]string{
		"right": "     IP Address  Port  Version  Description\n" +
			"===========================================\n" +
			"       10.2.2.2  5060       v1        test3\n" +
			"  10.123.123.80   162      v2c             \n",
		"left": "  IP Address     Port  Version  Description\n" +
			"===========================================\n" +
			"  10.2.2.2       5060  v1       test3\n" +
			"  10.123.123.80  162   v2c\n",
		"mixed": "  IP Address     Port  Version  Description\n" +
			"===========================================\n" +
			"  10.2.2.2       5060  v1       test3\n" +
			"  10.123.123.80   162  v2c\n",
	}
	for layout, want := range tests {
		t.Run(layout, func(t *testing.T) {
			f := memoryFleet(t, fmt.Sprintf(src, layout))
			out, _, _ := memorySession(f.Host("xsp1"), "bwcli\ncd /Interface/SNMP/TrapTable\nget\n", true, "")
			out = strings.ReplaceAll(out, "\r\n", "\n")
			start := strings.Index(out, "> get\n") + len("> get\n")
			end := strings.LastIndex(out, "XSP_CLI/Interface/SNMP/TrapTable> ")
			if start < len("> get\n") || end < start {
				t.Fatalf("no table in the output:\n%s", out)
			}
			if diff := cmp.Diff(want, out[start:end]); diff != "" {
				t.Errorf("wrong table (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplitArgs(t *testing.T) {
	tests := map[string][]string{
		`set a b`:                 {"set", "a", "b"},
		`  set   a  `:             {"set", "a"},
		`set detail "Business C"`: {"set", "detail", "Business C"},
		`set a ""`:                {"set", "a", ""},
		`set a "unbalanced x`:     {"set", "a", "unbalanced x"},
		"set\ta\tb":               {"set", "a", "b"},
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if diff := cmp.Diff(want, splitArgs(in)); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

// TestQueuedCommands: the `;` items after the first of a line, and a
// confirmation's answer given that way, are recorded as queued (no round
// trip of their own); an answer typed on its own line is not.
func TestQueuedCommands(t *testing.T) {
	h := memoryFleet(t, labWith("Rel_22.0_1.1123", "")).Host("h")
	input := strings.Join([]string{"bwshowver; healthmon -l", "bwcli", "exit", "y", "bwcli", "exit;y", "exit"}, "\n") + "\n"
	memorySession(h, input, true, "")
	var got []string
	for _, c := range h.Commands() {
		line := c.Kind + " " + c.Line
		if c.Queued {
			line += " (queued)"
		}
		got = append(got, line)
	}
	want := []string{"shell bwshowver", "shell healthmon -l (queued)", "shell bwcli", "cli exit", "cli y",
		"shell bwcli", "cli exit", "cli y (queued)", "shell exit"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong commands (-want +got):\n%s", diff)
	}
}
