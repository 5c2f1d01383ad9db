package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fuzzRun writes sampleRun's records into a fresh state directory with a
// pinned clock and returns the journal's bytes and records.
func fuzzRun(t testing.TB) ([]byte, []*Record) {
	t.Helper()
	dir := t.TempDir()
	j, err := Open(dir, Options{Operator: "alice@ctl", Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	zero := 0
	for _, r := range []*Record{
		{Run: "r1", Kind: KindRunStart, Operator: "alice@ctl", Mode: "normal", PlanHash: "p", ConfigHash: "c", RestartPolicy: "now", Hosts: []string{"xsp1", "xsp2"}},
		{Run: "r1", Kind: KindPending, Host: "xsp1", App: "OpenClientServer", Reason: "CAPProxy changed"},
		{Run: "r1", Kind: KindChange, Host: "xsp1", Path: "Applications/OpenClientServer/CAPProxy", Action: "update", Attr: "enabled", Before: Str("true"), After: Str("false")},
		{Run: "r1", Kind: KindReply, Host: "xsp1", Command: "set enabled false", Reply: "restart", Text: "*** Warning: restart ***"},
		{Run: "r1", Kind: KindHostEnd, Host: "xsp1", Outcome: "changed"},
		{Run: "r1", Kind: KindRunEnd, Counts: map[string]int{"changed": 1}, ExitCode: &zero},
	} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	recs, err := j.Records()
	if err != nil {
		t.Fatal(err)
	}
	return b, recs
}

// openFuzz opens a state directory holding data as its journal.
func openFuzz(t *testing.T, data []byte) (*Journal, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, JournalFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(dir, Options{Operator: "fuzz@ctl", Now: func() time.Time { return t0 }})
	if err == nil {
		t.Cleanup(func() { j.Close() })
	}
	return j, err
}

// FuzzJournalRecords reads arbitrary bytes as a journal: Open, Records,
// Verify, Pending and Runs never panic, and keep the promises the journal
// commands rely on:
//   - a journal that verifies reads back as exactly its records, numbered
//     1..n;
//   - a torn last line (a killed run) is the only damage Verify excuses,
//     and the next Append repairs it: afterwards the journal verifies with
//     one more record;
//   - appending never hides damage: a journal that did not verify still
//     fails on the same line after an Append.
func FuzzJournalRecords(f *testing.F) {
	valid, _ := fuzzRun(f)
	f.Add(valid)
	f.Add(valid[:len(valid)-7])                                        // torn
	f.Add(bytes.TrimSuffix(valid, []byte("\n")))                       // complete, no newline
	f.Add(bytes.Replace(valid, []byte(`"xsp1"`), []byte(`"xsp9"`), 1)) // edited
	f.Add(append(append([]byte(nil), valid...), '\n'))                 // empty last line
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"seq":1,"prev":"","hash":"x","kind":"run-start"}`))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := openFuzz(t, data)
		if err != nil {
			t.Fatal(err)
		}
		n, verr := j.Verify()
		recs, rerr := j.Records()
		_, _ = j.Runs()
		_, _ = j.Pending()
		_ = j.SecretMatches("xsp1", "a", "b", "c")

		var ve *VerifyError
		if verr != nil && !errors.As(verr, &ve) {
			t.Fatalf("Verify failed without a *VerifyError: %v", verr)
		}
		if ve != nil && ve.Line < 1 {
			t.Fatalf("Verify names line %d", ve.Line)
		}
		if verr == nil || ve.Torn {
			if rerr != nil {
				t.Fatalf("the journal verifies (torn %v) but does not read: %v", ve != nil, rerr)
			}
			if len(recs) != n {
				t.Fatalf("wrong result\ngot: %d records read\nwant: %d verified", len(recs), n)
			}
			for i, r := range recs {
				if r.Seq != int64(i+1) {
					t.Fatalf("record %d has seq %d", i+1, r.Seq)
				}
			}
		}

		if err := j.Append(&Record{Run: "fuzz", Kind: KindRunStart, Operator: "fuzz@ctl"}); err != nil {
			return // Append refuses to chain onto a damaged tail
		}
		n2, verr2 := j.Verify()
		switch {
		case verr == nil || ve.Torn:
			if verr2 != nil || n2 != n+1 {
				t.Fatalf("after an append to a journal that verified (torn %v): %d records, %v; want %d and no error", ve != nil, n2, verr2, n+1)
			}
		default:
			var ve2 *VerifyError
			if !errors.As(verr2, &ve2) || ve2.Line != ve.Line {
				t.Fatalf("appending hid damage\ngot: %v\nwant: the error of line %d again", verr2, ve.Line)
			}
		}
	})
}

// FuzzVerify damages a valid journal in one place (a byte replaced,
// deleted or inserted; a line deleted, repeated or moved) and checks that
// Verify notices: either it fails, or what it verifies reads back as
// exactly the records written (a change JSON does not see, such as white
// space after a record, changes nothing).
func FuzzVerify(f *testing.F) {
	for op := range uint8(6) {
		for _, pos := range []uint16{0, 1, 9, 40, 200, 500, 1000, 2000} {
			f.Add(op, pos, uint16(3), byte('x'))
		}
	}
	f.Add(uint8(0), uint16(0xffff), uint16(0), byte(' '))
	f.Fuzz(func(t *testing.T, op uint8, pos, other uint16, b byte) {
		orig, want := fuzzRun(t)
		data := mutate(orig, op, int(pos), int(other), b)
		if bytes.Equal(data, orig) {
			return
		}
		j, err := openFuzz(t, data)
		if err != nil {
			return
		}
		_, verr := j.Verify()
		if verr != nil {
			return
		}
		got, err := j.Records()
		if err != nil {
			t.Fatalf("verified but unreadable: %v", err)
		}
		// Records removed from the end leave a valid, shorter chain: a
		// hash chain cannot tell, only a copy of the last hash kept
		// elsewhere can (docs/security.md). Anything else must be caught.
		if len(got) < len(want) && cmp.Equal(want[:len(got)], got) {
			return
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("a damaged journal verified with different records (-want +got):\n%s\ndamaged:\n%s", diff, data)
		}
	})
}

// mutate applies one kind of damage to a copy of data.
func mutate(data []byte, op uint8, pos, other int, b byte) []byte {
	out := append([]byte(nil), data...)
	lines := bytes.SplitAfter(out, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	switch op % 6 {
	case 0: // replace a byte
		out[pos%len(out)] = b
	case 1: // delete a byte
		i := pos % len(out)
		out = append(out[:i], out[i+1:]...)
	case 2: // insert a byte
		i := pos % (len(out) + 1)
		out = append(out[:i], append([]byte{b}, out[i:]...)...)
	case 3: // delete a line
		i := pos % len(lines)
		out = bytes.Join(append(lines[:i:i], lines[i+1:]...), nil)
	case 4: // repeat a line
		i := pos % len(lines)
		rest := append([][]byte{lines[i]}, lines[i:]...)
		out = bytes.Join(append(lines[:i:i], rest...), nil)
	case 5: // swap two lines
		i, k := pos%len(lines), other%len(lines)
		lines[i], lines[k] = lines[k], lines[i]
		out = bytes.Join(lines, nil)
	}
	return out
}

// FuzzLockFile reads arbitrary bytes as the lock file: LockHolder,
// Acquire and ForceUnlock never panic, a second Acquire always fails with
// a *LockedError (whatever the file holds, its existence is the lock), and
// a lock that reads as held always has an id to force-unlock it with.
func FuzzLockFile(f *testing.F) {
	f.Add([]byte(`{"id":"0123456789abcdef","operator":"bob@ctl","pid":1,"host":"ctl","time":"2026-11-27T10:15:00Z","run":"r1"}`))
	f.Add([]byte(`{"id":""}`))
	f.Add([]byte(`{"pid":-1,"id":"x"}`))
	f.Add([]byte(`{`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, LockFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := Open(dir, Options{Operator: "fuzz@ctl", Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		info, held, err := j.LockHolder()
		if !held {
			t.Fatal("an existing lock file reads as not held")
		}
		if err == nil && info.ID == "" {
			t.Fatal("a held lock without an id cannot be force-unlocked")
		}
		_, aerr := j.Acquire("r2")
		var le *LockedError
		if !errors.As(aerr, &le) {
			t.Fatalf("wrong result\ngot: %v\nwant: a *LockedError", aerr)
		}
		if (err != nil) != le.Unreadable {
			t.Fatalf("LockHolder error %v but LockedError.Unreadable %v", err, le.Unreadable)
		}
		_ = le.Error()
		if err := j.ForceUnlock("not-the-id"); err == nil && info.ID != "not-the-id" {
			t.Fatal("force-unlock removed a lock with another id")
		}
	})
}

// TestAppendRefusesUnterminatedNonRecord pins a fix FuzzJournalRecords
// found: a last line that is a whole JSON object without a hash and
// without its newline was taken for a torn write, so the next apply moved
// it aside and verify passed afterwards. A torn write cannot produce a
// whole object, so it is damage: Append refuses, as for a complete line.
func TestAppendRefusesUnterminatedNonRecord(t *testing.T) {
	valid, _ := fuzzRun(t)
	tests := map[string]struct {
		data    []byte
		wantErr bool
	}{
		"object without hash":             {data: []byte("{}"), wantErr: true},
		"record line then bare object":    {data: append(append([]byte(nil), valid...), `{"seq":7}`...), wantErr: true},
		"torn record":                     {data: valid[:len(valid)-7]},
		"last record without newline":     {data: bytes.TrimSuffix(valid, []byte("\n"))},
		"complete line that is no record": {data: append(append([]byte(nil), valid...), "{}\n"...), wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			j, err := openFuzz(t, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			err = j.Append(&Record{Run: "r2", Kind: KindRunStart})
			if (err != nil) != tc.wantErr {
				t.Errorf("wrong result\ngot: %v\nwant: error %v", err, tc.wantErr)
			}
		})
	}
}
