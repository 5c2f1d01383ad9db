package broadworks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"github.com/google/go-cmp/cmp"
)

// replayWork is what TestReplayRoundTrip does through a session: read
// facts, an attribute context and a table (behind a size question), set a
// value and read it back, and probe health.
func replayWork(t *testing.T, s engine.Session) (got []string) {
	t.Helper()
	ctx := testCtx(t)
	facts, err := s.Facts(ctx)
	if err != nil {
		t.Fatalf("facts: %v", err)
	}
	got = append(got, fmt.Sprintf("facts: %+v", *facts))
	for _, path := range []string{"Applications/OpenClientServer/CAPProxy", "System/ManagementAccessList"} {
		obs, err := s.Read(ctx, path, schemaOf(t, "xsp", path))
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		got = append(got, fmt.Sprintf("read %s: %+v %+v", path, obs.Attrs, obs.Rows))
	}
	r, err := s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: "Applications/OpenClientServer/CAPProxy", Attr: "serverPort", Value: "2207"})
	if err != nil {
		t.Fatalf("set: %v", err)
	}
	got = append(got, fmt.Sprintf("set: %v %q", r.Kind, r.Text))
	obs, err := s.Read(ctx, "Applications/OpenClientServer/CAPProxy", schemaOf(t, "xsp", "Applications/OpenClientServer/CAPProxy"))
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	got = append(got, fmt.Sprintf("read back: %+v", obs.Attrs))
	h, err := s.Health(ctx, "")
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	got = append(got, fmt.Sprintf("health: %+v", *h))
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return got
}

// TestReplayRoundTrip records a session with a simulated host through the
// provider (Options.TranscriptDir, what BWSTATE_TRANSCRIPT_DIR sets), serves
// the transcript from a replay host, and runs the same work against it:
// every value read is the same, the replay host receives the same
// commands, and its answers did not depend on state (the set changed
// nothing there; the read back is the recorded one).
func TestReplayRoundTrip(t *testing.T) {
	live := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", `
  patches           = ["AP.xsp.24.0.944.ap378111"]
  size_confirm_rows = 2
  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "NOC"
    }
    row {
      host        = "10.9.0.6"
      description = "Backup NOC"
    }
    row {
      host        = "10.9.0.7"
      description = "\u001b]0;pwned\u0007\u001b[2J evil\u0085 C:\\x41"
    }
  }`)))
	dir := t.TempDir()
	p := newTestProvider(t, Options{TranscriptDir: dir}, nil)
	want := replayWork(t, openSession(t, testCtx(t), p, hostOf(t, live, "xsp1")))
	files, err := filepath.Glob(filepath.Join(dir, "xsp1-*.log"))
	if err != nil || len(files) != 1 {
		t.Fatalf("want one transcript, got %v (%v)", files, err)
	}
	transcript, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The recording holds the size question and its answer.
	if !strings.Contains(string(transcript), "About to access 3 entries. Continue?\nPlease confirm (Yes, Y, No, N): \n>>> y\n") {
		t.Fatalf("the transcript lacks the size question:\n%s", transcript)
	}
	// The value with control characters is read as the server holds it,
	// and recorded escaped, so the transcript is safe to read and replays
	// it exactly.
	const hostile = "\x1b]0;pwned\x07\x1b[2J evil\u0085 C:\\x41"
	if !strings.Contains(strings.Join(want, "\n"), "description:"+hostile) {
		t.Errorf("the read lost the value as printed:\n%s", strings.Join(want, "\n"))
	}
	if !strings.Contains(string(transcript), `\x1b]0;pwned\x07\x1b[2J evil\u0085 C:\\x41`) {
		t.Errorf("the transcript does not hold the value escaped:\n%s", transcript)
	}
	if i := strings.IndexFunc(string(transcript), func(r rune) bool { return r != '\n' && unicode.IsControl(r) }); i >= 0 {
		t.Errorf("the transcript holds a raw control character at byte %d", i)
	}

	replay := simtest.Start(t, fmt.Sprintf("sim_host %q {\n  listen = \"127.0.0.1:0\"\n  replay = %q\n}\n", "xsp1", files[0]))
	if h := replay.Host("xsp1"); h.Type() != "xsp" || h.Release() != "Rel_24.0_1.944" {
		t.Errorf("wrong type and release from the transcript\ngot: %s %s\nwant: xsp Rel_24.0_1.944", h.Type(), h.Release())
	}
	p2 := newTestProvider(t, Options{}, nil)
	got := replayWork(t, openSession(t, testCtx(t), p2, hostOf(t, replay, "xsp1")))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the replay answered differently (-recorded +replayed):\n%s", diff)
	}
	if diff := cmp.Diff(commandLines(live.Host("xsp1").Commands()), commandLines(replay.Host("xsp1").Commands())); diff != "" {
		t.Errorf("the replay host received other commands (-live +replay):\n%s", diff)
	}
	// A replay does not change: a second session reads the recorded
	// values again, from the start.
	p3 := newTestProvider(t, Options{}, nil)
	again := replayWork(t, openSession(t, testCtx(t), p3, hostOf(t, replay, "xsp1")))
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("a second replay answered differently (-recorded +replayed):\n%s", diff)
	}
}

// TestReplayUnknownCommand: a command the transcript does not hold is
// answered `Invalid command`, which the driver reports as a CLI error
// naming the command, and the session stays usable.
func TestReplayUnknownCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "as1.log")
	transcript := "bwadmin@as1$ \n>>> bwcli\nbwcli\n" +
		"======================================================================\n" +
		"BroadWorks Command Line Interface\n  Type HELP for more information\n" +
		"======================================================================\n\nAS_CLI> \n" +
		">>> cd /Interface/SIP\ncd /Interface/SIP\nAS_CLI/Interface/SIP> \n" +
		">>> get\nget\n  enabled = true\n  sipPort = 5075\nAS_CLI/Interface/SIP> "
	if err := os.WriteFile(path, []byte(transcript), 0o644); err != nil {
		t.Fatal(err)
	}
	f := simtest.Start(t, fmt.Sprintf("sim_host \"as1\" {\n  listen = \"127.0.0.1:0\"\n  type = \"as\"\n  replay = %q\n}\n", path))
	p := newTestProvider(t, Options{}, nil)
	s := openSession(t, testCtx(t), p, hostOf(t, f, "as1"))
	ctx := testCtx(t)
	if _, err := s.Read(ctx, "System/ManagementAccessList", schemaOf(t, "as", "System/ManagementAccessList")); err == nil || !strings.Contains(err.Error(), "Invalid command") {
		t.Errorf("wrong error for an unrecorded path\ngot: %v\nwant: Invalid command", err)
	}
	obs, err := s.Read(ctx, "Interface/SIP", schemaOf(t, "as", "Interface/SIP"))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if obs.Attrs["sipPort"] != "5075" {
		t.Errorf("wrong value\ngot: %q\nwant: 5075 (as recorded)", obs.Attrs["sipPort"])
	}
}
