package sim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

// formatReplay writes a script back in the transcript format: what a
// person editing a transcript by hand produces.
func formatReplay(sc *replayScript) string {
	var b strings.Builder
	b.WriteString(sc.login + "\n")
	for _, x := range sc.exchanges {
		echo := x.sent
		if x.sent == replaySensitive {
			echo = ""
		}
		b.WriteString(replaySent + x.sent + "\n" + echo + "\n" + x.reply + "\n")
	}
	return b.String()
}

// FuzzReplay parses arbitrary transcripts, the untrusted text a replay
// host reads. Parsing never panics and fails only with a reason; a parsed
// script answers its own exchanges, sent in the recorded order, with the
// recorded replies (so parsing and serving agree on every key); writing it
// back in the documented format and parsing again gives the same script;
// and a session typing arbitrary input at it ends without panicking and,
// on a PTY, without a bare LF.
func FuzzReplay(f *testing.F) {
	files, err := filepath.Glob("testdata/transcripts/*.txtar")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasSuffix(af.Name, ".log") {
				f.Add(af.Data, "bwcli\nget\ny\n")
			}
		}
	}
	f.Add([]byte("bwadmin@x$ \n>>> a\na\nPassword: \n>>> (sensitive)\n\nok\nbwadmin@x$ "), "a\nsecret\na\n")
	f.Add([]byte("p> \n>>>\n\nq? \n>>> y\r\ny\r\np> \n>>> y\n"), "\ny\ny\n")
	f.Add([]byte(">>> first\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, input string) {
		sc, err := parseReplay(data)
		if err != nil {
			var re *replayError
			if !errors.As(err, &re) || re.Reason == "" {
				t.Fatalf("an error without a reason: %v", err)
			}
			return
		}
		st := newReplayState(sc)
		for i, x := range sc.exchanges {
			reply, ok := st.answer(x.sent)
			if !ok || reply != x.reply {
				t.Fatalf("exchange %d (%q): served %q (found %v), recorded %q", i, x.sent, reply, ok, x.reply)
			}
		}
		again, err := parseReplay([]byte(formatReplay(sc)))
		if err != nil {
			t.Fatalf("the script written back does not parse: %v", err)
		}
		if diff := cmp.Diff(sc.exchanges, again.exchanges, cmp.AllowUnexported(replayExchange{})); diff != "" || again.login != sc.login {
			t.Fatalf("written back and parsed again, the script differs (-first +again):\n%s\nlogin %q vs %q", diff, sc.login, again.login)
		}
		fl, err := newFleet(&Lab{Hosts: []*HostConfig{{Name: "r", Listen: "127.0.0.1:0", Replay: "fuzz.log"}}, scripts: map[string]*replayScript{"r": sc}}, Options{now: fixedNow})
		if err != nil {
			t.Fatalf("a parsed script does not serve: %v", err)
		}
		defer fl.Close()
		out, _, _ := memorySession(fl.Host("r"), input, true, "")
		if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
			t.Fatalf("bare LF in PTY output:\n%q", out)
		}
	})
}

// TestReplayTranscriptsParse: every transcript a replay host in
// testdata serves parses (a seed that silently failed would fuzz nothing).
func TestReplayTranscriptsParse(t *testing.T) {
	data, err := os.ReadFile("testdata/transcripts/replay.txtar")
	if err != nil {
		t.Fatal(err)
	}
	ar := txtar.Parse(data)
	for _, af := range ar.Files {
		if af.Name == "replay.log" {
			if _, err := parseReplay(af.Data); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no replay.log in replay.txtar")
}
