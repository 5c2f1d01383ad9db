package bwcli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/internal/leaktest"
)

// syncBuffer is a transcript sink safe to read while the session writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestWaitShellLearnsPrompt(t *testing.T) {
	tests := map[string]struct {
		greeting string
		prompt   string
	}{
		"simulator": {greeting: motd + shellPrompt, prompt: shellPrompt},
		"motd with dollar signs and no trailing text": {
			greeting: "Welcome$ \nPrices: 5$ each\n#1 rule: be careful\n" + "bwadmin@as1.mleus.lab$ ",
			prompt:   "bwadmin@as1.mleus.lab$ ",
		},
		"bracketed prompt": {greeting: motd + "[bwadmin@xsp1 ~]$ ", prompt: "[bwadmin@xsp1 ~]$ "},
		"root prompt":      {greeting: "root@as1# ", prompt: "root@as1# "},
		"title escape":     {greeting: motd + "\x1b]0;bwadmin@xsp1:~\x07bwadmin@xsp1$ ", prompt: "bwadmin@xsp1$ "},
		"greater-than prompt of a lab XS host": {
			greeting: motd + "xsp1:bwadmin> ", prompt: "xsp1:bwadmin> ",
		},
		"bare dollar": {greeting: motd + "$ ", prompt: "$ "},
		"multi-line MOTD": {
			greeting: "##########################################\n" +
				"#  Authorised access only.               #\n" +
				"#  bwadmin@xsp1$ is monitored.           #\n" +
				"##########################################\n" +
				"\n" + motd + "bwadmin@xsp1.lab.example$ ",
			prompt: "bwadmin@xsp1.lab.example$ ",
		},
		"custom PS1 with time and exit code": {
			greeting: motd + "[10:15:59 0] bwadmin@xsp1 % ", prompt: "[10:15:59 0] bwadmin@xsp1 % ",
		},
		"bracketed paste escapes around the prompt": {
			greeting: motd + "\x1b[?2004hbwadmin@xsp1$ ", prompt: "bwadmin@xsp1$ ",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, _, _ := newFake(t, fakeOptions{greeting: tc.greeting},
				step{want: "echo hi", reply: "hi\n" + tc.prompt})
			ctx := testContext(t)
			if err := s.WaitShell(ctx); err != nil {
				t.Fatalf("WaitShell: %v", err)
			}
			if got := s.ShellPrompt(); got != tc.prompt {
				t.Errorf("wrong prompt\ngot:  %q\nwant: %q", got, tc.prompt)
			}
			out, err := s.Shell(ctx, "echo hi")
			if err != nil {
				t.Fatalf("Shell: %v", err)
			}
			if out != "hi" {
				t.Errorf("wrong output\ngot:  %q\nwant: %q", out, "hi")
			}
		})
	}
}

func TestShellPromptMatchedExactlyAfterLearning(t *testing.T) {
	// Once learned, another prompt-like line (another user's prompt in a
	// command's output) must not end the command.
	s, _, _ := shellSession(t, fakeOptions{},
		step{want: "cat notes", reply: "root@other$ ", parts: []string{"\nlast line\n" + shellPrompt}})
	out, err := s.Shell(testContext(t), "cat notes")
	if err != nil {
		t.Fatalf("Shell: %v", err)
	}
	if want := "root@other$ \nlast line"; out != want {
		t.Errorf("wrong output\ngot:  %q\nwant: %q", out, want)
	}
}

func TestStartCLI(t *testing.T) {
	tests := map[string]struct {
		reply    string
		wantRoot string
		wantErr  string
	}{
		"xsp":            {reply: banner + "XSP_CLI> ", wantRoot: "XSP_CLI"},
		"as":             {reply: banner + "AS_CLI> ", wantRoot: "AS_CLI"},
		"no banner":      {reply: "ADP_CLI> ", wantRoot: "ADP_CLI"},
		"not installed":  {reply: "-bash: bwcli: command not found\n" + shellPrompt, wantErr: "bwcli: server refused: -bash: bwcli: command not found"},
		"silent failure": {reply: shellPrompt, wantErr: "bwcli returned to the shell without output"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, _, _ := shellSession(t, fakeOptions{}, step{want: "bwcli", reply: tc.reply})
			root, err := s.StartCLI(testContext(t))
			if tc.wantErr != "" {
				var ce *CommandError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("wrong error\ngot:  %v\nwant: *CommandError containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("StartCLI: %v", err)
			}
			if root != tc.wantRoot || s.Root() != tc.wantRoot {
				t.Errorf("wrong root\ngot:  %q (Root() %q)\nwant: %q", root, s.Root(), tc.wantRoot)
			}
		})
	}
}

func TestCd(t *testing.T) {
	tests := map[string]struct {
		path      string
		sent      string
		reply     string
		want      string
		wantErr   string
		wantNav   bool
		wantNoCmd bool
	}{
		"canonical spelling from the prompt": {
			path: "applications/openclientserver/capproxy", sent: "cd /applications/openclientserver/capproxy",
			reply: capPrompt, want: capPath,
		},
		"leading slash": {path: "/" + capPath, sent: "cd /" + capPath, reply: capPrompt, want: capPath},
		"root":          {path: "/", sent: "cd /", reply: rootPrompt, want: ""},
		"invalid command": {
			path: "Applications/Nope", sent: "cd /Applications/Nope", reply: "Invalid command\n" + rootPrompt,
			wantNav: true, wantErr: "cd /Applications/Nope: Invalid command",
		},
		"prompt names another context": {
			path: "Applications/OpenClientServer/CAP", sent: "cd /Applications/OpenClientServer/CAP",
			reply: "XSP_CLI/Applications/OpenClientServer> ", wantNav: true,
			wantErr: `cd /Applications/OpenClientServer/CAP: the prompt shows "XSP_CLI/Applications/OpenClientServer>", not the requested context`,
		},
		"dot dot refused":   {path: "Applications/../System", wantErr: `unsafe path "Applications/../System"`, wantNoCmd: true},
		"semicolon refused": {path: "System;clearAll", wantErr: "contains ';'", wantNoCmd: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var steps []step
			if !tc.wantNoCmd {
				steps = append(steps, step{want: tc.sent, reply: tc.reply})
			}
			s, _, _ := newFake(t, fakeOptions{}, append([]step{stepBWCLI()}, steps...)...)
			ctx := testContext(t)
			if err := s.WaitShell(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := s.StartCLI(ctx); err != nil {
				t.Fatal(err)
			}
			before := s.Commands()
			got, err := s.Cd(ctx, tc.path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("wrong error\ngot:  %v\nwant: containing %q", err, tc.wantErr)
				}
				var ne *NavigationError
				if tc.wantNav != errors.As(err, &ne) {
					t.Errorf("wrong error type: %T", err)
				}
				if tc.wantNoCmd && s.Commands() != before {
					t.Errorf("a refused path was sent: %d commands", s.Commands()-before)
				}
				return
			}
			if err != nil {
				t.Fatalf("Cd: %v", err)
			}
			if got != tc.want || s.Path() != tc.want {
				t.Errorf("wrong path\ngot:  %q (Path() %q)\nwant: %q", got, s.Path(), tc.want)
			}
		})
	}
}

