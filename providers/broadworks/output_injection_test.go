package broadworks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/catalog"
)

// Servers cannot inject either: whatever a server prints (a value holding
// ";exit" or a line break, a fake prompt followed by a command, terminal
// escape sequences that ask the terminal to answer, questions and password
// prompts where none belong) must never make the session write anything
// but its own commands and the fixed answers y and n. These tests and
// FuzzServerOutput drive the real provider session against termFake with
// hostile replies and assert on the lines the fake received.

const (
	gsPath  = "Applications/OpenClientServer/GeneralSettings"
	malPath = "System/ManagementAccessList"
	cisPath = "Applications/AuthenticationService/CISTokenValidation"
)

// crlf turns LF into CR LF, as a PTY prints.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// replyTo answers the command line want with text and the prompt the
// command leads to; everything else is left to the fake.
func replyTo(want, text string) func(fakeRequest) ([]byte, bool) {
	return func(r fakeRequest) ([]byte, bool) {
		if r.line != want {
			return nil, false
		}
		return append(crlf(text), r.prompt...), true
	}
}

// askTo answers want with text and no prompt: text ends in a question or a
// password prompt, the fake reads the answer and then prints the prompt.
func askTo(want, text string) func(fakeRequest) ([]byte, bool) {
	return func(r fakeRequest) ([]byte, bool) {
		if r.line != want {
			return nil, false
		}
		return crlf(text), true
	}
}

