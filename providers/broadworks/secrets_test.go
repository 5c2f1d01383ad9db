package broadworks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"github.com/google/go-cmp/cmp"
)

// TestSecrets sets a prompted password (typed at `New Password:`) and a
// sensitive attribute, then checks that the host stores them and that
// neither the host's command log nor any transcript holds them.
func TestSecrets(t *testing.T) {
	const (
		cisPath   = "Applications/AuthenticationService/CISTokenValidation"
		agentPath = "Interface/SNMP/Agent"
		secret    = "Cl1ent-S3cret-7f3a"
		community = "c0mmunity-9b2e"
	)
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
	sh := f.Host("xsp1")
	ctx := testCtx(t)
	dir := t.TempDir()
	p := newTestProvider(t, Options{TranscriptDir: dir}, nil)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))

	r, err := s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: cisPath, Attr: "clientSecret", Value: secret, Sensitive: true, Prompted: true})
	if err != nil {
		t.Fatalf("set clientSecret: %v", err)
	}
	if r.Kind != engine.ReplyRestart {
		t.Errorf("wrong reply\ngot: %v %q\nwant: restart (AuthenticationService)", r.Kind, r.Text)
	}
	if got, _ := sh.Value(cisPath, "clientSecret"); got != secret {
		t.Errorf("wrong stored secret\ngot: %q\nwant: the value typed at the prompt", got)
	}
	obs, err := s.Read(ctx, cisPath, schemaOf(t, "xsp", cisPath))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	// The server masks passwords, so the live value cannot be read back.
	if got := obs.Attrs["clientSecret"]; got != "********" {
		t.Errorf("wrong read\ngot: %q\nwant: ********", got)
	}

	if _, err := s.Exec(ctx, engine.Op{Kind: engine.OpSet, Path: agentPath, Attr: "readCommunity", Value: community, Sensitive: true}); err != nil {
		t.Fatalf("set readCommunity: %v", err)
	}
	obs, err = s.Read(ctx, agentPath, schemaOf(t, "xsp", agentPath))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	// The engine gets the live value to diff; only logs are redacted.
	if got := obs.Attrs["readCommunity"]; got != community {
		t.Errorf("wrong read\ngot: %q\nwant: the community just set", got)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	wantCmds := []string{
		"shell bwcli",
		"cli cd /" + cisPath,
		"cli set clientSecret",
		"cli get",
		"cli cd /" + agentPath,
		"cli set readCommunity " + community, // the server itself receives it
		"cli get",
		"cli exit",
		"cli y",
	}
	if diff := cmp.Diff(wantCmds, commandLines(sh.Commands())); diff != "" {
		t.Errorf("wrong commands on the host (-want +got)\n%s", diff)
	}
	log, err := os.ReadFile(f.CommandLogPath())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(log), secret) {
		t.Errorf("the prompted secret is in the host's command log:\n%s", log)
	}

	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || !strings.HasPrefix(filepath.Base(files[0]), "xsp1-") || !strings.HasSuffix(files[0], ".log") {
		t.Fatalf("wrong transcripts\ngot: %v\nwant: one xsp1-TIME.log", files)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, v := range []string{secret, community} {
			if strings.Contains(text, v) {
				t.Errorf("%s holds a secret value:\n%s", name, text)
			}
		}
		// The transcript was written: it records the exchange, redacted.
		for _, want := range []string{">>> set clientSecret", "(sensitive)", ">>> set readCommunity ********", "readCommunity = ********"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, text)
			}
		}
	}
}

// TestTranscriptNames: sessions opened in the same instant to the same host
// each get their own transcript file, never one shared by two sessions.
func TestTranscriptNames(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for range 5 {
		f, err := createTranscript(dir, "xsp1/../x")
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		t.Cleanup(func() { _ = f.Close() })
		name := filepath.Base(f.Name())
		if seen[name] {
			t.Errorf("transcript %s handed out twice", name)
		}
		seen[name] = true
		if filepath.Dir(f.Name()) != dir || !strings.HasPrefix(name, "xsp1_.._x-") {
			t.Errorf("wrong result\ngot: %s\nwant: %s/xsp1_.._x-TIME.log", f.Name(), dir)
		}
	}
}
