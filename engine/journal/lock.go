package journal

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// LockInfo is the content of DIR/lock: who holds the configuration.
type LockInfo struct {
	// ID is what `bwstate force-unlock ID` must name.
	ID       string `json:"id"`
	Operator string `json:"operator"`
	PID      int    `json:"pid"`
	// Host is the controller's hostname: a pid means nothing elsewhere.
	Host string `json:"host"`
	Time string `json:"time"`
	Run  string `json:"run"`
}

// Lock is a held configuration lock.
type Lock struct {
	Info LockInfo
	path string
}

// LockedError is returned by Acquire when another run holds the lock.
type LockedError struct {
	Path   string
	Holder LockInfo
	// Unreadable is set when the lock file exists but cannot be decoded
	// (a run killed while creating it); Holder is then empty.
	Unreadable bool
	// Dead is set when the holder ran on this machine and its pid is no
	// longer alive: the lock is certainly stale.
	Dead bool
}

func (e *LockedError) Error() string {
	if e.Unreadable {
		return fmt.Sprintf("the configuration is locked, but the lock file %s cannot be read; "+
			"if no bwstate apply is running, delete that file", e.Path)
	}
	h := e.Holder
	run := "for run " + h.Run
	if h.Run == "" {
		// BeginRun names the run once it holds the lock and has read the
		// journal: the holder is starting.
		run = "while its run was starting"
	}
	msg := fmt.Sprintf("the configuration is locked by %s (pid %d on %s) since %s %s",
		h.Operator, h.PID, h.Host, h.Time, run)
	if e.Dead {
		return msg + fmt.Sprintf("; pid %d is not running on this machine, so that run is dead: run `bwstate force-unlock %s`", h.PID, h.ID)
	}
	return msg + fmt.Sprintf("; if that run is dead, run `bwstate force-unlock %s`", h.ID)
}

func (j *Journal) lockPath() string { return filepath.Join(j.dir, LockFile) }

// Acquire takes the configuration lock for run ("" when the run has no
// id yet: BeginRun names it once it holds the lock). When another run holds
// it the error is a *LockedError with the holder's details.
func (j *Journal) Acquire(run string) (*Lock, error) {
	raw := make([]byte, 8)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	info := LockInfo{
		ID: hex.EncodeToString(raw), Operator: j.operator, PID: os.Getpid(), Host: j.hostname,
		Time: j.now().UTC().Format(time.RFC3339), Run: run,
	}
	body, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	// O_EXCL is the whole mutual exclusion: creation either wins or sees
	// the other run's file.
	f, err := os.OpenFile(j.lockPath(), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, j.lockedError()
	}
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	_, werr := f.Write(append(body, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(j.lockPath())
		return nil, fmt.Errorf("lock: write %s: %w", j.lockPath(), err)
	}
	return &Lock{Info: info, path: j.lockPath()}, nil
}

func (j *Journal) lockedError() error {
	info, err := j.readLock()
	if errors.Is(err, fs.ErrNotExist) {
		// Released between our attempt and this read: report it plainly
		// rather than retrying behind the caller's back.
		return fmt.Errorf("lock: %s was released while being checked; try again", j.lockPath())
	}
	if err != nil {
		return &LockedError{Path: j.lockPath(), Unreadable: true}
	}
	le := &LockedError{Path: j.lockPath(), Holder: info}
	if info.Host == j.hostname && info.PID > 0 && !pidAlive(info.PID) {
		le.Dead = true
	}
	return le
}

func (j *Journal) readLock() (LockInfo, error) { return readLockFile(j.lockPath()) }

func readLockFile(path string) (LockInfo, error) {
	var info LockInfo
	b, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("lock file %s: %w", path, err)
	}
	if info.ID == "" {
		return info, fmt.Errorf("lock file %s: no id", path)
	}
	return info, nil
}

// LockHolder returns the current lock's content, or ok false when the
// configuration is not locked.
func (j *Journal) LockHolder() (info LockInfo, ok bool, err error) {
	info, err = j.readLock()
	if errors.Is(err, fs.ErrNotExist) {
		return LockInfo{}, false, nil
	}
	if err != nil {
		return LockInfo{}, true, err
	}
	return info, true, nil
}

// setRun records the run's id in the held lock file, replacing it
// atomically so a reader sees the old or the new content, never half.
func (l *Lock) setRun(run string) error {
	if info, err := readLockFile(l.path); err != nil || info.ID != l.Info.ID {
		return fmt.Errorf("lock: %s no longer holds this run's lock (it was force-unlocked)", l.path)
	}
	info := l.Info
	info.Run = run
	body, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(l.path), "."+LockFile+".tmp*")
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	_, werr := tmp.Write(append(body, '\n'))
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(tmp.Name(), 0o600)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("lock: write %s: %w", l.path, err)
	}
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("lock: write %s: %w", l.path, err)
	}
	l.Info = info
	return nil
}

// Release removes the lock if it is still this one: after a force-unlock
// another run may hold the file, and that lock must survive.
func (l *Lock) Release() error {
	b, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release lock: %w", err)
	}
	var info LockInfo
	if json.Unmarshal(b, &info) != nil || info.ID != l.Info.ID {
		return fmt.Errorf("release lock: %s now belongs to another run (it was force-unlocked); left in place", l.path)
	}
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}

// ForceUnlock removes the lock only if its id is id, so an operator cannot
// break a lock other than the one they looked at.
func (j *Journal) ForceUnlock(id string) error {
	info, err := j.readLock()
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("force-unlock: the configuration is not locked")
	}
	if err != nil {
		return fmt.Errorf("force-unlock: %w; delete the file by hand if no apply is running", err)
	}
	if info.ID != id {
		return fmt.Errorf("force-unlock: the lock id is %s (held by %s for run %s), not %s",
			info.ID, info.Operator, info.Run, id)
	}
	if err := os.Remove(j.lockPath()); err != nil {
		return fmt.Errorf("force-unlock: %w", err)
	}
	return nil
}
