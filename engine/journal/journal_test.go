package journal

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/digest"
)

var t0 = time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC)

func openAt(t *testing.T, dir string, now time.Time, log *slog.Logger) *Journal {
	t.Helper()
	j, err := Open(dir, Options{Operator: "alice@ctl", Now: func() time.Time { return now }, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func appendAll(t *testing.T, j *Journal, recs ...*Record) {
	t.Helper()
	for _, r := range recs {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
}

// sampleRun writes a small but complete run and returns the journal path.
func sampleRun(t *testing.T, j *Journal, run string) {
	t.Helper()
	zero := 0
	appendAll(t, j,
		&Record{Run: run, Kind: KindRunStart, Operator: j.Operator(), Mode: "normal", PlanHash: "p", ConfigHash: "c", RestartPolicy: "now", Hosts: []string{"xsp1", "xsp2"}},
		&Record{Run: run, Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed"},
		&Record{Run: run, Kind: KindChange, Host: "xsp1", Path: "Applications/OpenClientServer/CAPProxy", Action: "update", Attr: "enabled", Before: Str("true"), After: Str("false")},
		&Record{Run: run, Kind: KindReply, Host: "xsp1", Command: "set enabled false", Reply: "restart", Text: "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***"},
		&Record{Run: run, Kind: KindHostEnd, Host: "xsp1", Outcome: "changed"},
		&Record{Run: run, Kind: KindHostEnd, Host: "xsp2", Outcome: "unchanged"},
		&Record{Run: run, Kind: KindRunEnd, Counts: map[string]int{"changed": 1, "unchanged": 1}, ExitCode: &zero},
	)
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func writeLines(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestChainVerifies(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	sampleRun(t, j, "20261127T101500Z")
	j.Close()

	// A second process continues the chain from the file's tail.
	j2 := openAt(t, dir, t0.Add(time.Hour), nil)
	sampleRun(t, j2, "20261127T111500Z")
	n, err := j2.Verify()
	if err != nil || n != 14 {
		t.Fatalf("wrong result\ngot: %d, %v\nwant: 14, <nil>", n, err)
	}
	recs, err := j2.Records()
	if err != nil {
		t.Fatal(err)
	}
	if recs[7].Seq != 8 || recs[7].Prev != recs[6].Hash || recs[0].Prev != "" {
		t.Errorf("chain fields wrong: rec8 seq=%d prev=%q, rec7 hash=%q, rec1 prev=%q", recs[7].Seq, recs[7].Prev, recs[6].Hash, recs[0].Prev)
	}
	if recs[0].Time != "2026-11-27T10:15:00Z" {
		t.Errorf("wrong result\ngot: %s\nwant: 2026-11-27T10:15:00Z", recs[0].Time)
	}
}

func TestVerifyDetectsEdits(t *testing.T) {
	tests := map[string]struct {
		edit     func([]string) []string
		wantLine int
		want     string
	}{
		"byte changed": {
			edit: func(l []string) []string {
				l[2] = strings.Replace(l[2], `"after":"false"`, `"after":"fals3"`, 1)
				return l
			},
			wantLine: 3, want: "hash mismatch",
		},
		"hash field changed": {
			edit: func(l []string) []string {
				i := strings.Index(l[4], `"hash":"`) + len(`"hash":"`)
				c := "0"
				if l[4][i] == '0' {
					c = "1"
				}
				l[4] = l[4][:i] + c + l[4][i+1:]
				return l
			},
			wantLine: 5, want: "hash mismatch",
		},
		"line deleted": {
			edit:     func(l []string) []string { return append(l[:3:3], l[4:]...) },
			wantLine: 4, want: "seq is 5, want 4",
		},
		"lines swapped": {
			edit: func(l []string) []string {
				l[1], l[2] = l[2], l[1]
				return l
			},
			wantLine: 2, want: "seq is 3, want 2",
		},
		"line inserted": {
			edit: func(l []string) []string {
				out := append([]string{}, l[:2]...)
				out = append(out, l[1])
				return append(out, l[2:]...)
			},
			wantLine: 3, want: "seq is 2, want 3",
		},
		"first line deleted": {
			edit:     func(l []string) []string { return l[1:] },
			wantLine: 1, want: "seq is 2, want 1",
		},
		"garbage line": {
			edit: func(l []string) []string {
				l[3] = "not json"
				return l
			},
			wantLine: 4, want: "not a valid record",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			j := openAt(t, dir, t0, nil)
			sampleRun(t, j, "20261127T101500Z")
			writeLines(t, j.Path(), tc.edit(readLines(t, j.Path())))
			_, err := j.Verify()
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("wrong result\ngot: %v\nwant: a *VerifyError", err)
			}
			if ve.Line != tc.wantLine || !strings.Contains(ve.Problem, tc.want) || ve.Torn {
				t.Errorf("wrong result\ngot: line %d: %s (torn %v)\nwant: line %d: ...%s...", ve.Line, ve.Problem, ve.Torn, tc.wantLine, tc.want)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("message does not name the line: %v", err)
			}
		})
	}
}

func TestTornLastLine(t *testing.T) {
	dir := t.TempDir()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	j := openAt(t, dir, t0, log)
	sampleRun(t, j, "20261127T101500Z")
	j.Close()
	torn := `{"seq":8,"prev":"abc","hash":"de`
	f, err := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(torn)
	f.Close()

	n, err := j.Verify()
	var ve *VerifyError
	if !errors.As(err, &ve) || !ve.Torn || ve.Line != 8 || n != 7 {
		t.Fatalf("wrong result\ngot: %d, %v\nwant: 7 records and a torn-record error on line 8", n, err)
	}

	recs, err := j.Records()
	if err != nil || len(recs) != 7 {
		t.Fatalf("wrong result\ngot: %d records, %v\nwant: 7, <nil>", len(recs), err)
	}
	if !strings.Contains(logBuf.String(), "torn") {
		t.Errorf("readers must warn about the torn record; log:\n%s", logBuf.String())
	}

	// A new process appends: the torn bytes move aside and the chain goes on.
	logBuf.Reset()
	j2 := openAt(t, dir, t0, log)
	sampleRun(t, j2, "20261127T111500Z")
	if !strings.Contains(logBuf.String(), "torn") {
		t.Errorf("the append must warn about the torn record; log:\n%s", logBuf.String())
	}
	if n, err := j2.Verify(); err != nil || n != 14 {
		t.Fatalf("after repair: wrong result\ngot: %d, %v\nwant: 14, <nil>", n, err)
	}
	saved, err := os.ReadFile(filepath.Join(dir, TornFile))
	if err != nil || strings.TrimSpace(string(saved)) != torn {
		t.Errorf("wrong result\ngot: %q, %v\nwant: the torn bytes %q", saved, err, torn)
	}
}

func TestCompleteLastLineWithoutNewline(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	sampleRun(t, j, "r1")
	j.Close()
	b, _ := os.ReadFile(j.Path())
	os.WriteFile(j.Path(), bytes.TrimSuffix(b, []byte("\n")), 0o600)
	if n, err := j.Verify(); err != nil || n != 7 {
		t.Fatalf("wrong result\ngot: %d, %v\nwant: 7, <nil>", n, err)
	}
	j2 := openAt(t, dir, t0, nil)
	sampleRun(t, j2, "r2")
	if n, err := j2.Verify(); err != nil || n != 14 {
		t.Fatalf("wrong result\ngot: %d, %v\nwant: 14, <nil>", n, err)
	}
}

func TestConcurrentAppendsKeepTheChain(t *testing.T) {
	j := openAt(t, t.TempDir(), t0, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 10 {
				if err := j.Append(&Record{Run: "r", Kind: KindHostEnd, Host: "xsp" + string(rune('0'+i)), Outcome: "changed"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n, err := j.Verify(); err != nil || n != 80 {
		t.Fatalf("wrong result\ngot: %d, %v\nwant: 80, <nil>", n, err)
	}
}

func TestPendingAcrossRuns(t *testing.T) {
	j := openAt(t, t.TempDir(), t0, nil)
	appendAll(t, j,
		// run 1 defers two restarts and hits a restart warning nobody knows.
		&Record{Run: "r1", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed"},
		&Record{Run: "r1", Kind: KindPending, Host: "xsp2", App: "OpenClientServer", Reason: "CAPProxy changed"},
		&Record{Run: "r1", Kind: KindPending, Host: "xsp2", App: "", Reason: "Interface/Foo changed", Text: "A restart is required for the change to take effect.", Message: UnknownAppMessage},
		// run 2 adds a reason on xsp1 and restarts xsp2's OpenClientServer.
		&Record{Run: "r2", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "OCIProxy changed"},
		&Record{Run: "r2", Kind: KindPending, Host: "xsp1", App: "AuthenticationService", Reason: "CISTokenValidation changed"},
		&Record{Run: "r2", Kind: KindPendingCleared, Host: "xsp2", App: "OpenClientServer", Since: "r1"},
		// run 3 restarts AuthenticationService on xsp1.
		&Record{Run: "r3", Kind: KindPendingCleared, Host: "xsp1", App: "AuthenticationService", Since: "r2"},
	)
	got, err := j.Pending()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]*engine.Restart{
		"xsp1": {{App: "OpenClientServer", Pending: true, PendingSince: "r1", Reasons: []string{"CAPProxy changed", "OCIProxy changed"}}},
		"xsp2": {{App: "", Pending: true, PendingSince: "r1", Reasons: []string{
			"Interface/Foo changed", "server said: A restart is required for the change to take effect.", UnknownAppMessage}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}

	// The operator acknowledges the unknown-application restart.
	if err := j.ClearPending("xsp2", "", "restarted by hand"); err != nil {
		t.Fatal(err)
	}
	got, _ = j.Pending()
	if _, ok := got["xsp2"]; ok {
		t.Errorf("xsp2 still pending after ClearPending: %v", got["xsp2"])
	}
	recs, _ := j.Records()
	last := recs[len(recs)-1]
	if last.Kind != KindPendingCleared || last.Operator != "alice@ctl" || last.Since != "r1" || last.Reason != "restarted by hand" {
		t.Errorf("wrong clear record: %+v", last)
	}
	err = j.ClearPending("xsp2", "", "again")
	if err == nil || err.Error() != "clear pending restart: no restart of an unknown application is pending on xsp2" {
		t.Errorf("wrong result\ngot: %v\nwant: an error saying nothing is pending", err)
	}
}

func TestSecretsNeverWritten(t *testing.T) {
	j := openAt(t, t.TempDir(), t0, nil)
	const secret = "s3cr3t-community"
	hash, err := j.HashSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, j, &Record{Run: "r1", Kind: KindChange, Host: "xsp1", Path: "Interface/SNMP/Agent", Attr: "readCommunity",
		Before: Str(Redacted), After: Str(Redacted), Sensitive: true, ValueHash: hash})
	b, _ := os.ReadFile(j.Path())
	if strings.Contains(string(b), secret) {
		t.Fatalf("the secret is in the journal:\n%s", b)
	}
	tests := map[string]struct {
		host, path, attr, value string
		want                    bool
	}{
		"same value":          {"xsp1", "Interface/SNMP/Agent", "readCommunity", secret, true},
		"case and slash":      {"xsp1", "/interface/snmp/agent", "READCOMMUNITY", secret, true},
		"other value":         {"xsp1", "Interface/SNMP/Agent", "readCommunity", "other", false},
		"other host":          {"xsp2", "Interface/SNMP/Agent", "readCommunity", secret, false},
		"never recorded attr": {"xsp1", "Interface/SNMP/Agent", "writeCommunity", secret, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := j.SecretMatches(tc.host, tc.path, tc.attr, tc.value); got != tc.want {
				t.Errorf("wrong result\ngot: %v\nwant: %v", got, tc.want)
			}
		})
	}
}

// The hash key is made once, kept private, and shared by every process of
// the state directory; plan (SecretMatches) never creates it.
func TestKeyIsStableAndPrivate(t *testing.T) {
	dir := t.TempDir()
	j1 := openAt(t, dir, t0, nil)
	if j1.SecretMatches("xsp1", "A", "b", "x") {
		t.Error("a secret matched with nothing recorded")
	}
	if _, err := os.Stat(filepath.Join(dir, digest.KeyFile)); !os.IsNotExist(err) {
		t.Errorf("reading the journal created the key: %v", err)
	}
	j2 := openAt(t, dir, t0, nil)
	h1, err1 := j1.HashSecret("x")
	h2, err2 := j2.HashSecret("x")
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if h1 != h2 || !strings.HasPrefix(h1, "hmac-sha256:") {
		t.Errorf("wrong result\ngot: %q and %q\nwant: one keyed hash", h1, h2)
	}
	st, err := os.Stat(filepath.Join(dir, digest.KeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("wrong result\ngot: %v, %v\nwant: mode 0600", st.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(dir, SaltFile)); !os.IsNotExist(err) {
		t.Errorf("a salt file was created: %v", err)
	}
}

// Journals written by an earlier bwstate hold hex(sha256(salt + value))
// with .bwstate/salt: a later plan still compares them while the salt file
// is there, so an upgrade does not set every write-only secret again. A
// record hashed with another key (the key file was recreated) compares as
// unknown.
func TestSecretMatchesOldRecords(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	const salt, secret = "5a17", "old-secret"
	appendAll(t, j,
		&Record{Run: "r1", Kind: KindChange, Host: "xsp1", Path: "A", Attr: "legacy", Sensitive: true, ValueHash: digest.Legacy(salt, secret)},
		&Record{Run: "r1", Kind: KindChange, Host: "xsp1", Path: "A", Attr: "foreign", Sensitive: true, ValueHash: "hmac-sha256:00000000:" + strings.Repeat("ab", 32)},
	)
	if j.SecretMatches("xsp1", "A", "legacy", secret) {
		t.Error("a salted record matched without the salt file")
	}
	if err := os.WriteFile(filepath.Join(dir, SaltFile), []byte(salt+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !j.SecretMatches("xsp1", "A", "legacy", secret) || j.SecretMatches("xsp1", "A", "legacy", "other") {
		t.Error("a salted record of an earlier bwstate does not compare with .bwstate/salt")
	}
	if _, err := j.HashSecret("x"); err != nil {
		t.Fatal(err)
	}
	if j.SecretMatches("xsp1", "A", "foreign", secret) {
		t.Error("a record hashed with another key matched")
	}
}

// Runs are named after the time they begin, uniquely: a name used by a run
// of the journal or by a run directory gets -2, -3, ...; a run that writes
// nothing leaves no directory.
func TestRunIDsAreUnique(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	var got []string
	for range 3 {
		run, err := j.BeginRun()
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Start(RunStart{Mode: engine.ModeNormal}); err != nil {
			t.Fatal(err)
		}
		holder, held, err := j.LockHolder()
		if err != nil || !held || holder.Run != run.ID() {
			t.Errorf("wrong lock\ngot: %+v, %v, %v\nwant: held for run %s", holder, held, err, run.ID())
		}
		got = append(got, run.ID())
		if err := run.Release(); err != nil {
			t.Fatal(err)
		}
	}
	// An old bwstate reserved names with a directory.
	if err := os.MkdirAll(j.RunDir("20261127T101500Z-4"), 0o700); err != nil {
		t.Fatal(err)
	}
	run, err := j.BeginRun()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, run.ID())
	if _, err := run.Dir(); err != nil {
		t.Fatal(err)
	}
	run.Release()
	want := []string{"20261127T101500Z", "20261127T101500Z-2", "20261127T101500Z-3", "20261127T101500Z-5"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, RunsDir))
	var dirs []string
	for _, e := range entries {
		dirs = append(dirs, e.Name())
	}
	if d := cmp.Diff([]string{"20261127T101500Z-4", "20261127T101500Z-5"}, dirs); d != "" {
		t.Errorf("wrong run directories (-want +got):\n%s", d)
	}
}

// BeginRun takes the lock before it reads the journal, refuses one that
// fails verification (and gives the lock back), and refuses records before
// the run-start.
func TestBeginRun(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	sampleRun(t, j, "r1")
	appendAll(t, j, &Record{Run: "r2", Kind: KindPending, Host: "xsp9", App: "OpenClientServer", Reason: "CAPProxy changed"})

	other := openAt(t, dir, t0, nil)
	held, err := other.Acquire("other")
	if err != nil {
		t.Fatal(err)
	}
	var le *LockedError
	if _, err := j.BeginRun(); !errors.As(err, &le) || le.Holder.Run != "other" {
		t.Fatalf("wrong result\ngot: %v\nwant: a *LockedError naming run other", err)
	}
	held.Release()

	run, err := j.BeginRun()
	if err != nil {
		t.Fatal(err)
	}
	if p := run.Pending()["xsp9"]; len(p) != 1 || p[0].PendingSince != "r2" {
		t.Errorf("wrong pending\ngot: %+v\nwant: xsp9's restart pending since r2", run.Pending())
	}
	if err := run.Append(&Record{Kind: KindHostEnd, Host: "xsp1"}); err == nil || !strings.Contains(err.Error(), "before the run-start record") {
		t.Errorf("wrong result\ngot: %v\nwant: no record before run-start", err)
	}
	run.Release()

	lines := readLines(t, j.Path())
	lines[2] = strings.Replace(lines[2], `"after":"false"`, `"after":"fals3"`, 1)
	writeLines(t, j.Path(), lines)
	_, err = j.BeginRun()
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Line != 3 || !strings.HasPrefix(err.Error(), "the journal fails verification: ") {
		t.Fatalf("wrong result\ngot: %v\nwant: the journal fails verification at line 3", err)
	}
	if _, held, _ := j.LockHolder(); held {
		t.Error("a refused run kept the lock")
	}
	if n := len(readLines(t, j.Path())); n != 8 {
		t.Errorf("wrong result\ngot: %d lines\nwant: nothing appended to a tampered journal", n)
	}
}

func TestRuns(t *testing.T) {
	j := openAt(t, t.TempDir(), t0, nil)
	sampleRun(t, j, "r1")
	appendAll(t, j,
		&Record{Run: "r2", Kind: KindRunStart, Operator: "bob@ctl", Mode: "restarts-only"},
		&Record{Run: "r2", Kind: KindHostEnd, Host: "xsp1", Outcome: "failed"},
		&Record{Kind: KindPendingCleared, Host: "xsp1", App: "X", Operator: "bob@ctl"},
	)
	got, err := j.Runs()
	if err != nil {
		t.Fatal(err)
	}
	want := []RunSummary{
		{ID: "r1", Time: "2026-11-27T10:15:00Z", Operator: "alice@ctl", Mode: "normal", Counts: map[string]int{"changed": 1, "unchanged": 1}, Outcome: "complete"},
		{ID: "r2", Time: "2026-11-27T10:15:00Z", Operator: "bob@ctl", Mode: "restarts-only", Counts: map[string]int{"failed": 1}, Outcome: "incomplete"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}
}
