package journal

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// File names inside the state directory.
const (
	JournalFile = "journal.jsonl"
	SaltFile    = "salt"
	LockFile    = "lock"
	RunsDir     = "runs"
	// TornFile keeps the bytes of a torn last record that Append cut off,
	// so nothing that was on disk is thrown away silently.
	TornFile = "journal.torn"
)

// Options configure a Journal. The zero value works.
type Options struct {
	// Operator is "user@hostname"; empty means the current user and host.
	Operator string
	// Now returns the current time; nil means time.Now. Tests pin it.
	Now func() time.Time
	// Logger receives warnings (a torn last record); nil discards them.
	Logger *slog.Logger
}

// Journal is the state directory of one configuration. It is safe for
// concurrent use: apply appends from one goroutine per host.
type Journal struct {
	dir      string
	operator string
	hostname string
	now      func() time.Time
	log      *slog.Logger
	salt     string

	mu       sync.Mutex
	syncMu   sync.Mutex
	synced   int64 // highest seq known to be fsync'ed (guarded by syncMu)
	f        *os.File
	lastSeq  int64
	lastHash string
	// tornAt is the offset of a torn last line found by Open, -1 if none;
	// the first Append cuts it off before writing.
	tornAt int64
	// needNewline is set when the last line is a complete record without
	// its trailing newline.
	needNewline bool
}

// Open opens (creating if needed) the state directory dir, typically the
// configuration directory's .bwstate, and its salt. It reads only the tail
// of the journal: appends continue the chain from the last complete record.
func Open(dir string, opts Options) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open state directory: %w", err)
	}
	j := &Journal{dir: dir, operator: opts.Operator, now: opts.Now, log: opts.Logger, tornAt: -1}
	if j.now == nil {
		j.now = time.Now
	}
	if j.log == nil {
		j.log = slog.New(slog.DiscardHandler)
	}
	j.hostname, _ = os.Hostname()
	if j.hostname == "" {
		j.hostname = "localhost"
	}
	if j.operator == "" {
		name := "unknown"
		if u, err := user.Current(); err == nil && u.Username != "" {
			name = u.Username
		}
		j.operator = name + "@" + j.hostname
	}
	salt, err := loadSalt(filepath.Join(dir, SaltFile))
	if err != nil {
		return nil, err
	}
	j.salt = salt
	if err := j.readTail(); err != nil {
		return nil, err
	}
	return j, nil
}

// Dir returns the state directory.
func (j *Journal) Dir() string { return j.dir }

// Operator returns "user@hostname" as recorded in run-start and lock records.
func (j *Journal) Operator() string { return j.operator }

// Now returns the journal's clock reading, in UTC.
func (j *Journal) Now() time.Time { return j.now().UTC() }

// Path returns the journal file's path.
func (j *Journal) Path() string { return filepath.Join(j.dir, JournalFile) }

// RunDir returns the directory of one run (revert.json lives there).
func (j *Journal) RunDir(run string) string { return filepath.Join(j.dir, RunsDir, run) }

// Salt returns the configuration's salt for hashing sensitive values.
func (j *Journal) Salt() string { return j.salt }

// HashSecret returns the salted hash of a sensitive value, the form the
// journal records instead of the value.
func (j *Journal) HashSecret(value string) string { return HashSalted(j.salt, value) }

// loadSalt reads the salt file, creating it with 32 random bytes the first
// time. O_EXCL makes two first runs agree on one salt.
func loadSalt(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if _, derr := hex.DecodeString(s); derr != nil || len(s) != 64 {
			return "", fmt.Errorf("read salt %s: not 64 hex digits; delete it only if no plan or journal hash must still match", path)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read salt: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("create salt: %w", err)
	}
	s := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadSalt(path)
	}
	if err != nil {
		return "", fmt.Errorf("create salt: %w", err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write salt: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("write salt: %w", err)
	}
	return s, f.Close()
}

// readTail finds the last complete record so that appends continue the
// chain, and notes a torn last line.
func (j *Journal) readTail() error {
	f, err := os.Open(j.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	// Read backwards in chunks until the buffer holds the last two lines.
	const chunk = 64 << 10
	var tail []byte
	off := size
	for off > 0 && bytes.Count(tail, []byte("\n")) < 3 {
		n := int64(chunk)
		if off < n {
			n = off
		}
		off -= n
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, off); err != nil {
			return fmt.Errorf("read journal: %w", err)
		}
		tail = append(buf, tail...)
	}
	endsClean := tail[len(tail)-1] == '\n'
	body := bytes.TrimSuffix(tail, []byte("\n"))
	lastStart := bytes.LastIndexByte(body, '\n') + 1
	last := body[lastStart:]
	var r Record
	jerr := json.Unmarshal(last, &r)
	if jerr == nil && r.Hash != "" {
		j.lastSeq, j.lastHash = r.Seq, r.Hash
		j.needNewline = !endsClean
		return nil
	}
	if endsClean || jerr == nil {
		// A complete line that is not a record is damage, not a torn write:
		// refuse to chain onto it and let verify name the line. So is a
		// whole JSON object without its newline (a torn write cannot end
		// in one: the closing brace is the last byte of a record) that has
		// no hash; moving it aside as torn would hide it from verify.
		return fmt.Errorf("journal %s: the last line is not a valid record; run verify", j.Path())
	}
	j.tornAt = off + int64(lastStart)
	j.log.Warn("journal: the last record is torn (a run was killed while writing it); it is ignored",
		"file", j.Path(), "offset", j.tornAt)
	// The chain continues from the line before the torn one.
	prev := bytes.TrimSuffix(body[:lastStart], []byte("\n"))
	if len(prev) == 0 {
		return nil
	}
	p := prev[bytes.LastIndexByte(prev, '\n')+1:]
	if err := json.Unmarshal(p, &r); err != nil {
		return fmt.Errorf("journal %s: the record before the torn last line is not valid: %w", j.Path(), err)
	}
	j.lastSeq, j.lastHash = r.Seq, r.Hash
	return nil
}

