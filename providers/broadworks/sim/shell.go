package sim

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// session is one shell (or exec) on a host: the terminal it runs on and the
// connection it belongs to.
type session struct {
	cs   *connState
	host *Host
	t    *terminal
	rng  *rand.Rand
	// status is the exit status of the last shell command ($?).
	status int
	// history lists the shell lines typed, for `history`.
	history []string
}

func newSession(cs *connState, t *terminal) *session {
	// The garbage fault's bytes are reproducible per host, so a failing test
	// sees the same bytes again.
	hs := fnv.New64a()
	_, _ = hs.Write([]byte(cs.host.cfg.Name))
	return &session{cs: cs, host: cs.host, t: t, rng: rand.New(rand.NewPCG(hs.Sum64(), 0x5eed))}
}

func (s *session) ctx() context.Context { return s.cs.ctx }

// received records a command that arrived on a line of its own and applies
// the per-command faults: the connection is dropped instead when it has
// already served DropAfter commands, and the latency is waited before the
// reply. It reports false when the session must end.
func (s *session) received(kind, line string) bool {
	return s.receivedAs(kind, line, false) && s.wait(s.host.Faults().Latency)
}

// receivedQueued records a command that came on the same line as the one
// before it (a `;` item, or the answer to a confirmation given that way):
// the drop fault counts it, but its line already paid the latency, which
// is one round trip whatever the line holds.
func (s *session) receivedQueued(kind, line string) bool {
	return s.receivedAs(kind, line, true)
}

// receivedAs records a command and applies the drop fault.
func (s *session) receivedAs(kind, line string, queued bool) bool {
	f := s.host.Faults()
	s.cs.mu.Lock()
	drop := f.DropAfter > 0 && s.cs.commands >= f.DropAfter
	if !drop {
		s.cs.commands++
	}
	s.cs.mu.Unlock()
	if drop {
		_ = s.t.flush()
		s.cs.drop()
		return false
	}
	s.host.fleet.record(s.host.cfg.Name, kind, line, queued)
	return s.ctx().Err() == nil
}

// receivedItem records item i of a line: the first waits the latency.
func (s *session) receivedItem(kind, item string, i int) bool {
	if i == 0 {
		return s.received(kind, item)
	}
	return s.receivedQueued(kind, item)
}

// wait sleeps for d unless the connection ends first.
func (s *session) wait(d time.Duration) bool {
	if d <= 0 {
		return s.ctx().Err() == nil
	}
	_ = s.t.flush()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx().Done():
		return false
	}
}

// garbage returns a line of random bytes when the garbage fault is on. The
// line never contains CR or LF, so the prompt after it still starts a line.
func (s *session) garbage() string {
	if !s.host.Faults().Garbage {
		return ""
	}
	b := make([]byte, 8+s.rng.IntN(24))
	for i := range b {
		for {
			c := byte(s.rng.UintN(256))
			if c != '\r' && c != '\n' {
				b[i] = c
				break
			}
		}
	}
	return string(b) + "\n"
}

// shellPrompt is the host's shell prompt (DefaultShellPrompt unless the
// lab sets shell_prompt), with {host} and {time} filled in.
func (s *session) shellPrompt() string {
	p := s.host.cfg.ShellPrompt
	if p == "" {
		p = DefaultShellPrompt
	}
	return strings.NewReplacer("{host}", s.host.hostname(), "{time}", s.host.now().Format("15:04:05")).Replace(p)
}

// run serves the session: the login shell, or one exec command line, of
// a simulated or a replay host. It returns the exit status.
func (s *session) run(exec bool, cmd string) int {
	defer func() { _ = s.t.flush() }()
	switch {
	case s.host.replay != nil && exec:
		return s.runReplayExec(s.host.replay, cmd)
	case s.host.replay != nil:
		return s.runReplay(s.host.replay)
	case exec:
		return s.runExec(cmd)
	}
	return s.runShell()
}