func TestGetAttributes(t *testing.T) {
	const plain = "  enabled = true\n  serverPort = 2206\n  numConnections = 1\n" + capPrompt
	want := []Attr{{Name: "enabled", Value: "true"}, {Name: "serverPort", Value: "2206"}, {Name: "numConnections", Value: "1"}}
	tests := map[string]struct {
		st   step
		want []Attr
	}{
		"plain":          {st: step{want: "get", reply: plain}, want: want},
		"byte by byte":   {st: step{want: "get", reply: plain, byteByByte: true}, want: want},
		"no pty echo":    {st: step{want: "get", reply: plain, echo: "\n"}, want: want},
		"echo with \\r":  {st: step{want: "get", echo: "get\r\r\n", reply: plain}, want: want},
		"redrawn prompt": {st: step{want: "get", echo: "\r" + capPrompt + "get\n", reply: plain}, want: want},
		"terminal noise around the prompt and the echo": {
			st:   step{want: "get", echo: "get\x1b[K\r\n", reply: plain[:len(plain)-len(capPrompt)] + "\x1b[?2004h" + capPrompt},
			want: want,
		},
		"control characters in values are kept": {
			// A hostile or broken server: the values reach the caller as
			// printed (views escape them), never the part a terminal shows.
			st: step{want: "get", reply: "  description = \x1b]0;pwned\x07\x1b[2J evil\n  systemDomain = a\u0085b\tc\x7f\n  detail = \x1b[31mred\x1b[0m\n" + capPrompt},
			want: []Attr{{Name: "description", Value: "\x1b]0;pwned\x07\x1b[2J evil"}, {Name: "systemDomain", Value: "a\u0085b\tc\x7f"},
				{Name: "detail", Value: "\x1b[31mred\x1b[0m"}},
		},
		"control characters at the start of a value and after the echo": {
			st:   step{want: "get", reply: "\x1b[2J\x1b[H  banner = \x08x\n" + capPrompt, echo: "get\r\n"},
			want: nil,
		},
		"empty and masked values": {
			st:   step{want: "get", reply: "  systemDomain = \n  clientSecret = ********\n" + capPrompt},
			want: []Attr{{Name: "systemDomain"}, {Name: "clientSecret", Value: "********", Masked: true}},
		},
		"iso-8859-1": {
			st:   step{want: "get", rawReply: []byte("  detail = Caf\xe9 M\xfcller\r\n" + capPrompt)},
			want: []Attr{{Name: "detail", Value: "Café Müller"}},
		},
		"prompt text inside a value": {
			// The value ends in the prompt text and the line arrives in two
			// writes: only the tail after the last newline may count.
			st:   step{want: "get", reply: "  description = see " + rootPrompt, parts: []string{"\n  enabled = true\n" + capPrompt}},
			want: []Attr{{Name: "description", Value: "see XSP_CLI>"}, {Name: "enabled", Value: "true"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, _, _ := cliSession(t, fakeOptions{}, tc.st)
			got, err := s.GetAttributes(testContext(t), GetOptions{})
			if tc.want == nil {
				// Output that does not parse as printed fails, quoting the
				// line with its control characters escaped.
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), `line 1: not a `+"`name = value`"+` line: "\x1b[2J\x1b[H  banner = \bx"`) {
					t.Fatalf("wrong error\ngot:  %v\nwant: a ParseError quoting line 1 escaped", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetAttributes: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetTable(t *testing.T) {
	const table = "  Interface IP  Port  Secure  Server Certificate  Client Auth Req\n" +
		"=================================================================\n" +
		"  10.155.6.175  8012    true                true             true\n"
	want := &Table{
		Columns: []string{"Interface IP", "Port", "Secure", "Server Certificate", "Client Auth Req"},
		Rows:    [][]string{{"10.155.6.175", "8012", "true", "true", "true"}},
	}
	const prompt = "XSP_CLI/Interface/Http/HttpServer> "
	tests := map[string]struct {
		steps     []step
		wantSends int
	}{
		"plain":         {steps: []step{{want: "get", reply: table + prompt}}, wantSends: 1},
		"entries found": {steps: []step{{want: "get", reply: table + "\n1 entries found.\n" + prompt}}, wantSends: 1},
		"large table confirmation": {
			steps: []step{
				{want: "get", reply: "About to access 22 entries. Continue?\n" + confirmQ},
				{want: "y", reply: "Retrieving data... Please wait...\n" + table + "\n1 entries found.\n" + prompt},
			},
			wantSends: 2,
		},
		"confirmation on the question's line": {
			steps: []step{
				{want: "get", reply: "About to access 22 entries. Continue? " + confirmQ},
				{want: "y", reply: table + prompt},
			},
			wantSends: 2,
		},
		"filter wording, even for two rows (220570)": {
			steps: []step{
				{want: "get", reply: "About to filter through 2 entries. Continue?\n" + confirmQ},
				{want: "y", reply: "Retrieving data... Please wait...\n" + table + prompt},
			},
			wantSends: 2,
		},
		"any count of entries then Continue": {
			steps: []step{
				{want: "get", reply: "Scanning 1500 entries. Continue?\n" + confirmQ},
				{want: "y", reply: table + prompt},
			},
			wantSends: 2,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			steps := append([]step{stepBWCLI(), stepCd("Interface/Http/HttpServer", prompt)}, tc.steps...)
			s, _, cw := newFake(t, fakeOptions{}, steps...)
			ctx := testContext(t)
			mustCLI(t, s, "Interface/Http/HttpServer")
			before, beforeWrites := s.Commands(), cw.count()
			got, err := s.GetTable(ctx, GetOptions{})
			if err != nil {
				t.Fatalf("GetTable: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
			if n := s.Commands() - before; n != tc.wantSends {
				t.Errorf("wrong command count\ngot:  %d\nwant: %d", n, tc.wantSends)
			}
			if n := cw.count() - beforeWrites; n != tc.wantSends {
				t.Errorf("wrong number of writes\ngot:  %d\nwant: %d", n, tc.wantSends)
			}
		})
	}
}

// mustCLI logs in, starts bwcli and enters path.
func mustCLI(t *testing.T, s *Session, path string) {
	t.Helper()
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	if _, err := s.StartCLI(ctx); err != nil {
		t.Fatalf("StartCLI: %v", err)
	}
	if _, err := s.Cd(ctx, path); err != nil {
		t.Fatalf("Cd: %v", err)
	}
}

func TestReadDeclinesOtherConfirmations(t *testing.T) {
	// A read must never agree to a dangerous operation, even if the server
	// asks during a get.
	s, f, _ := cliSession(t, fakeOptions{},
		step{want: "get", reply: "+++ WARNING +++ WARNING +++ WARNING +++\nThis will erase all entries. Continue?\n" + confirmQ},
		step{want: "n", reply: capPrompt})
	_, err := s.GetAttributes(testContext(t), GetOptions{})
	var pe *ProtocolError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "unexpected confirmation, answered No") {
		t.Fatalf("wrong error\ngot:  %v\nwant: *ProtocolError about an unexpected confirmation", err)
	}
	if got := f.lines(); got[len(got)-1] != "n" {
		t.Errorf("wrong answer\ngot:  %q\nwant: %q", got[len(got)-1], "n")
	}
}

func TestReadDeclinesUnknownConfirmation(t *testing.T) {
	// A question that is not about a number of entries is not a size
	// warning: the read answers No and reports the server's words.
	s, f, _ := cliSession(t, fakeOptions{},
		step{want: "get", reply: "Reset the statistics of 4 servers? Continue?\n" + confirmQ},
		step{want: "n", reply: capPrompt})
	_, err := s.GetAttributes(testContext(t), GetOptions{})
	var pe *ProtocolError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "Reset the statistics of 4 servers?") {
		t.Fatalf("wrong error\ngot:  %v\nwant: *ProtocolError quoting the question", err)
	}
	if got := f.lines(); got[len(got)-1] != "n" {
		t.Errorf("wrong answer\ngot:  %q\nwant: %q", got[len(got)-1], "n")
	}
}

func TestWriteDeclinesConfirmations(t *testing.T) {
	// Writes expect no question at all: even a size warning is answered
	// No, and the error carries its text.
	for name, question := range map[string]string{
		"size warning": "About to access 22 entries. Continue?",
		"unknown":      "This change affects all subscribers. Proceed?",
	} {
		t.Run(name, func(t *testing.T) {
			s, f, _ := cliSession(t, fakeOptions{},
				step{want: "set enabled false", reply: question + "\n" + confirmQ},
				step{want: "n", reply: "...Done\n" + capPrompt})
			_, err := s.Set(testContext(t), "enabled", "false", SetOptions{})
			var pe *ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "unexpected confirmation, answered No") || !strings.Contains(err.Error(), question) {
				t.Fatalf("wrong error\ngot:  %v\nwant: *ProtocolError quoting %q", err, question)
			}
			if got := f.lines(); got[len(got)-1] != "n" {
				t.Errorf("wrong answer\ngot:  %q\nwant: %q", got[len(got)-1], "n")
			}
		})
	}
}

func TestSet(t *testing.T) {
	tests := map[string]struct {
		attr, value string
		sent        string
		reply       string
		want        Reply
		wantErr     string
		errType     any
	}{
		"done": {attr: "enabled", value: "false", sent: "set enabled false", reply: "...Done\n", want: Reply{Kind: Done, Text: "...Done"}},
		"restart warning alone": {
			attr: "enabled", value: "false", sent: "set enabled false", reply: restartW + "\n",
			want: Reply{Kind: RestartRequired, Text: restartW},
		},
		"restart warning then done": {
			attr: "serverPort", value: "2207", sent: "set serverPort 2207", reply: restartW + "\n...Done\n",
			want: Reply{Kind: RestartRequired, Text: restartW},
		},
		"alternative restart warning": {
			attr: "enabled", value: "true", sent: "set enabled true", reply: "A restart is required for the change to take effect.\n",
			want: Reply{Kind: RestartRequired, Text: "A restart is required for the change to take effect."},
		},
		"value with spaces is quoted": {
			attr: "detail", value: "Business Communicator - PC", sent: `set detail "Business Communicator - PC"`, reply: "...Done\n",
			want: Reply{Kind: Done, Text: "...Done"},
		},
		"empty value is quoted": {attr: "systemDomain", value: "", sent: `set systemDomain ""`, reply: "...Done\n", want: Reply{Kind: Done, Text: "...Done"}},
		"cli error with spec line": {
			attr: "serverPort", value: "80", sent: "set serverPort 80",
			reply:   "[CLIError] Command set: Invalid value\n<serverPort>, Integer {1025 to 65535}\n",
			wantErr: "set serverPort 80: server refused: [CLIError] Command set: Invalid value | <serverPort>, Integer {1025 to 65535}",
			errType: &CommandError{},
		},
		"mandatory parameter missing": {
			attr: "serverPort", value: "1", sent: "set serverPort 1",
			reply:   "[CLIError] Command set: Mandatory parameter missing\n<serverPort>, Integer {1025 to 65535}\n",
			wantErr: "Mandatory parameter missing | <serverPort>", errType: &CommandError{},
		},
		"invalid command":  {attr: "bogus", value: "1", sent: "set bogus 1", reply: "Invalid command\n", wantErr: "set bogus 1: server refused: Invalid command", errType: &CommandError{}},
		"error after done": {attr: "enabled", value: "1", sent: "set enabled 1", reply: "...Done\nError: could not persist\n", wantErr: "Error: could not persist", errType: &CommandError{}},
		"unrecognised":     {attr: "enabled", value: "true", sent: "set enabled true", reply: "OK maybe\n", wantErr: `set enabled true: unrecognised reply: "OK maybe"`, errType: &ProtocolError{}},
		"no reply":         {attr: "enabled", value: "true", sent: "set enabled true", reply: "", wantErr: "set enabled true: no reply", errType: &ProtocolError{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, _, _ := cliSession(t, fakeOptions{}, step{want: tc.sent, reply: tc.reply + capPrompt})
			got, err := s.Set(testContext(t), tc.attr, tc.value, SetOptions{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("wrong error\ngot:  %v\nwant: containing %q", err, tc.wantErr)
				}
				switch tc.errType.(type) {
				case *CommandError:
					var ce *CommandError
					if !errors.As(err, &ce) || ce.Command != tc.sent {
						t.Errorf("wrong error: %T %+v", err, err)
					}
				case *ProtocolError:
					var pe *ProtocolError
					if !errors.As(err, &pe) {
						t.Errorf("wrong error type: %T", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommandErrorKeepsSpecLine(t *testing.T) {
	s, _, _ := cliSession(t, fakeOptions{}, step{want: "set serverPort 80",
		reply: "[CLIError] Command set: Invalid value\n<serverPort>, Integer {1025 to 65535}\n" + capPrompt})
	_, err := s.Set(testContext(t), "serverPort", "80", SetOptions{})
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("wrong error type %T: %v", err, err)
	}
	want := &CommandError{Command: "set serverPort 80", Text: "[CLIError] Command set: Invalid value\n<serverPort>, Integer {1025 to 65535}"}
	if diff := cmp.Diff(want, ce); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

func TestSensitiveValuesStayOutOfTranscriptAndErrors(t *testing.T) {
	const secret = "s3cr3t community"
	var tr syncBuffer
	s, _, _ := cliSession(t, fakeOptions{opts: Options{Transcript: &tr}},
		step{want: `set readCommunity "` + secret + `"`, reply: "[CLIError] Command set: Invalid value " + secret + "\n<readCommunity>, String {1 to 80 characters}\n" + capPrompt},
		step{want: `set readCommunity "` + secret + `"`, reply: "...Done\n" + capPrompt},
		step{want: "get", reply: "  readCommunity = " + secret + "\n  port = 8001\n" + capPrompt},
	)
	ctx := testContext(t)
	_, err := s.Set(ctx, "readCommunity", secret, SetOptions{Sensitive: true})
	var ce *CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("wrong error type %T: %v", err, err)
	}
	if ce.Command != "set readCommunity ********" {
		t.Errorf("wrong command\ngot:  %q\nwant: %q", ce.Command, "set readCommunity ********")
	}
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(ce.Text, "s3cr3t") {
		t.Errorf("error reveals the secret: %v", err)
	}
	if _, err := s.Set(ctx, "readCommunity", secret, SetOptions{Sensitive: true}); err != nil {
		t.Fatalf("Set: %v", err)
	}
	attrs, err := s.GetAttributes(ctx, GetOptions{Sensitive: []string{"READCOMMUNITY"}})
	if err != nil {
		t.Fatalf("GetAttributes: %v", err)
	}
	if attrs[0].Value != secret {
		t.Errorf("the caller must get the real value\ngot:  %q\nwant: %q", attrs[0].Value, secret)
	}
	if strings.Contains(tr.String(), "s3cr3t") {
		t.Errorf("transcript reveals the secret:\n%s", tr.String())
	}
	for _, want := range []string{">>> set readCommunity ********\n", "readCommunity = ********", "port = 8001"} {
		if !strings.Contains(tr.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr.String())
		}
	}
}

func TestSetPrompted(t *testing.T) {
	const secret = "Xyz-42;never" // refused: ';'
	const good = "Xyz-42_never"
	tests := map[string]struct {
		steps   []step
		value   string
		want    Reply
		wantErr string
	}{
		"new and re-type": {
			value: good,
			steps: []step{
				{want: "set clientSecret", reply: "New Password: "},
				{want: good, noEcho: true, reply: "\nRe-type New Password: "},
				{want: good, noEcho: true, reply: "\n...Done\n" + capPrompt},
			},
			want: Reply{Kind: Done, Text: "...Done"},
		},
		"single prompt, done on the same line": {
			value: good,
			steps: []step{
				{want: "set clientSecret", reply: "New Password: "},
				{want: good, noEcho: true, reply: "...Done\n" + capPrompt},
			},
			want: Reply{Kind: Done, Text: "...Done"},
		},
		"confirm password and a server that echoes": {
			value: good,
			steps: []step{
				{want: "set clientSecret", reply: "New Password: "},
				{want: good, reply: "Confirm Password: "},
				{want: good, echo: "********\n", reply: restartW + "\n" + capPrompt},
			},
			want: Reply{Kind: RestartRequired, Text: restartW},
		},
		"mismatch": {
			value: good,
			steps: []step{
				{want: "set clientSecret", reply: "New Password: "},
				{want: good, noEcho: true, reply: "\nRe-type New Password: "},
				{want: good, noEcho: true, reply: "\n[Error] Passwords " + good + " do not match\n" + capPrompt},
			},
			wantErr: "set clientSecret: server refused: [Error] Passwords ******** do not match",
		},
		"unsafe secret": {value: secret, wantErr: "set clientSecret: unsafe secret: contains ';'"},
		"empty secret":  {value: "", wantErr: "unsafe secret: is empty"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var tr syncBuffer
			s, _, _ := cliSession(t, fakeOptions{opts: Options{Transcript: &tr}}, tc.steps...)
			got, err := s.Set(testContext(t), "clientSecret", tc.value, SetOptions{Prompted: true})
			if strings.Contains(tr.String(), "Xyz") {
				t.Errorf("transcript reveals the secret:\n%s", tr.String())
			}
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr && !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("wrong error\ngot:  %v\nwant: %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "Xyz") {
					t.Errorf("error reveals the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
			if !strings.Contains(tr.String(), ">>> (sensitive)\n") {
				t.Errorf("transcript does not show the answered prompt:\n%s", tr.String())
			}
		})
	}
}

func TestUnexpectedPasswordPromptBreaksSession(t *testing.T) {
	s, _, _ := cliSession(t, fakeOptions{},
		step{want: "set clientSecret abc", reply: "New Password: "})
	ctx := testContext(t)
	_, err := s.Set(ctx, "clientSecret", "abc", SetOptions{})
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Reason != "unexpected password prompt" {
		t.Fatalf("wrong error\ngot:  %v\nwant: unexpected password prompt", err)
	}
	if _, err := s.GetAttributes(ctx, GetOptions{}); !errors.Is(err, ErrBroken) {
		t.Errorf("wrong error after a desynchronised command\ngot:  %v\nwant: %v", err, ErrBroken)
	}
}

func TestUnsafeValuesRefusedBeforeWriting(t *testing.T) {
	tests := map[string]struct {
		call func(context.Context, *Session) error
		rule UnsafeRule
	}{
		"semicolon": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", "x;clearAll;y", SetOptions{})
			return err
		}, rule: RuleSemicolon},
		"newline": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", "x\nexit", SetOptions{})
			return err
		}, rule: RuleLineBreak},
		"carriage return": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", "x\rexit", SetOptions{})
			return err
		}, rule: RuleLineBreak},
		"escape": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", "x\x1b[2J", SetOptions{})
			return err
		}, rule: RuleControl},
		"nul": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", "x\x00", SetOptions{})
			return err
		}, rule: RuleControl},
		"del": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", "x\x7f", SetOptions{})
			return err
		}, rule: RuleControl},
		"embedded quote": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", `a" b "c`, SetOptions{})
			return err
		}, rule: RuleQuote},
		"invalid utf-8": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", "caf\xe9", SetOptions{})
			return err
		}, rule: RuleEncoding},
		"too long": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "description", strings.Repeat("a", MaxValueLen+1), SetOptions{})
			return err
		}, rule: RuleTooLong},
		"attribute name": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Set(ctx, "enabled true;clearAll", "x", SetOptions{})
			return err
		}, rule: RuleCharset},
		"row key": {call: func(ctx context.Context, s *Session) error {
			_, err := s.DeleteRow(ctx, []string{"10.0.0.1;clearAll"})
			return err
		}, rule: RuleSemicolon},
		"add column name": {call: func(ctx context.Context, s *Session) error {
			_, err := s.AddRow(ctx, []Arg{{Value: "10.0.0.1"}, {Name: "desc\nx", Value: "a"}})
			return err
		}, rule: RuleLineBreak},
		"application name": {call: func(ctx context.Context, s *Session) error {
			_, err := s.Restart(ctx, "OpenClientServer;reboot")
			return err
		}, rule: RuleSemicolon},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, f, _ := cliSession(t, fakeOptions{})
			before := len(f.lines())
			err := tc.call(testContext(t), s)
			var ue *UnsafeValueError
			if !errors.As(err, &ue) {
				t.Fatalf("wrong error\ngot:  %v\nwant: *UnsafeValueError", err)
			}
			if ue.Rule != tc.rule {
				t.Errorf("wrong rule\ngot:  %v\nwant: %v", ue.Rule, tc.rule)
			}
			if got := f.lines(); len(got) != before {
				t.Errorf("something was written: %q", got[before:])
			}
		})
	}
}

