package journal

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockContention(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	l, err := j.Acquire("20261127T101500Z")
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(dir, Options{Operator: "bob@ctl2"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Acquire("20261127T101600Z")
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("wrong result\ngot: %v\nwant: *LockedError", err)
	}
	host, _ := os.Hostname()
	if le.Holder.Operator != "alice@ctl" || le.Holder.PID != os.Getpid() || le.Holder.Run != "20261127T101500Z" || le.Holder.ID != l.Info.ID || le.Holder.Host != host || le.Dead {
		t.Errorf("wrong holder: %+v dead=%v", le.Holder, le.Dead)
	}
	want := "the configuration is locked by alice@ctl (pid " + itoa(os.Getpid()) + " on " + host +
		") since 2026-11-27T10:15:00Z for run 20261127T101500Z; if that run is dead, run `bwstate force-unlock " + l.Info.ID + "`"
	if err.Error() != want {
		t.Errorf("wrong result\ngot: %s\nwant: %s", err, want)
	}

	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := other.Acquire("20261127T101600Z")
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	l2.Release()
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestLockHeldByDeadProcess(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	host, _ := os.Hostname()
	// Linux pids stay below 2^22, so this one is never alive.
	dead := LockInfo{ID: "0123456789abcdef", Operator: "carol@ctl", PID: 2147483000, Host: host, Time: "2026-11-26T09:00:00Z", Run: "20261126T090000Z"}
	b, _ := json.Marshal(dead)
	os.WriteFile(filepath.Join(dir, LockFile), b, 0o600)

	_, err := j.Acquire("r")
	var le *LockedError
	if !errors.As(err, &le) || !le.Dead {
		t.Fatalf("wrong result\ngot: %v\nwant: a *LockedError with Dead set", err)
	}
	want := "pid 2147483000 is not running on this machine, so that run is dead: run `bwstate force-unlock 0123456789abcdef`"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("wrong result\ngot: %s\nwant it to contain: %s", err, want)
	}

	// On another machine the pid says nothing: not called dead.
	dead.Host = "elsewhere.example.net"
	b, _ = json.Marshal(dead)
	os.WriteFile(filepath.Join(dir, LockFile), b, 0o600)
	_, err = j.Acquire("r")
	if !errors.As(err, &le) || le.Dead {
		t.Errorf("wrong result\ngot: %v\nwant: not dead for a lock of another machine", err)
	}
}

func TestForceUnlock(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	l, err := j.Acquire("r1")
	if err != nil {
		t.Fatal(err)
	}
	err = j.ForceUnlock("ffffffffffffffff")
	want := "force-unlock: the lock id is " + l.Info.ID + " (held by alice@ctl for run r1), not ffffffffffffffff"
	if err == nil || err.Error() != want {
		t.Fatalf("wrong result\ngot: %v\nwant: %s", err, want)
	}
	if _, held, _ := j.LockHolder(); !held {
		t.Fatal("a wrong id removed the lock")
	}
	if err := j.ForceUnlock(l.Info.ID); err != nil {
		t.Fatal(err)
	}
	if err := j.ForceUnlock(l.Info.ID); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("wrong result\ngot: %v\nwant: not locked", err)
	}

	// The broken lock's owner must not release the new holder's lock.
	l2, err := j.Acquire("r2")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err == nil {
		t.Error("releasing a force-unlocked lock succeeded")
	}
	if info, held, _ := j.LockHolder(); !held || info.ID != l2.Info.ID {
		t.Errorf("wrong result\ngot: %+v held=%v\nwant: the second lock still held", info, held)
	}
}

func TestUnreadableLock(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	os.WriteFile(filepath.Join(dir, LockFile), nil, 0o600)
	_, err := j.Acquire("r")
	var le *LockedError
	if !errors.As(err, &le) || !le.Unreadable || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("wrong result\ngot: %v\nwant: an unreadable-lock error", err)
	}
}

// Between taking the lock and naming its run (BeginRun reads the journal
// in between), a holder has no run yet: the message says it is starting.
func TestLockedWhileARunStarts(t *testing.T) {
	dir := t.TempDir()
	j := openAt(t, dir, t0, nil)
	l, err := j.Acquire("")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	other := openAt(t, dir, t0, nil)
	_, err = other.Acquire("r2")
	if err == nil || !strings.Contains(err.Error(), "since 2026-11-27T10:15:00Z while its run was starting; if that run is dead, run `bwstate force-unlock "+l.Info.ID+"`") {
		t.Errorf("wrong result\ngot: %v\nwant: the holder is starting its run", err)
	}
	if err := l.setRun("20261127T101500Z"); err != nil {
		t.Fatal(err)
	}
	if info, _, _ := other.LockHolder(); info.Run != "20261127T101500Z" || info.ID != l.Info.ID {
		t.Errorf("wrong lock after naming the run: %+v", info)
	}
	if st, err := os.Stat(filepath.Join(dir, LockFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("wrong lock file mode: %v, %v", st, err)
	}
}
