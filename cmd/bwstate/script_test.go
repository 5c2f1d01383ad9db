package main

import (
	"crypto/ed25519"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"

	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
)

// The end-to-end suite: testdata/script/*.txtar run the real bwstate
// binary (this test binary re-executed as `bwstate`, through main, so flag
// parsing, exit codes and signal handling are the ones users get) against
// a simulated fleet the script starts in this process with `lab start`.
// The simulator records every command it receives, so scripts assert on
// what reached the servers, not only on what bwstate printed.
//
// Commands scripts have besides testscript's own:
//
//	lab ...                   the script's simulated fleet (see labUsageText)
//	example NAME              copy examples/NAME into $WORK/NAME
//	exits CODE PROG ARGS...   run PROG and require exit code CODE
//	jsonplan FILE             check a JSON plan's documented shape, print its items
//	capture FILE REGEXP VAR   set $VAR to REGEXP's first group in FILE (stdout, stderr)
//	tamper FILE LINE OLD NEW  replace OLD by NEW (same length) on line LINE of FILE
//	dochcl DOC N FILE         write the N-th ```hcl block of DOC (a path in the
//	                          repository) to FILE: a runbook's own text, step by step
//
// Every bwstate run gets HOME=$WORK/home, BWSTATE_SSH_CONFIG=none and
// NO_COLOR=1; `lab start` adds LAB_IP, LAB_DIR and the BWSTATE_VAR_lab_ip
// and BWSTATE_VAR_lab_dir the example configurations read. go test
// -run TestScripts -update rewrites the files cmp compares with.

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) != "bwstate" {
		raiseTestParallelism()
	}
	testscript.Main(m, map[string]func(){"bwstate": main})
}

// raiseTestParallelism lets more scripts run at once than go test's
// default of GOMAXPROCS, unless -test.parallel was given: a script spends
// most of its time waiting for simulated servers (latency, restarts,
// health polls, timeouts), not on the CPU. Only the top-level test process
// gets here; the same binary re-executed as bwstate never parses these
// flags.
func raiseTestParallelism() {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
}

// scriptWait bounds every wait of a script command (a condition that does
// not become true is a failure, not a hang).
const scriptWait = 30 * time.Second

var updateScripts = flag.Bool("update", false, "rewrite the files that cmp compares with in testdata/script/*.txtar")

func TestScripts(t *testing.T) {
	examples, err := filepath.Abs(filepath.Join("..", "..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		UpdateScripts:       *updateScripts,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			if err := os.MkdirAll(home, 0o700); err != nil {
				return err
			}
			// No real ~/.ssh, no ssh_config, no colour: the scripts see
			// what a CI job would.
			e.Setenv("HOME", home)
			e.Setenv("BWSTATE_SSH_CONFIG", "none")
			e.Setenv("NO_COLOR", "1")
			// A race-enabled binary sleeps a second at exit by default so
			// late reports get out; a script runs bwstate dozens of times.
			// Reports made while running still print (and exit 66).
			e.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			tb, ok := e.T().(testing.TB)
			if !ok {
				return fmt.Errorf("testscript gave a %T, not a testing.TB", e.T())
			}
			s := &scriptState{tb: tb, examples: examples, ip: simtest.UniqueLoopbackIP(tb)}
			e.Values[stateKey{}] = s
			e.Defer(s.close)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"lab":      cmdLab,
			"example":  cmdExample,
			"exits":    cmdExits,
			"jsonplan": cmdJSONPlan,
			"capture":  cmdCapture,
			"tamper":   cmdTamper,
			"track":    cmdTrack,
			"exitcode": cmdExitCode,
			"tear":     cmdTear,
			"nosecret": cmdNoSecret,
			"intgroup": cmdIntGroup,
			"dochcl":   cmdDocHCL,
		},
	})
}

type stateKey struct{}

// scriptState is one script's lab.
type scriptState struct {
	tb       testing.TB
	examples string
	ip       string // the script's own loopback address

	mu    sync.Mutex
	fleet *sim.Fleet
	mark  int // commands recorded before the mark are not looked at
	// bg are background commands named by `track`.
	bg map[string]*exec.Cmd
	// gates are TCP forwarders in front of hosts (`lab gate`).
	gates map[string]*gate
}

// close stops the lab when the script ends; a fleet that cannot close
// cleanly (a session that does not end) fails the script.
func (s *scriptState) close() {
	s.mu.Lock()
	f := s.fleet
	s.fleet = nil
	gates := s.gates
	s.gates = nil
	s.mu.Unlock()
	for _, g := range gates {
		g.down()
	}
	if f != nil {
		if err := f.Close(); err != nil {
			s.tb.Errorf("close the lab: %v", err)
		}
	}
}

func state(ts *testscript.TestScript) *scriptState {
	return ts.Value(stateKey{}).(*scriptState)
}

// running returns the script's fleet, failing the script when there is none.
func (s *scriptState) running(ts *testscript.TestScript) *sim.Fleet {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fleet == nil {
		ts.Fatalf("no lab: run `lab start` first")
	}
	return s.fleet
}

func (s *scriptState) host(ts *testscript.TestScript, name string) *sim.Host {
	h := s.running(ts).Host(name)
	if h == nil {
		ts.Fatalf("lab has no host %q", name)
	}
	return h
}

