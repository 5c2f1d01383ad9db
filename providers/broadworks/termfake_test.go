package broadworks

import (
	"bufio"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/bwcli"
)

// termFake is an in-memory BroadWorks login for the injection tests: PTY
// echo with CR LF line ends, a shell that knows bwcli, showrun, restartbw
// and healthmon, and a CLI that follows cd, answers get with one attribute,
// prompts for the password of a prompted attribute and answers every other
// write with ...Done. It shares no code with the simulator or the driver's
// patterns: its texts are those docs/bwcli.md lists. It records every line the session
// writes, byte for byte, so a test can assert on exactly what was sent.
type termFake struct {
	in  *bufio.Reader
	inR *io.PipeReader
	out *io.PipeWriter

	// prompted names attributes whose set prompts `New Password: `.
	prompted map[string]bool
	// reply, when not nil, may replace the fake's answer to a command
	// (not to exit, nor to a prompted set): it returns everything to print
	// after the echo, prompt included, and true; or false to answer
	// normally. Output ending in a confirmation or password prompt makes
	// the fake read one more line (the answer) and then print req.prompt.
	reply func(req fakeRequest) ([]byte, bool)

	done chan struct{}

	mu    sync.Mutex
	lines []string
	// marks counts the empty lines read at login, before any command: the
	// session sends one to make the prompt show itself. They are not in
	// lines, so a test sees exactly the commands.
	marks int
}

// exitLine is how the driver leaves bwcli, the answer to the confirmation
// queued after a `;`: the only line it sends that holds a `;`, and a fixed
// one.
const exitLine = "exit;y"

const (
	fakeShellPrompt = "bwadmin@xsp1$ "
	fakeRoot        = "XSP_CLI"
	fakeBanner      = "======================================================================\n" +
		"BroadWorks Command Line Interface\n" +
		"======================================================================\n\n"
	fakeConfirm  = "Please confirm (Yes, Y, No, N): "
	fakePassword = "New Password: "
	fakeHealthOK = "System Health Report Page\n" +
		"BroadWorks Server Name: xsp1\n" +
		"Date and Time         : Thu Nov 27 10:15:00 2026\n" +
		"Report severity       : NOTIFICATION\n" +
		"Server type           : XtendedServicesPlatform\n" +
		"Server state          : Unlocked\n" +
		"---------------------------------------------------\n" +
		"No abnormal condition detected.\n"
	fakeShowrun = "Application         State\n" +
		"-------------------------\n" +
		"WebContainer        Running\n" +
		"OpenClientServer    Running\n"
	fakeVersion = "XSP version Rel_22.0_1.1123\n" +
		"Built  Sat Jun  6 00:26:50 EDT 2020\n" +
		"Patching Info:\n" +
		"  Active Patches: 0\n"
)