func TestRowCommands(t *testing.T) {
	const prompt = "XSP_CLI/System/ManagementAccessList> "
	tests := map[string]struct {
		call    func(context.Context, *Session) (Reply, error)
		sent    string
		reply   string
		want    Reply
		wantErr string
	}{
		"add": {
			call: func(ctx context.Context, s *Session) (Reply, error) {
				return s.AddRow(ctx, []Arg{{Value: "10.9.0.5"}, {Name: "description", Value: "NOC west"}})
			},
			sent: `add 10.9.0.5 description "NOC west"`, reply: "...Done\n", want: Reply{Kind: Done, Text: "...Done"},
		},
		"add duplicate": {
			call: func(ctx context.Context, s *Session) (Reply, error) {
				return s.AddRow(ctx, []Arg{{Value: "10.9.0.5"}})
			},
			sent: "add 10.9.0.5", reply: "[Error] Add failed: entry is already present in list\n",
			wantErr: "add 10.9.0.5: server refused: [Error] Add failed: entry is already present in list",
		},
		"set": {
			call: func(ctx context.Context, s *Session) (Reply, error) {
				return s.SetRow(ctx, []string{"10.9.0.5"}, "description", "", SetOptions{})
			},
			sent: `set 10.9.0.5 description ""`, reply: "...Done\n", want: Reply{Kind: Done, Text: "...Done"},
		},
		"set sensitive": {
			call: func(ctx context.Context, s *Session) (Reply, error) {
				return s.SetRow(ctx, []string{"10.9.0.5"}, "description", "hidden", SetOptions{Sensitive: true})
			},
			sent: "set 10.9.0.5 description hidden", reply: "Entry not found\n",
			wantErr: "set 10.9.0.5 description ********: server refused: Entry not found",
		},
		"clear": {
			call: func(ctx context.Context, s *Session) (Reply, error) {
				return s.ClearRow(ctx, []string{"10.9.0.5"}, "description")
			},
			sent: "clear 10.9.0.5 description", reply: "...Done\n", want: Reply{Kind: Done, Text: "...Done"},
		},
		"delete two-field key": {
			call: func(ctx context.Context, s *Session) (Reply, error) {
				return s.DeleteRow(ctx, []string{"OpenClientServer", "bw.some option"})
			},
			sent: `delete OpenClientServer "bw.some option"`, reply: restartW + "\n", want: Reply{Kind: RestartRequired, Text: restartW},
		},
		"delete missing": {
			call: func(ctx context.Context, s *Session) (Reply, error) {
				return s.DeleteRow(ctx, []string{"10.9.9.9"})
			},
			sent: "delete 10.9.9.9", reply: "[Error] Entry not found\n",
			wantErr: "delete 10.9.9.9: server refused: [Error] Entry not found",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, _, _ := newFake(t, fakeOptions{}, stepBWCLI(), stepCd("System/ManagementAccessList", prompt),
				step{want: tc.sent, reply: tc.reply + prompt})
			mustCLI(t, s, "System/ManagementAccessList")
			got, err := tc.call(testContext(t), s)
			if tc.wantErr != "" {
				var ce *CommandError
				if !errors.As(err, &ce) || err.Error() != tc.wantErr {
					t.Fatalf("wrong error\ngot:  %v\nwant: %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlarms(t *testing.T) {
	const prompt = "XSP_CLI/Monitoring/Alarm/AlarmsTable> "
	list := "  Identifier               Timestamp                      Alarm Name  Severity  Correlation Parameter\n" +
		"=====================================================================================================\n" +
		"       66414  2017-11-12 8:58:55 GMT  bwOpenClientServerASConnFailed  Critical  10;37;CAP;10.123.123.80;\n" +
		"       66415  2017-11-13 10:02:11 GMT        bwNetworkDeviceIsFailed     Major                           \n" +
		"\n2 entries found.\n"
	s, f, _ := newFake(t, fakeOptions{}, stepBWCLI(),
		step{want: "cd /Monitoring/Alarm/AlarmsTable", reply: prompt},
		step{want: "list", reply: list + prompt})
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartCLI(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.Alarms(ctx)
	if err != nil {
		t.Fatalf("Alarms: %v", err)
	}
	want := []Alarm{
		{ID: "66414", Timestamp: "2017-11-12 8:58:55 GMT", Name: "bwOpenClientServerASConnFailed", Severity: "Critical", Correlation: "10;37;CAP;10.123.123.80;"},
		{ID: "66415", Timestamp: "2017-11-13 10:02:11 GMT", Name: "bwNetworkDeviceIsFailed", Severity: "Major"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"bwcli", "cd /Monitoring/Alarm/AlarmsTable", "list"}, f.lines()); diff != "" {
		t.Errorf("wrong commands (-want +got):\n%s", diff)
	}
}

// TestExitCLI: exit takes one round trip, `exit;y`, whatever the CLI
// prints for its confirmation: the question alone at the end of what
// arrived (the queued y answers it: nothing more may be sent), the question
// on its own line, or no question at all.
func TestExitCLI(t *testing.T) {
	const ending = "This session is now ending...\n" + shellPrompt
	tests := map[string]step{
		"question at the tail, then the rest": {want: "exit;y", reply: confirmQ, parts: []string{ending}},
		"question on its own line":            {want: "exit;y", reply: confirmQ + "\n" + ending},
		"question and answer on one line":     {want: "exit;y", reply: confirmQ + ending},
		"no question":                         {want: "exit;y", reply: ending},
		"one byte at a time":                  {want: "exit;y", reply: confirmQ + ending, byteByByte: true},
	}
	for name, exit := range tests {
		t.Run(name, func(t *testing.T) {
			s, f, _ := cliSession(t, fakeOptions{}, exit,
				step{want: "bwshowver", reply: "XSP version Rel_22.0_1.1123\n" + shellPrompt})
			ctx := testContext(t)
			if err := s.ExitCLI(ctx); err != nil {
				t.Fatalf("ExitCLI: %v", err)
			}
			if s.Root() != "" || s.Path() != "" {
				t.Errorf("CLI state kept after exit: root %q path %q", s.Root(), s.Path())
			}
			v, err := s.Version(ctx)
			if err != nil {
				t.Fatalf("Version after exit: %v", err)
			}
			if v.Release != "Rel_22.0_1.1123" {
				t.Errorf("wrong release\ngot:  %q\nwant: %q", v.Release, "Rel_22.0_1.1123")
			}
			if diff := cmp.Diff([]string{"bwcli", "cd /" + capPath, "exit;y", "bwshowver"}, f.lines()); diff != "" {
				t.Errorf("wrong commands (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExitCLIAskedTwice: a CLI that asks again after taking the queued y
// is answered n, and exit fails saying so instead of answering blindly.
func TestExitCLIAskedTwice(t *testing.T) {
	s, f, _ := cliSession(t, fakeOptions{},
		step{want: "exit;y", reply: confirmQ, parts: []string{"\nAre you sure? " + confirmQ}},
		step{want: "n", reply: capPrompt})
	err := s.ExitCLI(testContext(t))
	var pe *ProtocolError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, "unexpected confirmation") {
		t.Fatalf("wrong error\ngot:  %v\nwant: a ProtocolError for an unexpected confirmation", err)
	}
	if diff := cmp.Diff([]string{"bwcli", "cd /" + capPath, "exit;y", "n"}, f.lines()); diff != "" {
		t.Errorf("wrong commands (-want +got):\n%s", diff)
	}
}

func TestModeErrors(t *testing.T) {
	s, _, _ := shellSession(t, fakeOptions{}, stepBWCLI())
	ctx := testContext(t)
	if _, err := s.Set(ctx, "enabled", "false", SetOptions{}); !errors.Is(err, ErrNotCLI) {
		t.Errorf("wrong error for set at the shell\ngot:  %v\nwant: %v", err, ErrNotCLI)
	}
	if err := s.ExitCLI(ctx); !errors.Is(err, ErrNotCLI) {
		t.Errorf("wrong error for exit at the shell\ngot:  %v\nwant: %v", err, ErrNotCLI)
	}
	if _, err := s.StartCLI(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Shell(ctx, "ls"); !errors.Is(err, ErrNotShell) {
		t.Errorf("wrong error for a shell command in bwcli\ngot:  %v\nwant: %v", err, ErrNotShell)
	}
	if _, err := s.Health(ctx); !errors.Is(err, ErrNotShell) {
		t.Errorf("wrong error for healthmon in bwcli\ngot:  %v\nwant: %v", err, ErrNotShell)
	}
}

func TestBWCLIEndingUnexpectedly(t *testing.T) {
	s, _, _ := cliSession(t, fakeOptions{},
		step{want: "get", reply: "Exception in thread main\n" + shellPrompt},
		step{want: "showrun", reply: "Application  State\n------------------\nOpenClientServer  Running\n" + shellPrompt})
	ctx := testContext(t)
	_, err := s.GetAttributes(ctx, GetOptions{})
	var pe *ProtocolError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, "bwcli ended") {
		t.Fatalf("wrong error\ngot:  %v\nwant: bwcli ended", err)
	}
	// The session followed the terminal back to the shell.
	apps, err := s.Showrun(ctx)
	if err != nil {
		t.Fatalf("Showrun: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"OpenClientServer": "Running"}, apps); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

func TestShellTools(t *testing.T) {
	health := "--------------------------------\nSystem Health Report Page\n   BroadWorks Server Name: xsp1\n" +
		"   Date and time         : Thu Oct  3 15:50:21 BST 2022\n   Report severity       : NOTIFICATION\n" +
		"   Server type           : XtendedServicesPlatform\n   Server state          : Unlock\n--------------------------------\n\n" +
		"No abnormal condition detected.\n\n--------------------------------\n"
	s, _, _ := shellSession(t, fakeOptions{},
		step{want: "restartbw OpenClientServer", reply: "Stopping OpenClientServer...\nStarting OpenClientServer...\n" + shellPrompt},
		step{want: "restartbw Nope", reply: "Stopping Nope...\nError: unknown application Nope\n" + shellPrompt},
		step{want: "healthmon -l", reply: health + shellPrompt},
		step{want: "showrun", reply: "Application       State\n-----------------------\nOpenClientServer  Starting\nWebContainer      Running\n" + shellPrompt},
		step{want: "bwshowver", reply: "-bash: bwshowver: command not found\n" + shellPrompt},
	)
	ctx := testContext(t)
	out, err := s.Restart(ctx, "OpenClientServer")
	if err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if want := "Stopping OpenClientServer...\nStarting OpenClientServer..."; out != want {
		t.Errorf("wrong output\ngot:  %q\nwant: %q", out, want)
	}
	_, err = s.Restart(ctx, "Nope")
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Text != "Error: unknown application Nope" {
		t.Errorf("wrong error\ngot:  %v\nwant: *CommandError with the Error: line", err)
	}
	h, err := s.Health(ctx)
	if err != nil {
		t.Fatalf("Health: %v", err)
	}
	wantH := &Health{ServerName: "xsp1", DateTime: "Thu Oct  3 15:50:21 BST 2022", Severity: "NOTIFICATION",
		ServerType: "XtendedServicesPlatform", State: "Unlock", Healthy: true}
	if diff := cmp.Diff(wantH, h); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	apps, err := s.Showrun(ctx)
	if err != nil {
		t.Fatalf("Showrun: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"OpenClientServer": "Starting", "WebContainer": "Running"}, apps); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	_, err = s.Version(ctx)
	if !errors.As(err, &ce) || ce.Text != "-bash: bwshowver: command not found" {
		t.Errorf("wrong error\ngot:  %v\nwant: *CommandError with command not found", err)
	}
}

func TestEchoArtefacts(t *testing.T) {
	const value = "a rather long description that a narrow terminal wraps"
	sent := `set description "` + value + `"`
	tests := map[string]string{
		"readline wrap":  sent[:40] + " \r" + sent[40:] + "\n",
		"crlf wrap":      sent[:30] + "\r\n" + sent[30:] + "\r\n",
		"backspaces":     sent[:10] + "x\b" + sent[10:] + "\n",
		"erase sequence": sent[:10] + "x\b \b" + sent[10:] + "\n",
	}
	for name, echo := range tests {
		t.Run(name, func(t *testing.T) {
			s, _, _ := cliSession(t, fakeOptions{}, step{want: sent, echo: echo, reply: "...Done\n" + capPrompt})
			got, err := s.Set(testContext(t), "description", value, SetOptions{})
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if diff := cmp.Diff(Reply{Kind: Done, Text: "...Done"}, got); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommandTimeout(t *testing.T) {
	var tr syncBuffer
	s, _, _ := cliSession(t, fakeOptions{opts: Options{CommandTimeout: 50 * time.Millisecond, Transcript: &tr}},
		step{want: "get", reply: "  enabled = tr", hang: true})
	ctx := testContext(t)
	_, err := s.GetAttributes(ctx, GetOptions{})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("wrong error\ngot:  %v\nwant: *TimeoutError", err)
	}
	want := `get: no reply within 50ms; last received: "get\n  enabled = tr"`
	if err.Error() != want {
		t.Errorf("wrong message\ngot:  %s\nwant: %s", err, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a timeout must match context.DeadlineExceeded")
	}
	// The reply may still come: the session must refuse to go on.
	if _, err := s.GetAttributes(ctx, GetOptions{}); !errors.Is(err, ErrBroken) {
		t.Errorf("wrong error after a timeout\ngot:  %v\nwant: %v", err, ErrBroken)
	}
	if !strings.Contains(tr.String(), "  enabled = tr") {
		t.Errorf("transcript lacks the partial reply:\n%s", tr.String())
	}
}

func TestContextCancelAbandonsRead(t *testing.T) {
	ctx, cancel := context.WithCancel(testContext(t))
	s, _, _ := cliSession(t, fakeOptions{}, step{want: "get", onRead: cancel, hang: true})
	_, err := s.GetAttributes(ctx, GetOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("wrong error\ngot:  %v\nwant: context.Canceled", err)
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		t.Errorf("a cancellation is not a command timeout: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "get: abandoned: context canceled") {
		t.Errorf("wrong message: %v", err)
	}
}

func TestCloseUnblocksCommand(t *testing.T) {
	var s *Session
	closed := make(chan error, 1)
	s, _, _ = cliSession(t, fakeOptions{}, step{want: "get", onRead: func() { closed <- s.Close() }, hang: true})
	_, err := s.GetAttributes(testContext(t), GetOptions{})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("wrong error\ngot:  %v\nwant: %v", err, ErrClosed)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	waitClosed(t, "session goroutines", s.Done())
	if _, err := s.GetAttributes(testContext(t), GetOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("wrong error after Close\ngot:  %v\nwant: %v", err, ErrClosed)
	}
}

func TestStreamDropMidCommand(t *testing.T) {
	var tr syncBuffer
	s, f, _ := cliSession(t, fakeOptions{opts: Options{Transcript: &tr}},
		step{want: "get", reply: "  enabled = true\n  serverPo", drop: true})
	_, err := s.GetAttributes(testContext(t), GetOptions{})
	var ce *ClosedError
	if !errors.As(err, &ce) {
		t.Fatalf("wrong error\ngot:  %v\nwant: *ClosedError", err)
	}
	if !errors.Is(err, io.EOF) {
		t.Errorf("a closed stream must match io.EOF: %v", err)
	}
	want := `get: connection closed while running the command (EOF); last received: "get\n  enabled = true\n  serverPo"`
	if err.Error() != want {
		t.Errorf("wrong message\ngot:  %s\nwant: %s", err, want)
	}
	// Without any Close, the end of the stream alone ends both goroutines.
	waitClosed(t, "fake server", f.done)
	waitClosed(t, "session goroutines", s.Done())
	if _, err := s.GetAttributes(testContext(t), GetOptions{}); !errors.Is(err, ErrBroken) {
		t.Errorf("wrong error after the stream dropped\ngot:  %v\nwant: %v", err, ErrBroken)
	}
}

func TestNoGoroutineLeftAfterDrop(t *testing.T) {
	// Count goroutines around a whole session whose stream drops mid-command.
	leaks := leaktest.Baseline(t, 10*time.Second)
	func() {
		r, w := io.Pipe()
		cr, cw := io.Pipe()
		s := New(r, cw, Options{})
		go func() {
			_, _ = w.Write([]byte(motd + shellPrompt))
			buf := make([]byte, 64)
			_, _ = cr.Read(buf) // the login's empty line
			_, _ = w.Write([]byte("\r\n" + shellPrompt))
			_, _ = cr.Read(buf) // the command
			_, _ = w.Write([]byte("partial"))
			_ = w.Close()
			_ = cr.Close()
		}()
		ctx := testContext(t)
		if err := s.WaitShell(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Shell(ctx, "bwshowver"); err == nil {
			t.Fatal("no error from a dropped stream")
		}
		waitClosed(t, "session goroutines", s.Done())
	}()
	leaks()
}

func TestOneWritePerCommand(t *testing.T) {
	s, _, cw := cliSession(t, fakeOptions{},
		step{want: "get", reply: "  enabled = true\n" + capPrompt},
		step{want: "set enabled false", reply: restartW + "\n" + capPrompt},
		step{want: "exit;y", reply: confirmQ + "\nThis session is now ending...\n" + shellPrompt})
	ctx := testContext(t)
	before := cw.count()
	if before != s.Commands() {
		t.Errorf("writes and commands differ after setup: %d writes, %d commands", before, s.Commands())
	}
	if _, err := s.GetAttributes(ctx, GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, "enabled", "false", SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.ExitCLI(ctx); err != nil {
		t.Fatal(err)
	}
	if got := cw.count() - before; got != 3 {
		t.Errorf("wrong number of writes\ngot:  %d\nwant: 3 (get, set, exit;y)", got)
	}
	if cw.count() != s.Commands() {
		t.Errorf("Commands() %d does not count the %d writes", s.Commands(), cw.count())
	}
}

func TestTranscript(t *testing.T) {
	var tr syncBuffer
	s, _, _ := cliSession(t, fakeOptions{opts: Options{Transcript: &tr}},
		step{want: "get", echo: "get\x1b[K\r\n", reply: "  enabled = true\n  description = \x1b]0;pwned\x07 C:\\x41\u0085\n" + capPrompt})
	if _, err := s.GetAttributes(testContext(t), GetOptions{}); err != nil {
		t.Fatal(err)
	}
	// The empty line sent at login shows as an empty command. Control
	// characters the server printed are escaped, backslashes doubled
	// (docs/simulator.md, the transcript format); the decorated echo is
	// the command.
	want := motd + shellPrompt + "\n>>> \n\n" + shellPrompt + "\n>>> bwcli\nbwcli\n" + banner + rootPrompt +
		"\n>>> cd /" + capPath + "\ncd /" + capPath + "\n" + capPrompt +
		"\n>>> get\nget\n  enabled = true\n  description = \\x1b]0;pwned\\x07 C:\\\\x41\\u0085\n" + capPrompt
	if diff := cmp.Diff(want, tr.String()); diff != "" {
		t.Errorf("wrong transcript (-want +got):\n%s", diff)
	}
}

func TestOutputLimit(t *testing.T) {
	s, _, _ := cliSession(t, fakeOptions{opts: Options{MaxOutput: 1000}},
		step{want: "get", reply: strings.Repeat("  a = 1\n", 200), hang: true})
	_, err := s.GetAttributes(testContext(t), GetOptions{})
	var pe *ProtocolError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, "more than 1000 bytes") {
		t.Fatalf("wrong error\ngot:  %v\nwant: output limit", err)
	}
}

func TestCancelledContextSendsNothing(t *testing.T) {
	s, f, _ := cliSession(t, fakeOptions{}, step{want: "get", reply: "  enabled = true\n" + capPrompt})
	ctx, cancel := context.WithCancel(testContext(t))
	cancel()
	before := len(f.lines())
	if _, err := s.GetAttributes(ctx, GetOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("wrong error\ngot:  %v\nwant: context.Canceled", err)
	}
	if got := f.lines(); len(got) != before {
		t.Errorf("a command was sent with a cancelled context: %q", got[before:])
	}
	// Nothing was sent, so the session is still in step.
	attrs, err := s.GetAttributes(testContext(t), GetOptions{})
	if err != nil {
		t.Fatalf("GetAttributes after a cancelled call: %v", err)
	}
	if diff := cmp.Diff([]Attr{{Name: "enabled", Value: "true"}}, attrs); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}

func TestGetDetectsKind(t *testing.T) {
	const table = "  Host  Description\n===================\n  a             NOC\n"
	s, _, _ := cliSession(t, fakeOptions{},
		step{want: "get", reply: table + capPrompt},
		step{want: "get", reply: table + capPrompt},
		step{want: "get", reply: "  enabled = true\n" + capPrompt},
		step{want: "get", reply: capPrompt},
		step{want: "get", reply: "Invalid command\n" + capPrompt})
	ctx := testContext(t)
	c, err := s.Get(ctx, GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Contents{Table: &Table{Columns: []string{"Host", "Description"}, Rows: [][]string{{"a", "NOC"}}}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	if _, err := s.GetAttributes(ctx, GetOptions{}); err == nil || err.Error() != "get /"+capPath+": parse attributes: the context holds a table" {
		t.Errorf("wrong error for attributes of a table: %v", err)
	}
	if _, err := s.GetTable(ctx, GetOptions{}); err == nil || err.Error() != "get /"+capPath+": parse table: the context holds attributes" {
		t.Errorf("wrong error for a table of attributes: %v", err)
	}
	empty, err := s.GetTable(ctx, GetOptions{})
	if err != nil || len(empty.Rows) != 0 {
		t.Errorf("wrong result for empty output: %+v, %v", empty, err)
	}
	_, err = s.Get(ctx, GetOptions{})
	var ce *CommandError
	if !errors.As(err, &ce) || err.Error() != "get: server refused: Invalid command" {
		t.Errorf("wrong error\ngot:  %v\nwant: get: server refused: Invalid command", err)
	}
}

func TestPromptMovedIsReported(t *testing.T) {
	s, _, _ := cliSession(t, fakeOptions{},
		step{want: "set enabled false", reply: "...Done\n" + rootPrompt})
	_, err := s.Set(testContext(t), "enabled", "false", SetOptions{})
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Reason != `the prompt moved from "/`+capPath+`" to "/"` {
		t.Fatalf("wrong error\ngot:  %v\nwant: the prompt moved", err)
	}
	if s.Path() != "" {
		t.Errorf("the session must follow the prompt: path %q", s.Path())
	}
}

func TestGarbageOutput(t *testing.T) {
	s, _, _ := cliSession(t, fakeOptions{},
		step{want: "get", rawReply: []byte("\x00\xff\xfe\x1b[99;99H~~ binary \x07\x08 noise\r\n" + capPrompt)},
		step{want: "get", reply: "  enabled = true\n" + capPrompt})
	ctx := testContext(t)
	_, err := s.GetAttributes(ctx, GetOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 1 {
		t.Fatalf("wrong error\ngot:  %v\nwant: *ParseError at line 1", err)
	}
	// Garbage that ended at a prompt leaves the session in step.
	if _, err := s.GetAttributes(ctx, GetOptions{}); err != nil {
		t.Errorf("GetAttributes after garbage: %v", err)
	}
}

// TestIdle: a session kept between commands is idle until the server
// prints something unasked or ends the stream; then it is broken, so that
// nothing more (not even an exit) is sent on it.
func TestIdle(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		s, _, _ := cliSession(t, fakeOptions{})
		if err := s.Idle(); err != nil {
			t.Fatalf("Idle: %v", err)
		}
		if !s.Usable() {
			t.Error("an idle session is not usable")
		}
	})
	t.Run("output unasked", func(t *testing.T) {
		s, f, _ := cliSession(t, fakeOptions{}, step{want: "get", reply: "  enabled = true\n" + capPrompt, hang: true})
		ctx := testContext(t)
		if _, err := s.Get(ctx, GetOptions{}); err != nil {
			t.Fatal(err)
		}
		// The script hangs after the get: only the test writes now.
		if !f.write("\nSession timed out.\n" + shellPrompt) {
			t.Fatal("the fake could not write")
		}
		err := waitNotIdle(t, s)
		if !errors.Is(err, ErrNotIdle) || !strings.Contains(err.Error(), "arrived unasked") {
			t.Fatalf("wrong error\ngot:  %v\nwant: ErrNotIdle, bytes arrived unasked", err)
		}
		if s.Usable() {
			t.Error("a session that was not idle is still usable")
		}
	})
	t.Run("stream ended", func(t *testing.T) {
		s, _, _ := cliSession(t, fakeOptions{}, step{want: "get", reply: "  enabled = true\n" + capPrompt, drop: true})
		if _, err := s.Get(testContext(t), GetOptions{}); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, "session goroutines", s.Done())
		if err := s.Idle(); !errors.Is(err, ErrNotIdle) || !strings.Contains(err.Error(), "connection ended") {
			t.Fatalf("wrong error\ngot:  %v\nwant: ErrNotIdle, the connection ended", err)
		}
	})
}

// waitNotIdle polls Idle until it fails (the fake's output is on its way)
// and returns its error; the test fails after 10 s.
func waitNotIdle(t *testing.T, s *Session) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := s.Idle(); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("still idle 10s after the server printed")
	return nil
}