// commands returns the recorded commands after the mark as
// "HOST kind line".
func (s *scriptState) commands(ts *testscript.TestScript) []string {
	f := s.running(ts)
	s.mu.Lock()
	mark := s.mark
	s.mu.Unlock()
	var out []string
	for i, c := range f.Commands() {
		if i >= mark {
			out = append(out, c.Host+" "+c.Kind+" "+c.Line)
		}
	}
	return out
}

const labUsageText = `usage:
  lab start [FILE]                   serve FILE (default: a copy of examples/lab/lab.hcl)
  lab stop                           stop the lab (host keys and the lab directory stay: a
                                     later lab start serves the same hosts, from its file)
  lab cmds [HOST] [shell|cli]        print recorded commands after the mark
  lab count PATTERN N                assert N recorded commands (after the mark) match PATTERN
  lab only PATTERN                   assert every recorded command (after the mark) matches PATTERN
  lab before PATTERN1 PATTERN2       assert the last match of PATTERN1 precedes the first of PATTERN2
  lab wait PATTERN                   wait until a recorded command matches PATTERN
  lab mark                           ignore the commands recorded so far
  lab set HOST PATH ATTR VALUE       change a value out of band
  lab value HOST PATH ATTR           print a stored value
  lab pending HOST                   print the applications waiting for a restart
  lab state HOST APP                 print an application's state
  lab restart HOST APP               restart an application out of band (an operator's
                                     restartbw on the server; not in the command log) and
                                     wait until it runs
  lab alarms HOST                    print the raised alarms' names
  lab fault HOST knob=value...|clear change fault knobs (lab file names; clear resets all)
  lab gate HOST PORT|down|up         a TCP forwarder on $LAB_IP:PORT in front of HOST (its key
                                     enrolled for that address); down: connections are refused
  lab key FILE PASSPHRASE            write the lab's client key encrypted with PASSPHRASE`

// cmdLab drives the script's simulated fleet.
func cmdLab(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("%s", labUsageText)
	}
	if neg && args[0] != "count" {
		ts.Fatalf("unsupported: ! lab %s", args[0])
	}
	// Every lab command replaces stdout, even when it prints nothing, so
	// `! stdout .` after it is about it and not about an earlier command.
	w := ts.Stdout()
	s := state(ts)
	sub, args := args[0], args[1:]
	need := func(n int) {
		if len(args) != n {
			ts.Fatalf("lab %s: want %d arguments, got %d\n%s", sub, n, len(args), labUsageText)
		}
	}
	switch sub {
	case "start":
		if len(args) > 1 {
			ts.Fatalf("lab start: at most one lab file")
		}
		s.start(ts, args)
	case "stop":
		need(0)
		s.running(ts)
		s.close()
	case "cmds":
		host, kind := "", ""
		for _, a := range args {
			if a == "shell" || a == "cli" {
				kind = a
			} else {
				host = a
			}
		}
		for _, c := range s.commands(ts) {
			f := strings.SplitN(c, " ", 3)
			if (host == "" || f[0] == host) && (kind == "" || f[1] == kind) {
				fmt.Fprintln(w, c)
			}
		}
	case "count":
		need(2)
		re := compile(ts, args[0])
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		var matched []string
		for _, c := range s.commands(ts) {
			if re.MatchString(c) {
				matched = append(matched, c)
			}
		}
		switch {
		case !neg && len(matched) != want:
			ts.Fatalf("wrong number of commands matching %q\ngot: %d\n%s\nwant: %d", args[0], len(matched), strings.Join(matched, "\n"), want)
		case neg && len(matched) == want:
			ts.Fatalf("%d commands match %q, want any other number", want, args[0])
		}
	case "only":
		need(1)
		re := compile(ts, args[0])
		var other []string
		for _, c := range s.commands(ts) {
			if !re.MatchString(c) {
				other = append(other, c)
			}
		}
		if len(other) > 0 {
			ts.Fatalf("commands not matching %q:\n%s", args[0], strings.Join(other, "\n"))
		}
	case "before":
		need(2)
		first, then := compile(ts, args[0]), compile(ts, args[1])
		last, next := -1, -1
		cmds := s.commands(ts)
		for i, c := range cmds {
			if first.MatchString(c) {
				last = i
			}
			if next < 0 && then.MatchString(c) {
				next = i
			}
		}
		switch {
		case last < 0 || next < 0:
			ts.Fatalf("lab before: no command matches %q or %q", args[0], args[1])
		case last > next:
			ts.Fatalf("command %d %q (the last matching %q) comes after command %d %q (the first matching %q)",
				last, cmds[last], args[0], next, cmds[next], args[1])
		}
	case "wait":
		need(1)
		re := compile(ts, args[0])
		waitFor(ts, "a command matching "+args[0], func() bool {
			for _, c := range s.commands(ts) {
				if re.MatchString(c) {
					return true
				}
			}
			return false
		})
	case "restart":
		need(2)
		h := s.host(ts, args[0])
		ts.Check(h.Restart(args[1]))
		waitFor(ts, args[1]+" running on "+args[0], func() bool { return h.AppState(args[1]) == "Running" })
	case "mark":
		need(0)
		f := s.running(ts)
		n := len(f.Commands())
		s.mu.Lock()
		s.mark = n
		s.mu.Unlock()
	case "set":
		need(4)
		ts.Check(s.host(ts, args[0]).SetValue(args[1], args[2], args[3]))
	case "value":
		need(3)
		v, ok := s.host(ts, args[0]).Value(args[1], args[2])
		if !ok {
			ts.Fatalf("lab value: host %s has no %s %s", args[0], args[1], args[2])
		}
		fmt.Fprintln(w, v)
	case "pending":
		need(1)
		for _, app := range s.host(ts, args[0]).PendingRestarts() {
			fmt.Fprintln(w, app)
		}
	case "state":
		need(2)
		fmt.Fprintln(w, s.host(ts, args[0]).AppState(args[1]))
	case "alarms":
		need(1)
		for _, a := range s.host(ts, args[0]).Alarms() {
			fmt.Fprintln(w, a.Name)
		}
	case "fault":
		if len(args) < 2 {
			ts.Fatalf("lab fault: want HOST and knob=value... or clear")
		}
		h := s.host(ts, args[0])
		f, err := applyKnobs(h.Faults(), args[1:])
		ts.Check(err)
		h.SetFaults(f)
	case "gate":
		need(2)
		s.labGate(ts, args[0], args[1])
	case "key":
		need(2)
		s.labEncryptedKey(ts, args[0], args[1])
	default:
		ts.Fatalf("lab: unknown subcommand %q\n%s", sub, labUsageText)
	}
}

