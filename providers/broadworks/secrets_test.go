package broadworks

import (
	"os"
	"path/filepath"
	"regexp"
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

// TestProviderMasksKnownSecrets: a session masks in its transcript the
// provider's Secrets (the raw sensitive variables) from the login on, a
// short one only where it stands alone, and, once the engine names them
// (engine.Redactor), the values and whatever the attributes holding them
// hold, in attribute contexts and table columns alike. The reads return
// the real values.
func TestProviderMasksKnownSecrets(t *testing.T) {
	const (
		gsPath  = "Applications/OpenClientServer/GeneralSettings"
		malPath = "System/ManagementAccessList"
		raw     = "R4wTagX9"
		short   = "zq"
	)
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", `
  context "Applications/OpenClientServer/GeneralSettings" {
    systemDomain = "legacy-R4wTagX9.example.net"
  }
  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "zq"
    }
    row {
      host        = "10.9.0.6"
      description = "zqx old value"
    }
  }`)))
	dir := t.TempDir()
	p := newTestProvider(t, Options{TranscriptDir: dir, Secrets: []string{raw, short}}, nil)
	ctx := testCtx(t)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))
	obs, err := s.Read(ctx, gsPath, schemaOf(t, "xsp", gsPath))
	if err != nil {
		t.Fatal(err)
	}
	if got := obs.Attrs["systemDomain"]; got != "legacy-R4wTagX9.example.net" {
		t.Errorf("wrong read\ngot:  %q\nwant: the real value", got)
	}
	if _, err := s.Read(ctx, malPath, schemaOf(t, "xsp", malPath)); err != nil {
		t.Fatal(err)
	}
	// The engine names the description column sensitive (a row declares a
	// value computed from a secret): every row's description is masked
	// from now on, whatever it holds.
	engine.RedactDesired(s, []*engine.Desired{{Path: malPath, Kind: engine.TableContext,
		Rows: [][]engine.Field{{{Name: "host", Value: "10.9.0.7"}, {Name: "description", Value: "new " + raw, Sensitive: true}}}}})
	obs, err = s.Read(ctx, malPath, schemaOf(t, "xsp", malPath))
	if err != nil {
		t.Fatal(err)
	}
	if got := obs.Rows[1]["description"]; got != "zqx old value" {
		t.Errorf("wrong read\ngot:  %q\nwant: the real value", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(files) != 1 {
		t.Fatalf("want one transcript, got %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		`(?m)^  systemDomain = legacy-\*{8}\.example\.net$`,
		// First read: the short secret alone is masked, not inside a word.
		`(?m)^  10\.9\.0\.5 +\*{8}\n  10\.9\.0\.6  zqx old value$`,
		// After the engine named the column: every cell of it.
		`(?m)^  10\.9\.0\.5 +\*{8}\n  10\.9\.0\.6  \*{8}$`,
	} {
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("the transcript lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, raw) {
		t.Errorf("the transcript holds the raw secret:\n%s", text)
	}
}

// TestSensitiveRowKeyMasked: a row key marked sensitive is on the command
// line of a delete or a set; the transcript and the error of a refused
// command show ******** there, and so does the later read of the table.
func TestSensitiveRowKeyMasked(t *testing.T) {
	const malPath = "System/ManagementAccessList"
	f := simtest.Start(t, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", `
  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "NOC"
    }
  }`)))
	dir := t.TempDir()
	p := newTestProvider(t, Options{TranscriptDir: dir}, nil)
	ctx := testCtx(t)
	s := openSession(t, ctx, p, hostOf(t, f, "xsp1"))
	key := []engine.Field{{Name: "host", Value: "10.9.0.77", Sensitive: true}}
	_, err := s.Exec(ctx, engine.Op{Kind: engine.OpSetRow, Path: malPath, Key: key, Attr: "description", Value: "x"})
	if err == nil || strings.Contains(err.Error(), "10.9.0.77") || !strings.Contains(err.Error(), "set ******** description x") {
		t.Errorf("wrong error\ngot:  %v\nwant: the refused set with its key masked", err)
	}
	if _, err := s.Exec(ctx, engine.Op{Kind: engine.OpDeleteRow, Path: malPath, Key: []engine.Field{{Name: "host", Value: "10.9.0.5", Sensitive: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(files) != 1 {
		t.Fatalf("want one transcript, got %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if strings.Contains(text, "10.9.0.77") || strings.Contains(text, "10.9.0.5") {
		t.Errorf("the transcript holds a sensitive key:\n%s", text)
	}
	for _, want := range []string{">>> set ******** description x\n", ">>> delete ********\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, text)
		}
	}
}