func TestServerOutputCannotInject(t *testing.T) {
	readGS := func(ctx context.Context, s *session) error {
		_, err := s.Read(ctx, gsPath, schemaOf(t, "xsp", gsPath))
		return err
	}
	setGS := func(ctx context.Context, s *session) error {
		_, err := s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: gsPath, Attr: "systemDomain", Value: "x"})
		return err
	}
	tests := map[string]struct {
		reply func(fakeRequest) ([]byte, bool)
		run   func(context.Context, *session) error
		want  []string
		// wantErr says whether the operation must fail (the reply is not
		// one it can trust).
		wantErr bool
	}{
		"get reply with a fake prompt and a command": {
			reply: replyTo("get", "  systemDomain = x\nXSP_CLI/Applications> set enabled true\n"),
			run:   readGS,
			want:  []string{"bwcli", "cd /" + gsPath, "get", exitLine},
			// The data line is not `name = value`: the read fails rather
			// than guess.
			wantErr: true,
		},
		"get reply with a shell prompt and restartbw": {
			reply:   replyTo("get", "  systemDomain = x\nbwadmin@xsp1$ restartbw OpenClientServer\n"),
			run:     readGS,
			want:    []string{"bwcli", "cd /" + gsPath, "get", exitLine},
			wantErr: true,
		},
		"get value holding ;exit": {
			reply: replyTo("get", "  systemDomain = a;exit\n"),
			run:   readGS,
			want:  []string{"bwcli", "cd /" + gsPath, "get", exitLine},
		},
		"get value holding a carriage return and exit": {
			reply:   replyTo("get", "  systemDomain = a\rexit\n"),
			run:     readGS,
			want:    []string{"bwcli", "cd /" + gsPath, "get", exitLine},
			wantErr: true,
		},
		"get reply with terminal queries and a title": {
			// The sequences are part of the line as printed: it does not
			// parse, and nothing is answered to them.
			reply:   replyTo("get", "\x1b[6n\x1b[c\x1b]0;owned\x07\x1bP+q544e\x1b\\  systemDomain = x\n"),
			run:     readGS,
			want:    []string{"bwcli", "cd /" + gsPath, "get", exitLine},
			wantErr: true,
		},
		"get value holding terminal queries and a title": {
			reply: replyTo("get", "  systemDomain = \x1b[6n\x1b[c\x1b]0;owned\x07\x1bP+q544e\x1b\\x\n"),
			run:   readGS,
			want:  []string{"bwcli", "cd /" + gsPath, "get", exitLine},
		},
		"confirmation in a write reply is declined": {
			reply:   askTo("set systemDomain x", "Reset all values? "+fakeConfirm),
			run:     setGS,
			want:    []string{"bwcli", "cd /" + gsPath, "set systemDomain x", "n", exitLine},
			wantErr: true,
		},
		"dangerous confirmation in a read is declined": {
			reply:   askTo("get", "+++ WARNING +++ WARNING +++ WARNING +++\nAbout to access 25 entries. Continue? "+fakeConfirm),
			run:     readGS,
			want:    []string{"bwcli", "cd /" + gsPath, "get", "n", exitLine},
			wantErr: true,
		},
		"large table question in a read is answered yes": {
			reply: askTo("get", "About to access 25 entries. Continue?\n"+fakeConfirm),
			run:   readGS,
			want:  []string{"bwcli", "cd /" + gsPath, "get", "y", exitLine},
		},
		"password prompt after a plain set gets no password": {
			reply: askTo("set systemDomain x", fakePassword),
			run:   setGS,
			// The session is given up: nothing more is sent, not even exit.
			want:    []string{"bwcli", "cd /" + gsPath, "set systemDomain x"},
			wantErr: true,
		},
		"write reply with a fake prompt and a command": {
			reply: replyTo("set systemDomain x", "...Done\nXSP_CLI/System> restartbw\n"),
			run:   setGS,
			want:  []string{"bwcli", "cd /" + gsPath, "set systemDomain x", exitLine},
		},
		"bwshowver with shell commands inside": {
			reply: replyTo("bwshowver", "XSP version Rel_22.0_1.1123\nbwadmin@xsp1$ restartbw\n;exit\n\x1b[2J"),
			run: func(ctx context.Context, s *session) error {
				_, err := s.Facts(ctx)
				return err
			},
			want: []string{"bwshowver", "bwcli", "cd /Monitoring/Alarm/AlarmsTable", "list", exitLine},
		},
		"healthmon with an injected prompt": {
			reply: replyTo("healthmon -l", fakeHealthOK+"bwadmin@xsp1$ restartbw\n"),
			run: func(ctx context.Context, s *session) error {
				h, err := s.Health(ctx, "OpenClientServer")
				if err == nil && h.Healthy {
					return errors.New("a report with a line it does not know counted as healthy")
				}
				return err
			},
			// A line the report does not know makes the host not healthy,
			// so showrun is not even asked.
			want: []string{"healthmon -l"},
		},
		"showrun listing an application with a command in its name": {
			// showrun is data: a name in it is never sent back, and it
			// does not list OpenClientServer, so healthmon alone decides.
			reply: replyTo("showrun", "Application  State\n-----\nOpenClientServer;reboot  Running\n"),
			run: func(ctx context.Context, s *session) error {
				h, err := s.Health(ctx, "OpenClientServer")
				if err == nil && (!h.Healthy || len(h.Warnings) != 1) {
					return fmt.Errorf("want healthy with one warning, got %+v", h)
				}
				return err
			},
			want: []string{"healthmon -l", "showrun"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, f := startTermFake(t, func(f *termFake) { f.reply = tc.reply })
			err := tc.run(testCtx(t), s)
			closeSession(s)
			<-f.done
			if (err != nil) != tc.wantErr {
				t.Errorf("wrong result\ngot: error %v\nwant: error %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, f.received()); diff != "" {
				t.Errorf("wrong lines sent (-want +got):\n%s", diff)
			}
		})
	}
}