// start serves the lab on the script's own loopback address, with its
// state (keys, known_hosts, commands.log) in $WORK/lab.
func (s *scriptState) start(ts *testscript.TestScript, args []string) {
	s.mu.Lock()
	started := s.fleet != nil
	s.mu.Unlock()
	if started {
		ts.Fatalf("lab start: a lab is already running")
	}
	file := ts.MkAbs("lab.hcl")
	if len(args) == 1 {
		file = ts.MkAbs(args[0])
	} else {
		if _, err := os.Stat(file); err == nil {
			ts.Fatalf("lab start: $WORK/lab.hcl exists; serve it with `lab start lab.hcl`")
		}
		src, err := os.ReadFile(filepath.Join(s.examples, "lab", "lab.hcl"))
		ts.Check(err)
		ts.Check(os.WriteFile(file, src, 0o644))
	}
	lab, diags := sim.LoadLab(file)
	if diags.HasErrors() {
		ts.Fatalf("lab start: %s", diags.Error())
	}
	dir := ts.MkAbs("lab")
	// After `lab stop` the kernel may release the old listeners' ports a
	// moment after Close returns (the file descriptor closes when the last
	// goroutine using it lets go): retry a bound port briefly.
	var f *sim.Fleet
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; {
		f, err = sim.Start(lab, sim.Options{StateDir: dir, BindIP: s.ip})
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // the poll interval of the deadline loop
	}
	ts.Check(err)
	s.mu.Lock()
	s.fleet, s.mark = f, 0
	s.mu.Unlock()
	for k, v := range map[string]string{"LAB_IP": s.ip, "LAB_DIR": dir, "BWSTATE_VAR_lab_ip": s.ip, "BWSTATE_VAR_lab_dir": dir} {
		ts.Setenv(k, v)
	}
}

// applyKnobs sets the fault knobs named as in a lab file's fault block;
// "clear" resets every knob.
func applyKnobs(f sim.Faults, knobs []string) (sim.Faults, error) {
	for _, kv := range knobs {
		if kv == "clear" {
			f = sim.Faults{}
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return f, fmt.Errorf("lab fault: %q is not knob=value", kv)
		}
		var err error
		boolean := func(dst *bool) { *dst, err = strconv.ParseBool(v) }
		duration := func(dst *time.Duration) { *dst, err = time.ParseDuration(v) }
		switch k {
		case "latency":
			duration(&f.Latency)
		case "bwcli_delay":
			duration(&f.BwcliDelay)
		case "refuse":
			boolean(&f.Refuse)
		case "drop_after":
			f.DropAfter, err = strconv.Atoi(v)
		case "reject_auth":
			boolean(&f.RejectAuth)
		case "wrong_host_key":
			boolean(&f.WrongHostKey)
		case "fail_next_set":
			switch v {
			case "true":
				f.FailNextSet = sim.DefaultFailNextSetText
			case "false":
				f.FailNextSet = ""
			default:
				f.FailNextSet = v
			}
		case "never_healthy":
			boolean(&f.NeverHealthy)
		case "bwcli_hang":
			boolean(&f.BwcliHang)
		case "garbage":
			boolean(&f.Garbage)
		default:
			return f, fmt.Errorf("lab fault: unknown knob %q", k)
		}
		if err != nil {
			return f, fmt.Errorf("lab fault: %s: %w", kv, err)
		}
	}
	return f, nil
}

func compile(ts *testscript.TestScript, pattern string) *regexp.Regexp {
	re, err := regexp.Compile(pattern)
	ts.Check(err)
	return re
}

// waitFor polls cond until it holds, failing the script after scriptWait.
func waitFor(ts *testscript.TestScript, what string, cond func() bool) {
	deadline := time.Now().Add(scriptWait)
	for !cond() {
		if time.Now().After(deadline) {
			ts.Fatalf("waited %s for %s", scriptWait, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdExample copies examples/NAME (its files, not its state directories)
// into $WORK/NAME.
func cmdExample(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: example NAME")
	}
	src := filepath.Join(state(ts).examples, args[0])
	dst := ts.MkAbs(args[0])
	ts.Check(filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != src && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	}))
}

// cmdExits runs a program and asserts its exact exit code, which exec
// cannot: exec only tells success from failure, and bwstate's codes 1, 2
// and 3 mean different things. stdout and stderr are kept for the next
// commands, as after exec.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("wrong exit code\ngot: %d\nwant: %d", got, want)
	}
}