// runShell runs the interactive login shell and returns its exit status.
// Without a PTY it prints no prompt, like bash reading commands from a pipe.
func (s *session) runShell() int {
	prompt := func() string { return "" }
	if s.t.pty {
		s.t.write(s.motd())
		prompt = s.shellPrompt
	}
	for {
		line, err := s.t.readLine(prompt(), readCommand)
		if errors.Is(err, errInterrupt) {
			s.status = 130
			continue
		}
		if err != nil {
			if s.t.pty && errors.Is(err, io.EOF) {
				s.t.write("logout\n")
			}
			return s.status
		}
		if strings.TrimSpace(line) != "" {
			s.history = append(s.history, strings.TrimSpace(line))
		}
		for i, cmd := range splitCommands(line) {
			if !s.receivedItem("shell", cmd, i) {
				return s.status
			}
			exit := s.shellCommand(cmd)
			if s.ctx().Err() != nil {
				// The connection was dropped (a fault) or the lab closed.
				return s.status
			}
			if exit {
				if s.t.pty {
					s.t.write("logout\n")
				}
				return s.status
			}
		}
	}
}

// runExec runs one command line (an SSH exec request).
func (s *session) runExec(line string) int {
	for i, cmd := range splitCommands(line) {
		if !s.receivedItem("shell", cmd, i) {
			return 255
		}
		if s.shellCommand(cmd) {
			break
		}
	}
	return s.status
}

func (s *session) motd() string {
	switch m := s.host.cfg.Motd; m {
	case "":
		return fmt.Sprintf("Last login: %s from %s\n", s.host.now().Format("Mon Jan _2 15:04:05 2006"), s.cs.clientIP)
	case "none":
		return ""
	default:
		return strings.TrimSuffix(m, "\n") + "\n"
	}
}

// appCommand runs restartbw, startbw or stopbw. They return at once; a
// started application stays Starting for the host's restart delay.
func (s *session) appCommand(cmd string, args []string) (string, int) {
	h := s.host
	if len(args) > 1 {
		return fmt.Sprintf("Usage: %s [Application]\n", cmd), 1
	}
	arg := ""
	if len(args) == 1 {
		arg = args[0]
	}
	apps, ok := h.appsNamed(arg)
	if !ok {
		return fmt.Sprintf("%s: unknown application %s (this server runs %s)\n", cmd, arg, strings.Join(h.apps, ", ")), 1
	}
	var b strings.Builder
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.state()
	switch cmd {
	case "restartbw":
		for _, a := range apps {
			fmt.Fprintf(&b, "Stopping %s...\n", a)
		}
		for _, a := range apps {
			fmt.Fprintf(&b, "Starting %s...\n", a)
			h.startApp(st.apps[strings.ToLower(a)], true)
		}
	case "stopbw":
		for _, a := range apps {
			as := st.apps[strings.ToLower(a)]
			if as.state == AppStopped {
				fmt.Fprintf(&b, "%s is already stopped.\n", a)
				continue
			}
			fmt.Fprintf(&b, "Stopping %s...\n", a)
			h.stopApp(as)
		}
	case "startbw":
		for _, a := range apps {
			as := st.apps[strings.ToLower(a)]
			if as.state != AppStopped {
				fmt.Fprintf(&b, "%s is already running.\n", a)
				continue
			}
			fmt.Fprintf(&b, "Starting %s...\n", a)
			h.startApp(as, false)
		}
	}
	return b.String(), 0
}