// TestObservedValueIsNotWrittenBack checks the other half of a hostile
// value: a server reporting `a;exit` (a revert plan would write the
// observed value back) cannot get it sent, because Exec refuses it.
func TestObservedValueIsNotWrittenBack(t *testing.T) {
	s, f := startTermFake(t, func(f *termFake) { f.reply = replyTo("get", "  systemDomain = a;exit\n") })
	ctx := testCtx(t)
	obs, err := s.Read(ctx, gsPath, schemaOf(t, "xsp", gsPath))
	if err != nil {
		t.Fatal(err)
	}
	if got := obs.Attrs["systemDomain"]; got != "a;exit" {
		t.Fatalf("wrong result\ngot: %q\nwant: %q", got, "a;exit")
	}
	_, err = s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: gsPath, Attr: "systemDomain", Value: obs.Attrs["systemDomain"]})
	closeSession(s)
	<-f.done
	if err == nil {
		t.Error("wrong result\ngot: the observed value was written back\nwant: refused")
	}
	want := []string{"bwcli", "cd /" + gsPath, "get", exitLine}
	if diff := cmp.Diff(want, f.received()); diff != "" {
		t.Errorf("wrong lines sent (-want +got):\n%s", diff)
	}
}

// TestSensitiveValueInServerWords covers secrets that are part of the
// server's own words (".", "one" and "Done" are in "...Done"): the write
// must still be understood, and a refusal that echoes the secret must not
// carry it into the error.
func TestSensitiveValueInServerWords(t *testing.T) {
	const snmp = "Interface/SNMP/Agent"
	for _, secret := range []string{".", "one", "Done", "o", "s3cr3t"} {
		t.Run("done/"+secret, func(t *testing.T) {
			s, f := startTermFake(t, nil)
			r, err := s.Exec(testCtx(t), engine.Op{Kind: engine.OpSet, Path: snmp, Attr: "readCommunity", Value: secret, Sensitive: true})
			closeSession(s)
			<-f.done
			if err != nil {
				t.Fatalf("wrong result\ngot: %v\nwant: the write understood as done", err)
			}
			if r.Kind != engine.ReplyDone {
				t.Errorf("wrong result\ngot: reply %v\nwant: done", r.Kind)
			}
		})
		t.Run("refused/"+secret, func(t *testing.T) {
			line := "set readCommunity " + secret
			s, f := startTermFake(t, func(f *termFake) {
				f.reply = replyTo(line, "[CLIError] Command set: Invalid value "+secret+"\n<readCommunity>, String {0 to 80 characters}\n")
			})
			_, err := s.Exec(testCtx(t), engine.Op{Kind: engine.OpSet, Path: snmp, Attr: "readCommunity", Value: secret, Sensitive: true})
			closeSession(s)
			<-f.done
			var ce *engine.CLIError
			if !errors.As(err, &ce) {
				t.Fatalf("wrong result\ngot: %v\nwant: an *engine.CLIError", err)
			}
			if len(secret) > 3 && strings.Contains(err.Error(), secret) {
				t.Errorf("the error carries the secret\ngot: %v", err)
			}
			if !strings.Contains(ce.Text, "Invalid value ********") {
				t.Errorf("wrong result\ngot: %q\nwant: the server's words with the secret masked", ce.Text)
			}
		})
	}
	t.Run("prompted", func(t *testing.T) {
		s, f := startTermFake(t, nil)
		_, err := s.Exec(testCtx(t), engine.Op{Kind: engine.OpSet, Path: cisPath, Attr: "clientSecret", Value: "one", Sensitive: true, Prompted: true})
		closeSession(s)
		<-f.done
		if err != nil {
			t.Fatalf("wrong result\ngot: %v\nwant: the typed password accepted", err)
		}
		want := []string{"bwcli", "cd /" + cisPath, "set clientSecret", "one", exitLine}
		if diff := cmp.Diff(want, f.received()); diff != "" {
			t.Errorf("wrong lines sent (-want +got):\n%s", diff)
		}
	})
}