// cmdCapture sets an environment variable to the first submatch of a
// regexp in a file (stdout and stderr name the last command's output).
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: capture FILE REGEXP VAR")
	}
	m := compile(ts, args[1]).FindStringSubmatch(ts.ReadFile(args[0]))
	if len(m) < 2 {
		ts.Fatalf("capture: no match of %q (with a group) in %s", args[1], args[0])
	}
	ts.Setenv(args[2], m[1])
}

// cmdDocHCL copies an HCL block of a document into the script's work
// directory, so a script follows a runbook with the runbook's own
// configuration instead of a copy that could drift from it.
func cmdDocHCL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: dochcl DOC N FILE")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(state(ts).examples), filepath.FromSlash(args[0])))
	ts.Check(err)
	blocks := hclBlocks(string(b))
	if n < 1 || n > len(blocks) {
		ts.Fatalf("dochcl: %s has %d hcl blocks, not %d", args[0], len(blocks), n)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(blocks[n-1].src), 0o644))
}

// cmdTamper edits a file in place the way someone hiding a change would:
// the first OLD on line LINE becomes NEW, of the same length, so no line
// moves and only those bytes differ.
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 || len(args[2]) != len(args[3]) || args[2] == "" {
		ts.Fatalf("usage: tamper FILE LINE OLD NEW (OLD and NEW of the same length)")
	}
	path := ts.MkAbs(args[0])
	line, err := strconv.Atoi(args[1])
	ts.Check(err)
	b, err := os.ReadFile(path)
	ts.Check(err)
	lines := strings.SplitAfter(string(b), "\n")
	if line < 1 || line > len(lines) {
		ts.Fatalf("tamper: %s has %d lines, not %d", args[0], len(lines), line)
	}
	if !strings.Contains(lines[line-1], args[2]) {
		ts.Fatalf("tamper: line %d of %s has no %q", line, args[0], args[2])
	}
	lines[line-1] = strings.Replace(lines[line-1], args[2], args[3], 1)
	st, err := os.Stat(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, []byte(strings.Join(lines, "")), st.Mode().Perm()))
}

// cmdJSONPlan checks a plan rendered as JSON (plan -json, show -json)
// against the documented shape (docs/plan-output.md): required fields,
// their types, the sensitive-value rule and a summary that agrees with
// the hosts. It prints one line per host item so the script can compare
// the content too.
func cmdJSONPlan(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: jsonplan FILE")
	}
	lines, errs := checkPlanJSON([]byte(ts.ReadFile(args[0])))
	if len(errs) > 0 {
		ts.Fatalf("plan JSON does not have the documented shape:\n%s", strings.Join(errs, "\n"))
	}
	fmt.Fprint(ts.Stdout(), strings.Join(lines, "\n")+"\n")
}

// jsonChecker collects shape errors with the JSON path they were found at.
type jsonChecker struct{ errs []string }

func (c *jsonChecker) failf(at, format string, args ...any) {
	c.errs = append(c.errs, at+": "+fmt.Sprintf(format, args...))
}

func (c *jsonChecker) str(obj map[string]any, at, key string, required bool) (string, bool) {
	v, ok := obj[key]
	if !ok {
		if required {
			c.failf(at, "missing %q", key)
		}
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		c.failf(at+"."+key, "is %T, want string", v)
	}
	return s, isStr
}

func (c *jsonChecker) boolean(obj map[string]any, at, key string) bool {
	b, ok := obj[key].(bool)
	if !ok {
		c.failf(at+"."+key, "is %T, want boolean", obj[key])
	}
	return b
}

func (c *jsonChecker) array(obj map[string]any, at, key string) []any {
	a, ok := obj[key].([]any)
	if !ok {
		c.failf(at+"."+key, "is %T, want an array (never null)", obj[key])
	}
	return a
}

func (c *jsonChecker) object(v any, at string) map[string]any {
	o, ok := v.(map[string]any)
	if !ok {
		c.failf(at, "is %T, want an object", v)
		return map[string]any{}
	}
	return o
}

func oneOf(s string, allowed ...string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	return false
}

