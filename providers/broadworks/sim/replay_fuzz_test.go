package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

// formatReplay writes a script back in the transcript format: what a
// person editing a transcript by hand produces.
func formatReplay(sc *replayScript) string {
	var b strings.Builder
	b.WriteString(escapeTranscript(sc.login) + "\n")
	for _, x := range sc.exchanges {
		echo := x.sent
		if x.sent == replaySensitive {
			echo = ""
		}
		b.WriteString(replaySent + x.sent + "\n" + echo + "\n" + escapeTranscript(x.reply) + "\n")
	}
	return b.String()
}

// escapeTranscript writes server text as the recorder does: a backslash
// doubled, a character a terminal would act on as an escape.
func escapeTranscript(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n' || r == '\t' || r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	return b.String()
}

// representable reports whether the transcript format can hold sc: a line
// of server output that reads as a sent line (`>>>` alone, or starting with
// `>>> `) cannot be written, and the echo of a sent line is such output
// when the line itself starts with `>>>` (docs/simulator.md, Limits); nor
// can bytes that are not UTF-8.
func representable(sc *replayScript) bool {
	sentLike := func(l string) bool { return l == ">>>" || strings.HasPrefix(l, replaySent) }
	if !utf8.ValidString(sc.login) {
		return false // a recorder writes text, never stray bytes
	}
	for _, x := range sc.exchanges {
		if !utf8.ValidString(x.sent) || !utf8.ValidString(x.reply) {
			return false
		}
		if x.sent != replaySensitive && sentLike(x.sent) {
			return false
		}
		for _, l := range strings.Split(x.reply, "\n") {
			if sentLike(l) {
				return false
			}
		}
	}
	return true
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
		if !representable(sc) {
			return // the format's documented limit: see representable
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