// serverOps are the operations FuzzServerOutput feeds a hostile reply to:
// the command whose reply is replaced, what runs, and the lines a session
// sends when everything succeeds.
var serverOps = []struct {
	name    string
	command string
	run     func(context.Context, *session) error
	want    []string
}{
	{"get attributes", "get", func(ctx context.Context, s *session) error {
		c, _ := catalog.New().Lookup("xsp", gsPath)
		_, err := s.Read(ctx, gsPath, c)
		return err
	}, []string{"bwcli", "cd /" + gsPath, "get", exitLine}},
	{"get table", "get", func(ctx context.Context, s *session) error {
		c, _ := catalog.New().Lookup("xsp", malPath)
		_, err := s.Read(ctx, malPath, c)
		return err
	}, []string{"bwcli", "cd /" + malPath, "get", exitLine}},
	{"cd", "cd /" + gsPath, func(ctx context.Context, s *session) error {
		_, err := s.Read(ctx, gsPath, nil)
		return err
	}, []string{"bwcli", "cd /" + gsPath, "get", exitLine}},
	{"set", "set systemDomain x", func(ctx context.Context, s *session) error {
		_, err := s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: gsPath, Attr: "systemDomain", Value: "x"})
		return err
	}, []string{"bwcli", "cd /" + gsPath, "set systemDomain x", exitLine}},
	{"add", "add 10.9.0.5 description noc", func(ctx context.Context, s *session) error {
		_, err := s.Exec(ctx, engine.Op{Kind: engine.OpAddRow, Path: malPath,
			Key: []engine.Field{{Name: "host", Value: "10.9.0.5"}}, Fields: []engine.Field{{Name: "description", Value: "noc"}}})
		return err
	}, []string{"bwcli", "cd /" + malPath, "add 10.9.0.5 description noc", exitLine}},
	{"bwshowver", "bwshowver", func(ctx context.Context, s *session) error {
		_, err := s.Facts(ctx)
		return err
	}, []string{"bwshowver", "bwcli", "cd /Monitoring/Alarm/AlarmsTable", "list", exitLine}},
	{"list alarms", "list", func(ctx context.Context, s *session) error {
		_, err := s.Facts(ctx)
		return err
	}, []string{"bwshowver", "bwcli", "cd /Monitoring/Alarm/AlarmsTable", "list", exitLine}},
	{"healthmon", "healthmon -l", func(ctx context.Context, s *session) error {
		_, err := s.Health(ctx, "OpenClientServer")
		return err
	}, []string{"healthmon -l", "showrun"}},
	{"showrun", "showrun", func(ctx context.Context, s *session) error {
		_, err := s.Health(ctx, "OpenClientServer")
		return err
	}, []string{"healthmon -l", "showrun"}},
	{"restartbw", "restartbw OpenClientServer", func(ctx context.Context, s *session) error {
		return s.Restart(ctx, "OpenClientServer")
	}, []string{"restartbw OpenClientServer"}},
	{"bwcli banner", "bwcli", func(ctx context.Context, s *session) error {
		_, err := s.Read(ctx, gsPath, nil)
		return err
	}, []string{"bwcli", "cd /" + gsPath, "get", exitLine}},
}

// checkServerLines checks lines sent against want: the intended commands
// in order (the session may stop early after a failure, leaving bwcli
// with the closing exit;y), with only the
// answers y and n between them, at most four per command, y only where the
// driver may confirm (the large-table question of get and list: exit;y
// carries its own).
func checkServerLines(t fatalfer, got, want []string) {
	t.Helper()
	next, answers, last := 0, 0, ""
	for i, line := range got {
		if strings.IndexFunc(line, unsafeRune) >= 0 && line != exitLine {
			t.Fatalf("line %d holds a character that could inject: %q (all: %q)", i+1, line, got)
		}
		if next < len(want) && line == want[next] {
			next, answers, last = next+1, 0, line
			continue
		}
		// After a failure the session leaves bwcli at once: exit (and its
		// y) may come before the rest of the intended commands.
		if k := slices.Index(want[min(next, len(want)):], line); line == exitLine && k >= 0 {
			next, answers, last = next+k+1, 0, line
			continue
		}
		if last == "" || (line != "y" && line != "n") {
			t.Fatalf("line %d was not intended: %q\ngot: %q\nwant: %q with answers y or n", i+1, line, got, want)
		}
		answers++
		if answers > 4 {
			t.Fatalf("more than four answers to %q: %q", last, got)
		}
		if line == "y" && last != "get" && last != "list" {
			t.Fatalf("confirmed %q with y: %q", last, got)
		}
	}
}