// checkPlanJSON returns the plan's items as lines, and every way it
// departs from the documented shape.
func checkPlanJSON(data []byte) (lines []string, errs []string) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, []string{"not a JSON object: " + err.Error()}
	}
	c := &jsonChecker{}
	if v, _ := c.str(doc, "$", "format_version", true); v != "1.1" {
		c.failf("$.format_version", "is %q, want \"1.1\"", v)
	}
	if v, _ := c.str(doc, "$", "config_hash", true); v == "" {
		c.failf("$.config_hash", "is empty")
	}
	if v, ok := c.str(doc, "$", "created_at", true); ok {
		if ts, err := time.Parse(time.RFC3339, v); err != nil || ts.Location() != time.UTC {
			c.failf("$.created_at", "%q is not RFC 3339 UTC", v)
		}
	}
	mode, _ := c.str(doc, "$", "mode", true)
	if !oneOf(mode, "normal", "restarts-only", "revert") {
		c.failf("$.mode", "is %q, want normal, restarts-only or revert", mode)
	}
	c.array(doc, "$", "warnings")
	c.array(doc, "$", "targets")
	c.array(doc, "$", "excludes")
	leftAlone := c.array(doc, "$", "left_alone")
	hosts := c.array(doc, "$", "hosts")
	lines = append(lines, fmt.Sprintf("mode %s, %d hosts", mode, len(hosts)))
	for _, n := range leftAlone {
		lines = append(lines, fmt.Sprintf("%v left alone", n))
	}

	// The summary recomputed from the hosts.
	want := map[string]int{"hosts": len(hosts), "hosts_left_alone": len(leftAlone)}
	for i, hv := range hosts {
		at := fmt.Sprintf("$.hosts[%d]", i)
		h := c.object(hv, at)
		name, _ := c.str(h, at, "name", true)
		c.str(h, at, "address", true)
		c.str(h, at, "type", true)
		changes := c.array(h, at, "changes")
		restarts := c.array(h, at, "restarts")
		checks := c.array(h, at, "checks")
		c.array(h, at, "warnings")
		if msg, failed := c.str(h, at, "error", false); failed {
			want["hosts_failed"]++
			if _, ok := h["release"]; ok {
				c.failf(at, "a failed host has a release")
			}
			if len(changes)+len(restarts) > 0 {
				c.failf(at, "a failed host has changes or restarts")
			}
			lines = append(lines, name+" error "+msg)
			continue
		}
		if rel, _ := c.str(h, at, "release", true); rel == "" {
			c.failf(at+".release", "is empty")
		}
		if len(changes)+len(restarts) > 0 {
			want["hosts_to_change"]++
		} else {
			want["hosts_in_desired_state"]++
		}
		if len(changes)+len(restarts)+len(checks) == 0 {
			lines = append(lines, name+" no changes")
		}
		for j, cv := range changes {
			cat := fmt.Sprintf("%s.changes[%d]", at, j)
			ch := c.object(cv, cat)
			action, _ := c.str(ch, cat, "action", true)
			if !oneOf(action, "update", "create", "delete") {
				c.failf(cat+".action", "is %q", action)
			}
			res, _ := c.str(ch, cat, "resource", true)
			path, _ := c.str(ch, cat, "path", true)
			var key []string
			for k, kv := range c.array(ch, cat, "key") {
				kat := fmt.Sprintf("%s.key[%d]", cat, k)
				f := c.object(kv, kat)
				n, _ := c.str(f, kat, "name", true)
				if c.boolean(f, kat, "sensitive") {
					if _, ok := f["value"]; ok {
						c.failf(kat, "a sensitive key shows its value")
					}
					key = append(key, n+"=(sensitive)")
					continue
				}
				v, _ := c.str(f, kat, "value", true)
				key = append(key, n+"="+v)
			}
			attrs := c.array(ch, cat, "attributes")
			if action == "update" && len(key) == 0 {
				want["attributes"] += len(attrs)
			} else {
				want["rows"]++
			}
			if action != "delete" && len(attrs) == 0 {
				c.failf(cat+".attributes", "is empty")
			}
			head := fmt.Sprintf("%s %s %s %s", name, action, res, path)
			if len(key) > 0 {
				head += " [" + strings.Join(key, " ") + "]"
			}
			if len(attrs) == 0 {
				lines = append(lines, head)
			}
			for k, av := range attrs {
				aat := fmt.Sprintf("%s.attributes[%d]", cat, k)
				a := c.object(av, aat)
				n, _ := c.str(a, aat, "name", true)
				sensitive := c.boolean(a, aat, "sensitive")
				unknown := c.boolean(a, aat, "before_unknown")
				before, hasBefore := c.str(a, aat, "before", false)
				after, hasAfter := c.str(a, aat, "after", false)
				switch {
				case sensitive && (hasBefore || hasAfter):
					c.failf(aat, "a sensitive attribute shows a value")
				case !sensitive && action != "delete" && !hasAfter:
					c.failf(aat, "missing \"after\"")
				case action == "delete" && hasAfter:
					c.failf(aat, "a deleted row has \"after\"")
				case (action == "create" || unknown) && hasBefore:
					c.failf(aat, "\"before\" present for an added row or an unknown before-value")
				case action == "update" && !sensitive && !unknown && !hasBefore:
					c.failf(aat, "missing \"before\"")
				}
				if sensitive {
					before, after = "(sensitive)", "(sensitive)"
				}
				item := fmt.Sprintf("%s %s: %s -> %s", head, n, before, after)
				switch action {
				case "create":
					item = fmt.Sprintf("%s %s: %s", head, n, after)
				case "delete":
					item = fmt.Sprintf("%s %s: %s (deleted)", head, n, before)
				}
				if r, ok := c.str(a, aat, "restart", false); ok {
					item += " (restart " + r + ")"
				}
				lines = append(lines, item)
			}
		}
		for j, rv := range restarts {
			rat := fmt.Sprintf("%s.restarts[%d]", at, j)
			r := c.object(rv, rat)
			app, _ := c.str(r, rat, "app", true)
			var reasons []string
			for k, s := range c.array(r, rat, "reasons") {
				if str, ok := s.(string); ok {
					reasons = append(reasons, str)
				} else {
					c.failf(fmt.Sprintf("%s.reasons[%d]", rat, k), "is %T, want string", s)
				}
			}
			want["restarts"]++
			item := fmt.Sprintf("%s restart %s (%s)", name, app, strings.Join(reasons, "; "))
			since, hasSince := c.str(r, rat, "pending_since", false)
			if c.boolean(r, rat, "pending") {
				want["pending_restarts"]++
				if !hasSince || since == "" {
					c.failf(rat, "pending without pending_since")
				}
				item += " pending since " + since
			} else if hasSince {
				c.failf(rat, "pending_since on a restart that is not pending")
			}
			lines = append(lines, item)
		}
		for j, kv := range checks {
			kat := fmt.Sprintf("%s.checks[%d]", at, j)
			k := c.object(kv, kat)
			res, _ := c.str(k, kat, "resource", true)
			msg, hasMsg := c.str(k, kat, "message", false)
			if c.boolean(k, kat, "passed") {
				if hasMsg {
					c.failf(kat, "a passed check has a message")
				}
				want["checks_passed"]++
				lines = append(lines, name+" "+res+" passed")
				continue
			}
			want["checks_failed"]++
			if !hasMsg {
				c.failf(kat, "a failed check has no message")
			}
			lines = append(lines, name+" "+res+" failed: "+msg)
		}
	}

	summary := c.object(doc["summary"], "$.summary")
	var got []string
	for _, k := range []string{"hosts", "hosts_to_change", "hosts_in_desired_state", "hosts_failed", "hosts_left_alone",
		"attributes", "rows", "restarts", "pending_restarts", "checks_passed", "checks_failed"} {
		n, ok := summary[k].(float64)
		if !ok {
			c.failf("$.summary."+k, "is %T, want a number", summary[k])
			continue
		}
		if int(n) != want[k] {
			c.failf("$.summary."+k, "is %v, but the hosts give %d", n, want[k])
		}
		got = append(got, fmt.Sprintf("%s=%d", k, int(n)))
	}
	present := c.boolean(summary, "$.summary", "changes_present")
	if wantPresent := want["attributes"]+want["rows"]+want["restarts"] > 0; present != wantPresent {
		c.failf("$.summary.changes_present", "is %v, but the hosts give %v", present, wantPresent)
	}
	lines = append(lines, "summary "+strings.Join(got, " ")+fmt.Sprintf(" changes_present=%v", present))
	return lines, c.errs
}