// startTermFake starts a fake and a provider session talking to it over
// two pipes, logged in at the shell prompt. Cleanup closes the session
// and waits for the fake and the session's goroutines.
func startTermFake(t testing.TB, configure func(*termFake)) (*session, *termFake) {
	t.Helper()
	toFakeR, toFakeW := io.Pipe()
	fromFakeR, fromFakeW := io.Pipe()
	f := &termFake{
		in: bufio.NewReader(toFakeR), inR: toFakeR, out: fromFakeW,
		prompted: map[string]bool{"clientsecret": true},
		done:     make(chan struct{}),
	}
	if configure != nil {
		configure(f)
	}
	// The provider is only consulted for the catalogue (row argument
	// order); it never dials.
	p := New(Options{Getenv: func(string) string { return "" }, SSHConfigPath: "none"})
	h := &engine.Host{Name: "xsp1", Address: "10.1.0.11", Type: "xsp"}
	s := &session{p: p, host: h, cli: bwcli.New(fromFakeR, toFakeW, bwcli.Options{CommandTimeout: 5 * time.Second})}
	go f.serve()
	t.Cleanup(func() {
		_ = s.cli.Close()
		_ = p.Close()
		for what, ch := range map[string]<-chan struct{}{"fake terminal": f.done, "bwcli session": s.cli.Done()} {
			select {
			case <-ch:
			case <-time.After(10 * time.Second):
				t.Errorf("%s still running 10s after close", what)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cli.WaitShell(ctx); err != nil {
		t.Fatalf("wait for the fake's shell prompt: %v", err)
	}
	return s, f
}

// closeSession leaves bwcli politely, as session.Close does, and closes
// the driver (the pipe session has no SSH connection to close).
func closeSession(s *session) {
	if s.inCLI() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		_ = s.cli.ExitCLI(ctx)
		cancel()
	}
	_ = s.cli.Close()
}

// received returns every line the session wrote, without the newline; a
// final partial line (no newline) is included as it is.
func (f *termFake) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

// fakeRequest is a command the reply hook may answer.
type fakeRequest struct {
	// mode is where the command was typed: "shell" or "cli".
	mode string
	line string
	// prompt is the prompt the fake prints after its answer, after the
	// command took effect (bwcli started, cd moved).
	prompt string
}

func (f *termFake) write(s string) bool {
	return f.writeRaw([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
}

func (f *termFake) writeRaw(b []byte) bool {
	_, err := f.out.Write(b)
	return err == nil
}

// hooked answers a command with the reply hook; handled is false when the
// hook leaves it to the fake.
func (f *termFake) hooked(req fakeRequest) (handled, alive bool) {
	if f.reply == nil {
		return false, true
	}
	out, ok := f.reply(req)
	if !ok {
		return false, true
	}
	if !f.writeRaw(out) {
		return true, false
	}
	tail := string(out)
	if strings.HasSuffix(tail, fakeConfirm) || strings.HasSuffix(tail, fakePassword) {
		answer, ok := f.readLine()
		if !ok {
			return true, false
		}
		if strings.HasSuffix(tail, fakeConfirm) && !f.write(answer+"\n") {
			return true, false
		}
		if !f.write(req.prompt) {
			return true, false
		}
	}
	return true, true
}

// readLine reads one line the session wrote and records it.
func (f *termFake) readLine() (string, bool) {
	line, err := f.in.ReadString('\n')
	if line != "" {
		f.mu.Lock()
		f.lines = append(f.lines, strings.TrimSuffix(line, "\n"))
		f.mu.Unlock()
	}
	if err != nil {
		return "", false
	}
	return strings.TrimSuffix(line, "\n"), true
}

func (f *termFake) serve() {
	defer close(f.done)
	defer f.out.Close()
	// Once the fake stops, drain what the session still writes so that
	// its writer never blocks, and record it: a line sent to a dead
	// terminal was still sent.
	defer func() {
		for {
			if _, ok := f.readLine(); !ok {
				return
			}
		}
	}()
	if !f.write("Last login: Thu Nov 27 10:15:00 2026 from 10.0.0.1\n" + fakeShellPrompt) {
		return
	}
	mode, path := "shell", ""
	atLogin := true
	cliPrompt := func() string {
		if path == "" {
			return fakeRoot + "> "
		}
		return fakeRoot + "/" + path + "> "
	}
	for {
		line, ok := f.readLine()
		if !ok {
			return
		}
		if atLogin && line == "" {
			f.mu.Lock()
			f.lines = f.lines[:len(f.lines)-1]
			f.marks++
			f.mu.Unlock()
			if !f.write("\n" + fakeShellPrompt) {
				return
			}
			continue
		}
		atLogin = false
		if !f.write(line + "\n") { // the PTY's echo
			return
		}
		// `exit;y`: bwcli takes the confirmation's answer from the next
		// `;` item of the line.
		queued := ""
		if first, rest, ok := strings.Cut(line, ";"); ok && mode == "cli" && strings.EqualFold(strings.TrimSpace(first), "exit") {
			line, queued = strings.TrimSpace(first), strings.TrimSpace(rest)
		}
		words := strings.Fields(line)
		verb := ""
		if len(words) > 0 {
			verb = strings.ToLower(words[0])
		}
		typedIn := mode
		// Navigation takes effect first, so that a hooked answer is
		// followed by the prompt the command leads to.
		switch {
		case mode == "shell" && line == "bwcli":
			mode, path = "cli", ""
		case mode == "cli" && verb == "cd" && len(words) == 2:
			path = strings.Trim(words[1], "/")
		}
		prompt := fakeShellPrompt
		if mode == "cli" {
			prompt = cliPrompt()
		}
		interactive := verb == "exit" || (verb == "set" && len(words) == 2 && f.prompted[strings.ToLower(words[1])])
		if !interactive {
			handled, alive := f.hooked(fakeRequest{mode: typedIn, line: line, prompt: prompt})
			if !alive {
				return
			}
			if handled {
				continue
			}
		}
		var text string
		switch typedIn {
		case "shell":
			switch {
			case line == "bwcli":
				text = fakeBanner
			case line == "bwshowver":
				text = fakeVersion
			case line == "showrun":
				text = fakeShowrun
			case line == "healthmon -l":
				text = fakeHealthOK
			case verb == "restartbw" && len(words) == 2:
				text = "Stopping " + words[1] + "...\nStarting " + words[1] + "...\n"
			case verb == "":
			default:
				text = "-bash: " + verb + ": command not found\n"
			}
		case "cli":
			switch {
			case verb == "cd" && len(words) == 2:
			case verb == "get":
				text = "  systemDomain = example.net\n"
			case verb == "list":
				text = "Identifier  Timestamp  Alarm Name  Severity  Correlation Parameter\n" +
					"==================================================================\n\n0 entries found.\n"
			case verb == "exit":
				if !f.write(fakeConfirm) {
					return
				}
				answer := queued
				if answer == "" {
					if answer, ok = f.readLine(); !ok {
						return
					}
				}
				if !f.write(answer + "\n") {
					return
				}
				if strings.EqualFold(answer, "y") {
					mode, path = "shell", ""
					text, prompt = "This session is now ending...\n", fakeShellPrompt
				}
			case verb == "set" && len(words) == 2 && f.prompted[strings.ToLower(words[1])]:
				// A password is read without echo.
				if !f.write(fakePassword) {
					return
				}
				if _, ok := f.readLine(); !ok {
					return
				}
				text = "\n...Done\n"
			case verb == "set" || verb == "add" || verb == "delete" || verb == "clear":
				text = "...Done\n"
			case verb == "":
			default:
				text = "Invalid command\n"
			}
		}
		if !f.write(text + prompt) {
			return
		}
	}
}