// Append writes one record, filling Seq, Prev, Hash and Time, and returns
// only once the record is fsync'ed: a killed process loses at most the
// record being written. Concurrent appends share fsyncs (group commit):
// hosts applied in parallel would otherwise queue behind one disk flush
// each, yet every caller still sees its own record durable.
func (j *Journal) Append(r *Record) error {
	j.mu.Lock()
	if err := j.openForAppend(); err != nil {
		j.mu.Unlock()
		return err
	}
	r.Seq = j.lastSeq + 1
	r.Prev = j.lastHash
	if r.Time == "" {
		r.Time = j.now().UTC().Format(time.RFC3339)
	}
	line, err := seal(r)
	if err != nil {
		j.mu.Unlock()
		return fmt.Errorf("journal: encode %s record: %w", r.Kind, err)
	}
	line = append(line, '\n')
	if j.needNewline {
		line = append([]byte("\n"), line...)
	}
	if _, err := j.f.Write(line); err != nil {
		j.mu.Unlock()
		return fmt.Errorf("journal: write %s record: %w", r.Kind, err)
	}
	j.needNewline = false
	j.lastSeq, j.lastHash = r.Seq, r.Hash
	f, seq := j.f, r.Seq
	j.mu.Unlock()

	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= seq {
		return nil // another append's fsync covered this record
	}
	j.mu.Lock()
	upTo := j.lastSeq
	j.mu.Unlock()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal: sync %s record: %w", r.Kind, err)
	}
	j.synced = upTo
	return nil
}

func (j *Journal) openForAppend() error {
	if j.f != nil {
		return nil
	}
	if j.tornAt >= 0 {
		if err := j.cutTorn(); err != nil {
			return err
		}
	}
	_, statErr := os.Stat(j.Path())
	f, err := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("journal: open: %w", err)
	}
	j.f = f
	if errors.Is(statErr, fs.ErrNotExist) {
		// Make the new file's directory entry durable too.
		if d, err := os.Open(j.dir); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}

// cutTorn moves a torn last line to journal.torn and truncates the journal
// to its last complete record, so the next record starts on a fresh line.
func (j *Journal) cutTorn() error {
	f, err := os.OpenFile(j.Path(), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("journal: repair torn record: %w", err)
	}
	defer f.Close()
	torn, err := io.ReadAll(io.NewSectionReader(f, j.tornAt, 1<<40))
	if err != nil {
		return fmt.Errorf("journal: repair torn record: %w", err)
	}
	keep, err := os.OpenFile(filepath.Join(j.dir, TornFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("journal: save torn record: %w", err)
	}
	_, werr := keep.Write(append(torn, '\n'))
	serr := keep.Sync()
	if cerr := keep.Close(); werr == nil && serr == nil {
		werr = cerr
	}
	if werr != nil || serr != nil {
		return fmt.Errorf("journal: save torn record: %w", errors.Join(werr, serr))
	}
	if err := f.Truncate(j.tornAt); err != nil {
		return fmt.Errorf("journal: repair torn record: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("journal: repair torn record: %w", err)
	}
	j.log.Warn("journal: moved the torn last record aside", "file", filepath.Join(j.dir, TornFile))
	j.tornAt = -1
	return nil
}

// Close closes the journal file. The Journal can be used again afterwards.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Records reads every record. A torn last line is ignored with a warning;
// any other line that is not a record is an error naming its line number.
// Records does not check the hash chain: Verify does.
func (j *Journal) Records() ([]*Record, error) {
	var out []*Record
	err := j.scan(func(line int, raw []byte, last bool) error {
		var r Record
		if err := json.Unmarshal(raw, &r); err != nil {
			if last {
				j.log.Warn("journal: ignoring the torn last record", "file", j.Path(), "line", line)
				return nil
			}
			return fmt.Errorf("journal %s line %d: not a valid record: %w", j.Path(), line, err)
		}
		out = append(out, &r)
		return nil
	})
	return out, err
}

// scan calls fn for every line; last is true for a final line without a
// trailing newline (the only place a torn write can be).
func (j *Journal) scan(fn func(line int, raw []byte, last bool) error) error {
	f, err := os.Open(j.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	for n := 1; ; n++ {
		raw, err := br.ReadBytes('\n')
		if len(raw) > 0 {
			complete := raw[len(raw)-1] == '\n'
			if ferr := fn(n, bytes.TrimSuffix(raw, []byte("\n")), !complete); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read journal line %d: %w", n, err)
		}
	}
}

// RunIDFormat is the layout of run ids: UTC, second resolution.
const RunIDFormat = "20060102T150405Z"

// NewRunID returns a run id for the current time, unique within the state
// directory: it reserves DIR/runs/ID (suffixing -2, -3, ... when a run of
// the same second exists) so two applies never share one.
func (j *Journal) NewRunID() (string, error) {
	base := j.now().UTC().Format(RunIDFormat)
	if err := os.MkdirAll(filepath.Join(j.dir, RunsDir), 0o700); err != nil {
		return "", fmt.Errorf("create run directory: %w", err)
	}
	for i := 1; i < 10000; i++ {
		id := base
		if i > 1 {
			id = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(j.RunDir(id), 0o700)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create run directory: %w", err)
		}
	}
	return "", fmt.Errorf("create run directory: too many runs named %s", base)
}