// TestHelpForEveryCommand: every registered command, including ones added
// later, has a usage text that `bwstate help NAME` prints.
func TestHelpForEveryCommand(t *testing.T) {
	for _, name := range commandNames() {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr lockedBuffer
			e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, ctx: t.Context()}
			if code := run(e, []string{"help", name}); code != exitOK {
				t.Fatalf("wrong exit code\ngot: %d\nwant: 0\nstderr: %s", code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "Usage: bwstate") || stdout.String() != commands[name].usage {
				t.Errorf("wrong result\ngot: %q\nwant: the command's usage, starting with \"Usage: bwstate\"", stdout.String())
			}
		})
	}
}

// TestCheckPlanJSONCatchesViolations: the shape check behind `jsonplan`
// fails on the departures it exists to catch, so a script passing it
// means something.
func TestCheckPlanJSONCatchesViolations(t *testing.T) {
	valid := `{
  "format_version": "1.1", "config_hash": "ab", "created_at": "2026-11-27T10:20:00Z", "mode": "normal",
  "hosts": [
    {"name": "xsp1", "address": "10.1.0.11", "type": "xsp", "release": "Rel_22.0_1.1123",
     "changes": [{"action": "update", "resource": "context.c", "path": "A/B", "key": [],
       "attributes": [{"name": "enabled", "before": "true", "after": "false", "sensitive": false,
         "before_unknown": false, "restart": "OpenClientServer"}]}],
     "restarts": [{"app": "OpenClientServer", "reasons": ["B changed"], "pending": false}],
     "checks": [], "warnings": []},
    {"name": "xsp4", "address": "10.1.0.14", "type": "xsp", "error": "unreachable: refused",
     "changes": [], "restarts": [], "checks": [], "warnings": []}
  ],
  "warnings": [], "left_alone": ["as1"], "targets": [], "excludes": [],
  "summary": {"hosts": 2, "hosts_to_change": 1, "hosts_in_desired_state": 0, "hosts_failed": 1,
    "hosts_left_alone": 1, "attributes": 1, "rows": 0, "restarts": 1, "pending_restarts": 0,
    "checks_passed": 0, "checks_failed": 0, "changes_present": true, "partial": false}
}`
	lines, errs := checkPlanJSON([]byte(valid))
	if len(errs) > 0 {
		t.Fatalf("a valid plan was refused: %v", errs)
	}
	wantLines := []string{
		"mode normal, 2 hosts",
		"as1 left alone",
		"xsp1 update context.c A/B enabled: true -> false (restart OpenClientServer)",
		"xsp1 restart OpenClientServer (B changed)",
		"xsp4 error unreachable: refused",
		"summary hosts=2 hosts_to_change=1 hosts_in_desired_state=0 hosts_failed=1 hosts_left_alone=1 attributes=1 rows=0 restarts=1 pending_restarts=0 checks_passed=0 checks_failed=0 changes_present=true",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("wrong result\ngot: %q\nwant: %q", lines, wantLines)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"version", `"format_version": "1.1"`, `"format_version": "2"`, "$.format_version"},
		{"mode", `"mode": "normal"`, `"mode": "apply"`, "$.mode"},
		{"time", `"2026-11-27T10:20:00Z"`, `"yesterday"`, "$.created_at"},
		{"null array", `"checks": [], "warnings": []},`, `"checks": null, "warnings": []},`, "$.hosts[0].checks"},
		{"sensitive", `"sensitive": false,
         "before_unknown"`, `"sensitive": true,
         "before_unknown"`, "a sensitive attribute shows a value"},
		{"summary", `"attributes": 1,`, `"attributes": 2,`, "$.summary.attributes"},
		{"changes_present", `"changes_present": true`, `"changes_present": false`, "$.summary.changes_present"},
		{"failed host release", `"error": "unreachable: refused"`, `"error": "x", "release": "Rel_22.0_1"`, "a failed host has a release"},
		{"pending", `"pending": false`, `"pending": true`, "pending without pending_since"},
		{"missing before", `"before": "true", `, ``, `missing "before"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(valid, tc.old, tc.new, 1)
			if doc == valid {
				t.Fatalf("test case does not change the document")
			}
			_, errs := checkPlanJSON([]byte(doc))
			if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
				t.Errorf("wrong result\ngot: %q\nwant: an error containing %q", errs, tc.want)
			}
		})
	}
}

// Commands of the fault and secrets scripts (fault_*.txtar,
// secrets_*.txtar; docs/reliability.md lists what each one proves):
//
//	track NAME                 remember the background command started last as NAME
//	exitcode NAME CODE         after `wait NAME`: require its exact exit code (-1: killed)
//	tear FILE                  append half of FILE's last line, without newline:
//	                           a record torn by a process killed while writing it
//	intgroup NAME              send SIGINT to the process group the tracked command NAME
//	                           leads, as a terminal's Ctrl-C does to a whole pipeline
//	                           (start it with `exec setsid bash -c '...' &NAME&`)
//	nosecret [-allow RE] VARS PATH...
//	                           fail if a value of the comma-separated environment
//	                           variables VARS occurs in a file under PATH (lines
//	                           matching RE are skipped); prints the files read

// cmdTrack names the last background command: testscript's own `wait`
// checks only success or failure, and bwstate's exit codes 1 and 3 differ.
func cmdTrack(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: track NAME (right after exec ... &NAME&)")
	}
	cmds := ts.BackgroundCmds()
	if len(cmds) == 0 {
		ts.Fatalf("track: no background command is running")
	}
	s := state(ts)
	s.mu.Lock()
	if s.bg == nil {
		s.bg = map[string]*exec.Cmd{}
	}
	s.bg[args[0]] = cmds[len(cmds)-1]
	s.mu.Unlock()
}

// cmdExitCode checks a tracked command's exit code. testscript's `wait`
// has returned only after the process was reaped, so reading its state
// here races with nothing.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: exitcode NAME CODE (after wait NAME)")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	s := state(ts)
	s.mu.Lock()
	cmd := s.bg[args[0]]
	s.mu.Unlock()
	if cmd == nil {
		ts.Fatalf("exitcode: no command tracked as %q", args[0])
	}
	if cmd.ProcessState == nil {
		ts.Fatalf("exitcode: %s has not been waited for: run `wait %s` first", args[0], args[0])
	}
	if got := cmd.ProcessState.ExitCode(); got != want {
		ts.Fatalf("wrong exit code\ngot: %d (%v)\nwant: %d", got, cmd.ProcessState, want)
	}
}

// cmdIntGroup interrupts a whole pipeline at once: the tracked command
// must lead its own process group (setsid), and every process in it gets
// SIGINT, the way a terminal delivers Ctrl-C to its foreground job.
func cmdIntGroup(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: intgroup NAME (a command tracked with track NAME)")
	}
	s := state(ts)
	s.mu.Lock()
	cmd := s.bg[args[0]]
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		ts.Fatalf("intgroup: no command tracked as %q", args[0])
	}
	ts.Check(interruptGroup(cmd.Process.Pid))
}

// cmdTear appends the first half of a file's last line without a newline:
// what a process killed in the middle of writing a record leaves. Killing
// the real binary at exactly that instant cannot be arranged, so the
// scripts kill it and then tear the file.
func cmdTear(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: tear FILE")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	body := strings.TrimSuffix(string(b), "\n")
	if !strings.HasSuffix(string(b), "\n") || body == "" {
		ts.Fatalf("tear: %s does not end with a complete line", args[0])
	}
	last := body[strings.LastIndexByte(body, '\n')+1:]
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	ts.Check(err)
	_, err = f.WriteString(last[:len(last)/2])
	ts.Check(errors.Join(err, f.Close()))
}

// cmdNoSecret fails when any of the secret values occurs in the files
// under the given paths, naming the file, line and variable (never the
// value). It prints every file it read, so a script can require that the
// artefacts it means to check were there.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! nosecret")
	}
	var allow *regexp.Regexp
	if len(args) > 1 && args[0] == "-allow" {
		allow = compile(ts, args[1])
		args = args[2:]
	}
	if len(args) < 2 {
		ts.Fatalf("usage: nosecret [-allow REGEXP] VAR[,VAR...] PATH...")
	}
	secrets := map[string]string{}
	for _, name := range strings.Split(args[0], ",") {
		v := ts.Getenv(name)
		if len(v) < 6 {
			ts.Fatalf("nosecret: $%s is %d bytes; a secret to search for needs at least 6", name, len(v))
		}
		secrets[name] = v
	}
	var paths []string
	for _, p := range args[1:] {
		paths = append(paths, ts.MkAbs(p))
	}
	files, leaks, err := findSecrets(paths, secrets, allow)
	ts.Check(err)
	for _, f := range files {
		rel, err := filepath.Rel(ts.Getenv("WORK"), f)
		if err != nil {
			rel = f
		}
		fmt.Fprintln(ts.Stdout(), filepath.ToSlash(rel))
	}
	if len(leaks) > 0 {
		ts.Fatalf("secret values found:\n%s", strings.Join(leaks, "\n"))
	}
}

// findSecrets reads every regular file under paths and reports each line
// holding a secret value as "FILE:LINE: $NAME". Lines matching allow are
// not reported.
func findSecrets(paths []string, secrets map[string]string, allow *regexp.Regexp) (files, leaks []string, err error) {
	names := sortedKeys(secrets)
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files = append(files, p)
			for i, line := range strings.Split(string(b), "\n") {
				if allow != nil && allow.MatchString(line) {
					continue
				}
				for _, n := range names {
					if strings.Contains(line, secrets[n]) {
						leaks = append(leaks, fmt.Sprintf("%s:%d: $%s", p, i+1, n))
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("nosecret: %w", err)
		}
	}
	return files, leaks, nil
}

// gate is a TCP forwarder in front of a simulated host. While it is down
// nothing listens on its address, so connecting fails with "connection
// refused", as for a server whose sshd is stopped: the simulator cannot
// show that (its refuse knob accepts and then closes).
type gate struct {
	addr, target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func (g *gate) up() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", g.addr)
	if err != nil {
		return err
	}
	g.ln = ln
	g.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			g.wg.Go(func() { g.forward(c) })
		}
	})
	return nil
}

// down stops listening and cuts the connections it forwards.
func (g *gate) down() {
	g.mu.Lock()
	if g.ln != nil {
		g.ln.Close()
		g.ln = nil
	}
	for c := range g.conns {
		c.Close()
	}
	g.mu.Unlock()
	g.wg.Wait()
}

func (g *gate) forward(c net.Conn) {
	t, err := net.Dial("tcp", g.target)
	if err != nil {
		c.Close()
		return
	}
	g.mu.Lock()
	if g.ln == nil { // went down meanwhile
		g.mu.Unlock()
		c.Close()
		t.Close()
		return
	}
	if g.conns == nil {
		g.conns = map[net.Conn]struct{}{}
	}
	g.conns[c], g.conns[t] = struct{}{}, struct{}{}
	g.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = io.Copy(t, c)
		t.Close()
		c.Close()
	})
	_, _ = io.Copy(c, t)
	c.Close()
	t.Close()
	wg.Wait()
	g.mu.Lock()
	delete(g.conns, c)
	delete(g.conns, t)
	g.mu.Unlock()
}

// labGate serves `lab gate HOST PORT|down|up`: PORT puts a gate on the
// script's IP in front of HOST and enrols HOST's key for the gate's
// address in the lab's known_hosts; down and up stop and restart it.
func (s *scriptState) labGate(ts *testscript.TestScript, host, arg string) {
	h := s.host(ts, host)
	s.mu.Lock()
	g := s.gates[host]
	s.mu.Unlock()
	switch arg {
	case "down", "up":
		if g == nil {
			ts.Fatalf("lab gate: no gate in front of %s", host)
		}
		if arg == "down" {
			g.down()
		} else {
			ts.Check(g.up())
		}
		return
	}
	if g != nil {
		ts.Fatalf("lab gate: %s has a gate already", host)
	}
	if _, err := strconv.Atoi(arg); err != nil {
		ts.Fatalf("lab gate: want a port, down or up, got %q", arg)
	}
	g = &gate{addr: net.JoinHostPort(s.ip, arg), target: h.Addr()}
	ts.Check(g.up())
	s.mu.Lock()
	if s.gates == nil {
		s.gates = map[string]*gate{}
	}
	s.gates[host] = g
	s.mu.Unlock()

	path := s.running(ts).KnownHostsPath()
	b, err := os.ReadFile(path)
	ts.Check(err)
	hostIP, hostPort, err := net.SplitHostPort(h.Addr())
	ts.Check(err)
	prefix := "[" + hostIP + "]:" + hostPort + " "
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			ts.Check(err)
			_, err = fmt.Fprintf(f, "[%s]:%s %s\n", s.ip, arg, rest)
			ts.Check(errors.Join(err, f.Close()))
			return
		}
	}
	ts.Fatalf("lab gate: %s has no line for %s", path, h.Addr())
}

// labEncryptedKey serves `lab key FILE PASSPHRASE`: a copy of the lab's
// client key encrypted with PASSPHRASE, so a script can make bwstate ask
// for a passphrase.
func (s *scriptState) labEncryptedKey(ts *testscript.TestScript, file, passphrase string) {
	b, err := os.ReadFile(s.running(ts).ClientKeyPath())
	ts.Check(err)
	key, err := ssh.ParseRawPrivateKey(b)
	ts.Check(err)
	if p, ok := key.(*ed25519.PrivateKey); ok {
		key = *p
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(key, "lab key, encrypted", []byte(passphrase))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(file), pem.EncodeToMemory(block), 0o600))
}
