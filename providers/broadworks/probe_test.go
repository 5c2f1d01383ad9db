package broadworks

import (
	"errors"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// probeFake runs the probe's checks against a termFake whose answers reply
// may replace, reading the given contexts.
func probeFake(t *testing.T, reply func(fakeRequest) ([]byte, bool), targets ...ProbeTarget) (*ProbeReport, []string) {
	t.Helper()
	s, f := startTermFake(t, func(f *termFake) { f.reply = reply })
	r := &ProbeReport{Host: s.host.Name}
	s.p.probe(testCtx(t), s, func(*engine.Facts) ([]ProbeTarget, error) { return targets, nil }, r)
	closeSession(s)
	<-f.done
	return r, f.received()
}

// check returns the report's check of step, failing the test without one.
func check(t *testing.T, r *ProbeReport, step string) ProbeCheck {
	t.Helper()
	for _, c := range r.Checks {
		if c.Step == step {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", step, r.Checks)
	return ProbeCheck{}
}

func TestProbeRecognisesEverything(t *testing.T) {
	gs := ProbeTarget{Path: gsPath, Schema: schemaOf(t, "xsp", gsPath)}
	r, sent := probeFake(t, nil, gs)
	if w := r.Worst(); w != ProbeWarning {
		// The fake's GeneralSettings prints one attribute of seven.
		t.Errorf("wrong worst status\ngot:  %s\nwant: warning (attributes the catalogue lists, not printed)\n%+v", w, r.Checks)
	}
	for _, step := range []string{"login", "bwshowver", "bwcli", "list /Monitoring/Alarm/AlarmsTable", "exit", "healthmon -l", "showrun"} {
		if c := check(t, r, step); c.Status != ProbeOK {
			t.Errorf("%s: %s: %s", step, c.Status, c.Detail)
		}
	}
	if c := check(t, r, "get /"+gsPath); !strings.Contains(c.Detail, "1 attribute") && !strings.Contains(c.Detail, "the server does not print") {
		t.Errorf("wrong get check: %+v", c)
	}
	want := []string{"bwshowver", "bwcli", "cd /Monitoring/Alarm/AlarmsTable", "list", "cd /" + gsPath, "get", exitLine, "healthmon -l", "showrun"}
	if strings.Join(sent, "|") != strings.Join(want, "|") {
		t.Errorf("wrong lines sent\ngot:  %q\nwant: %q", sent, want)
	}
	if r.Facts == nil || r.Facts.Type != "xsp" || r.Facts.ReleaseString != "Rel_22.0_1.1123" {
		t.Errorf("wrong facts: %+v", r.Facts)
	}
}

// TestProbeUnknownTableLayout: a table the driver cannot place fails the
// probe, quoting the line, and the probe goes on with the other checks.
func TestProbeUnknownTableLayout(t *testing.T) {
	table := "  Host      Description\n" +
		"=======================\n" +
		"  10.9.0.5  NOC\n" +
		"  10.200.100.250  backup  NOC site\n"
	mal := ProbeTarget{Path: malPath, Schema: schemaOf(t, "xsp", malPath)}
	r, _ := probeFake(t, func(req fakeRequest) ([]byte, bool) {
		if req.mode == "cli" && req.line == "get" {
			return append(crlf(table), req.prompt...), true
		}
		return nil, false
	}, mal)
	c := check(t, r, "get /"+malPath)
	if c.Status != ProbeFailed || !strings.Contains(c.Detail, `line 4: 3 values for the header's 2 columns`) || !strings.Contains(c.Detail, `"10.200.100.250  backup  NOC site"`) {
		t.Errorf("wrong check\ngot:  %+v\nwant: FAILED naming line 4", c)
	}
	if c := check(t, r, "healthmon -l"); c.Status != ProbeOK {
		t.Errorf("the probe stopped after the table: %+v", c)
	}
}

// TestProbeWarnings: what bwstate can work without is a warning, and the
// probe still passes.
func TestProbeWarnings(t *testing.T) {
	r, _ := probeFake(t, replyTo("showrun", "-bash: showrun: command not found\n"))
	c := check(t, r, "showrun")
	if c.Status != ProbeWarning || !strings.Contains(c.Detail, "health is decided by healthmon -l alone") {
		t.Errorf("wrong check: %+v", c)
	}
	if w := r.Worst(); w != ProbeWarning {
		t.Errorf("wrong worst status\ngot:  %s\nwant: warning", w)
	}
}

// TestProbeFailures: what bwstate needs and did not recognise.
func TestProbeFailures(t *testing.T) {
	tests := map[string]struct {
		reply      func(fakeRequest) ([]byte, bool)
		step, want string
	}{
		"bwshowver of another shape": {
			reply: replyTo("bwshowver", "BroadWorks Server 24 build 944\n"),
			step:  "bwshowver", want: "parse bwshowver: no `<TYPE> version Rel_<release>` line",
		},
		"healthmon without a severity": {
			reply: replyTo("healthmon -l", "Health: all green\n"),
			step:  "healthmon -l", want: "no `Report severity` line",
		},
		"alarms that do not parse": {
			reply: func(req fakeRequest) ([]byte, bool) {
				if req.mode == "cli" && req.line == "list" {
					return append(crlf("Identifier  Timestamp  Alarm Name\n=================\n1  2  3  4  5\n"), req.prompt...), true
				}
				return nil, false
			},
			step: "list /Monitoring/Alarm/AlarmsTable", want: `line 3: 5 values for the header's 3 columns`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, _ := probeFake(t, tc.reply)
			c := check(t, r, tc.step)
			if c.Status != ProbeFailed || !strings.Contains(c.Detail, tc.want) {
				t.Errorf("wrong check\ngot:  %+v\nwant: FAILED containing %q", c, tc.want)
			}
			if r.Worst() != ProbeFailed {
				t.Errorf("wrong worst status: %s", r.Worst())
			}
		})
	}
}

// TestProbeWrongType: a host whose CLI root says another type than the
// configuration fails, naming both.
func TestProbeWrongType(t *testing.T) {
	s, f := startTermFake(t, nil)
	s.host.Type = "as"
	r := &ProbeReport{Host: s.host.Name}
	s.p.probe(testCtx(t), s, func(*engine.Facts) ([]ProbeTarget, error) { return nil, errors.New("no configuration") }, r)
	closeSession(s)
	<-f.done
	c := check(t, r, "bwcli")
	if c.Status != ProbeFailed || !strings.Contains(c.Detail, "the CLI root is XSP_CLI, a xsp server, but the configuration declares xsp1 as") {
		t.Errorf("wrong check: %+v", c)
	}
	if c := check(t, r, "configuration"); c.Status != ProbeFailed || c.Detail != "no configuration" {
		t.Errorf("wrong check: %+v", c)
	}
}

// TestProbeOverSSH: the probe through a real SSH session, reading the
// Scheduler of a fresh server (its default tasks, `-` cells and an offset
// in a Minute cell) in a mixed layout, and writing the transcript.
func TestProbeOverSSH(t *testing.T) {
	f := simtest.Start(t, lab(simHost("dbs1", "dbs", "Rel_24.0_1.944", `  table_layout = "mixed"`)))
	dir := t.TempDir()
	p := newTestProvider(t, Options{TranscriptDir: dir}, nil)
	h := hostOf(t, f, "dbs1")
	sched := ProbeTarget{Path: "maintenance/scheduler", Schema: schemaOf(t, "dbs", "Maintenance/Scheduler")}
	r := p.Probe(testCtx(t), h, func(*engine.Facts) ([]ProbeTarget, error) { return []ProbeTarget{sched}, nil })
	if w := r.Worst(); w != ProbeOK {
		t.Fatalf("wrong worst status\ngot:  %s\nwant: ok\n%+v", w, r.Checks)
	}
	c := check(t, r, "get /Maintenance/Scheduler")
	if c.Detail != "a table of 6 columns (Id, Name, Date, Day, Hour, Minute), 4 rows" {
		t.Errorf("wrong check: %+v", c)
	}
	if !strings.HasPrefix(r.Transcript, dir) {
		t.Errorf("wrong transcript %q, want one in %s", r.Transcript, dir)
	}
	for _, cmd := range f.Host("dbs1").Commands() {
		if strings.HasPrefix(cmd.Line, "add") || strings.HasPrefix(cmd.Line, "delete") || strings.HasPrefix(cmd.Line, "set") {
			t.Errorf("the probe wrote: %q", cmd.Line)
		}
	}
}