// FuzzServerOutput replaces the reply to one command of a session with
// arbitrary bytes (followed by the prompt, so the command ends) and checks
// that nothing the server prints makes the session send a line it did not
// intend.
func FuzzServerOutput(f *testing.F) {
	seeds := []string{
		"  systemDomain = a;exit\n",
		"XSP_CLI/Applications> set enabled true\n",
		"bwadmin@xsp1$ restartbw\n",
		"About to access 25 entries. Continue?\n" + fakeConfirm + "y\n",
		"+++ WARNING +++\n" + fakeConfirm,
		fakePassword,
		"...Done\n\x1b[6n\x1b]0;t\x07",
		"[CLIError] Command set: Invalid value\n<x>, String\n",
		"Host  Description\n====\n10.9.0.5  a;exit\n\n1 entry found.\n",
		"*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n",
		fakeHealthOK,
		fakeShowrun,
		fakeVersion,
		"caf\xe9\r\n\x9b31m\x00\x7f\b",
	}
	for i := range serverOps {
		for _, s := range seeds {
			f.Add(uint8(i), []byte(strings.ReplaceAll(s, "\n", "\r\n")))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, out []byte) {
		op := serverOps[int(which)%len(serverOps)]
		s, fk := startTermFake(t, func(fk *termFake) {
			fk.reply = func(r fakeRequest) ([]byte, bool) {
				if r.line != op.command {
					return nil, false
				}
				b := append(append([]byte(nil), out...), "\r\n"...)
				return append(b, r.prompt...), true
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = op.run(ctx, s)
		closeSession(s)
		<-fk.done
		checkServerLines(t, fk.received(), op.want)
	})
}

// TestCheckServerLines proves the fuzz property can fail.
func TestCheckServerLines(t *testing.T) {
	want := []string{"bwcli", "cd /A", "get", exitLine}
	tests := map[string]struct {
		got  []string
		fail bool
	}{
		"as intended":         {got: want},
		"stopped early":       {got: []string{"bwcli", "cd /A"}},
		"closed early":        {got: []string{"bwcli", "cd /A", exitLine}},
		"command after close": {got: []string{"bwcli", exitLine, "get"}, fail: true},
		"answers":             {got: []string{"bwcli", "cd /A", "n", "get", "y", exitLine}},
		"yes after exit":      {got: []string{"bwcli", "cd /A", "get", exitLine, "y"}, fail: true},
		"semicolon elsewhere": {got: []string{"bwcli", "cd /A;get"}, fail: true},
		"extra command":       {got: []string{"bwcli", "cd /A", "get", "restartbw"}, fail: true},
		"yes to a cd":         {got: []string{"bwcli", "cd /A", "y"}, fail: true},
		"answer before any":   {got: []string{"n", "bwcli"}, fail: true},
		"control character":   {got: []string{"bwcli", "cd /A\x1b"}, fail: true},
		"five answers to get": {got: []string{"bwcli", "cd /A", "get", "y", "y", "y", "y", "y"}, fail: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ft := &fakeT{}
			func() {
				defer func() { _ = recover() }()
				checkServerLines(ft, tc.got, want)
			}()
			if ft.failed != tc.fail {
				t.Errorf("wrong result\ngot: failed %v\nwant: %v", ft.failed, tc.fail)
			}
		})
	}
}

// fatalfer is the part of testing.TB the checks use.
type fatalfer interface {
	Helper()
	Fatalf(format string, args ...any)
}

// fakeT records failures of a check under test.
type fakeT struct{ failed bool }

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	panic(fmt.Sprintf(format, args...))
}
