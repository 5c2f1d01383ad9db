package journal

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperEnv makes the test binary a journal writer (TestHelperAppender).
const helperEnv = "BWSTATE_JOURNAL_HELPER"

// TestHelperAppender is not a test: run by TestTwoProcessesAppend with
// BWSTATE_JOURNAL_HELPER=DIR,NAME,N, it appends N records to the journal in
// DIR as host NAME, the way a second bwstate process (an apply, or an
// operator's journal clear-pending) does.
func TestHelperAppender(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("helper process only")
	}
	parts := strings.Split(spec, ",")
	n, _ := strconv.Atoi(parts[2])
	j, err := Open(parts[0], Options{Operator: parts[1] + "@ctl"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := range n {
		if err := j.Append(&Record{Run: parts[1], Kind: KindHostEnd, Host: parts[1], Outcome: "changed", Reason: strconv.Itoa(i)}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(0)
}

// Two real processes (and this one) append to one journal at once: the
// chain stays intact and every record is there, in each writer's order.
// Before appends were locked, each process chained from the tail it had
// cached, and verify soon failed with "seq is 3, want 4".
func TestTwoProcessesAppend(t *testing.T) {
	dir := t.TempDir()
	const n = 50
	var procs []*exec.Cmd
	for _, name := range []string{"p1", "p2"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppender$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%d", helperEnv, dir, name, n))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	j := openAt(t, dir, t0, nil)
	for i := range n {
		if err := j.Append(&Record{Run: "p0", Kind: KindHostEnd, Host: "p0", Outcome: "changed", Reason: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("writer %v: %v", p.Args, err)
		}
	}
	if got, err := j.Verify(); err != nil || got != 3*n {
		t.Fatalf("wrong result\ngot: %d records, %v\nwant: %d, <nil>", got, err, 3*n)
	}
	recs, err := j.Records()
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]int{}
	for _, r := range recs {
		if r.Reason != strconv.Itoa(next[r.Host]) {
			t.Fatalf("writer %s: record %s follows %d", r.Host, r.Reason, next[r.Host]-1)
		}
		next[r.Host]++
	}
	for _, name := range []string{"p0", "p1", "p2"} {
		if next[name] != n {
			t.Errorf("writer %s: %d records, want %d", name, next[name], n)
		}
	}
}

// A writer in the middle of a record holds the file lock: an append
// waits for it and chains after its record, instead of taking the half
// line for a torn one and cutting it off.
func TestAppendNeverCutsARecordBeingWritten(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	sampleRun(t, j, "r1")

	// The other writer's record, sealed as it would chain.
	other := openAt(t, t.TempDir(), t0, nil)
	recs, _ := j.Records()
	rec := &Record{Seq: 8, Prev: recs[6].Hash, Time: "2026-11-27T10:15:00Z", Run: "r2", Kind: KindRunStart, Operator: other.Operator()}
	line, err := seal(rec)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := lockFile(f, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(line[:len(line)/2]); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	appended := make(chan error, 1)
	wg.Go(func() { appended <- j.Append(&Record{Run: "r3", Kind: KindRunStart, Operator: "alice@ctl"}) })
	select {
	case err := <-appended:
		t.Fatalf("the append did not wait for the writer holding the lock: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := f.Write(append(line[len(line)/2:], '\n')); err != nil {
		t.Fatal(err)
	}
	unlockFile(f)
	wg.Wait()
	if err := <-appended; err != nil {
		t.Fatal(err)
	}
	if n, err := j.Verify(); err != nil || n != 9 {
		t.Fatalf("wrong result\ngot: %d, %v\nwant: 9 records, <nil>", n, err)
	}
	if _, err := os.Stat(dir + "/" + TornFile); !os.IsNotExist(err) {
		t.Errorf("a record being written was moved aside as torn: %v", err)
	}
}