func (s *session) showrun() string {
	states := s.host.appStates()
	if s.host.cfg.Showrun == ShowrunUnparseable {
		return showrunProcesses(states)
	}
	w := len("Application")
	for _, a := range states {
		w = max(w, len(a[0]))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %s\n", w, "Application", "State")
	b.WriteString(strings.Repeat("-", w+2+len("Starting")) + "\n")
	for _, a := range states {
		fmt.Fprintf(&b, "%-*s  %s\n", w, a[0], a[1])
	}
	return b.String()
}

// showrunProcesses is the `showrun = "unparseable"` variant: a process
// monitor listing with process ids and no application states, a format no
// client can read states from [G].
func showrunProcesses(states [][2]string) string {
	var b strings.Builder
	b.WriteString("BroadWorks process monitor\n")
	b.WriteString("==========================\n")
	for i, a := range states {
		mark := "[ up ]"
		switch a[1] {
		case AppStarting:
			mark = "[init]"
		case AppStopped:
			mark = "[down]"
		}
		if a[1] == AppStopped {
			fmt.Fprintf(&b, "%s %s\n", mark, a[0])
			continue
		}
		fmt.Fprintf(&b, "%s %s (pid %d)\n", mark, a[0], 4101+i)
	}
	return b.String()
}

// contextPaths are the web context paths release-independent builds print
// after an application's version in bwshowver: OCIOverSoap's is in Cisco
// tech note 220570 [C], the Xsi ones are the paths their URLs use [I],
// AuthenticationService's is a guess [G].
var contextPaths = map[string]string{
	"OCIOverSoap":           "/webservice",
	"Xsi-Actions":           "/com.broadsoft.xsi-actions",
	"Xsi-Events":            "/com.broadsoft.xsi-events",
	"AuthenticationService": "/authService",
}

func (s *session) bwshowver() string {
	h := s.host
	var b strings.Builder
	fmt.Fprintf(&b, "%s version %s\n\n", h.info.label, h.cfg.Release)
	b.WriteString("Built  Sat Jun  6 00:26:50 EDT 2020\n")
	if h.release >= 2000 {
		// Release-independent builds list each application's version.
		ver := strings.TrimPrefix(h.cfg.Release, "Rel_")
		b.WriteString("\nApplications Info:\n")
		for _, a := range h.apps {
			fmt.Fprintf(&b, "- %s version %s", a, ver)
			if p, ok := contextPaths[a]; ok {
				fmt.Fprintf(&b, " context path %s", p)
			}
			b.WriteByte('\n')
		}
	} else {
		b.WriteString("- BASE revision 909962\n")
		fmt.Fprintf(&b, "- %s revision 909962\n", h.info.label)
	}
	fmt.Fprintf(&b, "\nPatching Info:\n  Active Patches: %d\n", len(h.cfg.Patches))
	if h.cfg.BwshowverPatches != PatchesCount {
		for _, p := range h.cfg.Patches {
			fmt.Fprintf(&b, "    %s\n", p)
		}
	}
	return b.String()
}

func (s *session) healthmon() string {
	h := s.host
	var abnormal []string
	for _, a := range h.appStates() {
		if a[1] != AppRunning {
			abnormal = append(abnormal, fmt.Sprintf("   - Application %s is not running (state: %s)\n", a[0], a[1]))
		}
	}
	severity := "NOTIFICATION"
	if len(abnormal) > 0 {
		severity = "MAJOR"
	}
	sep := "--------------------------------\n"
	var b strings.Builder
	b.WriteString(sep)
	b.WriteString("System Health Report Page\n")
	fmt.Fprintf(&b, "   BroadWorks Server Name: %s\n", h.hostname())
	fmt.Fprintf(&b, "   Date and time         : %s\n", h.now().Format("Mon Jan _2 15:04:05 MST 2006"))
	fmt.Fprintf(&b, "   Report severity       : %s\n", severity)
	fmt.Fprintf(&b, "   Server type           : %s\n", h.info.serverType)
	b.WriteString("   Server state          : Unlock\n")
	b.WriteString(sep + "\n")
	if len(abnormal) == 0 {
		b.WriteString("No abnormal condition detected.\n")
	} else {
		b.WriteString("Abnormal conditions detected:\n")
		for _, l := range abnormal {
			b.WriteString(l)
		}
	}
	b.WriteString("\n" + sep)
	return b.String()
}
