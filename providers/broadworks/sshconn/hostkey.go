package sshconn

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"
)

// UnknownHostKeyError reports a host whose key known_hosts does not hold.
// No authentication was attempted.
type UnknownHostKeyError struct {
	// Host names the server, as "xsp1 (bwadmin@10.1.0.11:22)".
	Host string
	// Addr is host:port as dialled and as known_hosts records it.
	Addr        string
	KeyType     string
	Fingerprint string // "SHA256:..."
	// KnownHostsFile is the file that was searched.
	KnownHostsFile string
	// FileMissing means the file does not exist, so no host is known.
	FileMissing bool

	hint string
}

func (e *UnknownHostKeyError) Error() string {
	where := "which is not in " + e.KnownHostsFile
	if e.FileMissing {
		where = "and known_hosts file " + e.KnownHostsFile + " does not exist"
	}
	host, port, err := net.SplitHostPort(e.Addr)
	if err != nil {
		host, port = e.Addr, "22"
	}
	msg := fmt.Sprintf("unknown host key for %s: it presented %s %s, %s; "+
		"check this fingerprint with the host's administrator (on the host: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), "+
		"then enrol it: ssh-keyscan -p %s %s >> %s (compare the scanned key with the fingerprint above)",
		e.Host, e.KeyType, e.Fingerprint, where, port, host, e.KnownHostsFile)
	if e.hint != "" {
		msg += ", or " + e.hint
	}
	return msg
}

// HostKeyChangedError reports a host that presented a key other than the
// one known_hosts holds for it. It is never retried and nothing bypasses it.
type HostKeyChangedError struct {
	// Host names the server, as "xsp1 (bwadmin@10.1.0.11:22)".
	Host string
	// Addr is host:port as dialled.
	Addr string
	// KeyType and Fingerprint are those of the key presented.
	KeyType     string
	Fingerprint string
	// KnownHostsFile and Line locate the entry of the known key.
	KnownHostsFile   string
	Line             int
	KnownKeyType     string
	KnownFingerprint string
}

func (e *HostKeyChangedError) Error() string {
	return fmt.Sprintf("host key changed for %s: it presented %s %s, but %s:%d holds %s %s for it; "+
		"someone may be intercepting the connection (man in the middle), or the host was reinstalled; "+
		"nothing was sent to it; if the change is expected, verify the new fingerprint out of band, "+
		"remove the old entry (ssh-keygen -R '%s' -f %s) and enrol the new key",
		e.Host, e.KeyType, e.Fingerprint, e.KnownHostsFile, e.Line, e.KnownKeyType, e.KnownFingerprint,
		knownhosts.Normalize(e.Addr), e.KnownHostsFile)
}

// hostKeyCheck is the host key policy of one dial attempt; it remembers the
// typed failure because x/crypto does not promise to wrap it.
type hostKeyCheck struct {
	callback   ssh.HostKeyCallback
	algorithms []string

	mu  sync.Mutex
	err error
}

func (h *hostKeyCheck) failure() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// hostKeyCheck prepares the policy for hop: strict against the known_hosts
// file, optionally recording unknown hosts. HostKeyAlgorithms are set from
// the file, so a host known only by its RSA key is asked for that key
// rather than reported as changed when it prefers ed25519 (golang/go#29286).
func (d *Dialer) hostKeyCheck(hop endpoint, s *settings) (*hostKeyCheck, error) {
	db, err := d.hosts.load(s.knownHosts)
	if err != nil {
		return nil, err
	}
	h := &hostKeyCheck{}
	if db != nil {
		h.algorithms = db.HostKeyAlgorithms(hop.addr())
	}
	h.callback = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := d.verifyHostKey(db, hop, s, hostname, remote, key)
		if err != nil {
			h.mu.Lock()
			h.err = err
			h.mu.Unlock()
		}
		return err
	}
	return h, nil
}

func (d *Dialer) verifyHostKey(db *knownhosts.HostKeyDB, hop endpoint, s *settings, hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := checkKey(db, hostname, remote, key)
	if err == nil {
		return nil
	}
	if knownhosts.IsHostUnknown(err) && s.acceptNew {
		return d.hosts.record(d, s.knownHosts, hop, hostname, remote, key)
	}
	return d.hostKeyError(err, db == nil, hop, s.knownHosts, key)
}

func checkKey(db *knownhosts.HostKeyDB, hostname string, remote net.Addr, key ssh.PublicKey) error {
	if db == nil {
		return &xknownhosts.KeyError{}
	}
	return db.HostKeyCallback()(hostname, remote, key)
}

// hostKeyError turns a known_hosts verdict into bwstate's typed errors.
func (d *Dialer) hostKeyError(err error, missing bool, hop endpoint, file string, key ssh.PublicKey) error {
	var ke *xknownhosts.KeyError
	var re *xknownhosts.RevokedError
	switch {
	case errors.As(err, &ke) && len(ke.Want) == 0:
		return &UnknownHostKeyError{
			Host: hop.String(), Addr: hop.addr(),
			KeyType: key.Type(), Fingerprint: ssh.FingerprintSHA256(key),
			KnownHostsFile: file, FileMissing: missing, hint: d.opts.AcceptNewHint,
		}
	case errors.As(err, &ke):
		known := ke.Want[0]
		for _, w := range ke.Want {
			if w.Key.Type() == key.Type() {
				known = w
				break
			}
		}
		return &HostKeyChangedError{
			Host: hop.String(), Addr: hop.addr(),
			KeyType: key.Type(), Fingerprint: ssh.FingerprintSHA256(key),
			KnownHostsFile: known.Filename, Line: known.Line,
			KnownKeyType: known.Key.Type(), KnownFingerprint: ssh.FingerprintSHA256(known.Key),
		}
	case errors.As(err, &re):
		return fmt.Errorf("host key of %s (%s %s) is marked @revoked at %s:%d",
			hop, key.Type(), ssh.FingerprintSHA256(key), re.Revoked.Filename, re.Revoked.Line)
	}
	return fmt.Errorf("check host key of %s against %s: %w", hop, file, err)
}

// knownHostsStore caches parsed known_hosts files, re-reading a file when
// its size or modification time changes, and serialises the appends made
// by AcceptNewHostKeys.
type knownHostsStore struct {
	mu    sync.Mutex
	cache map[string]*knownHostsEntry
}

type knownHostsEntry struct {
	db   *knownhosts.HostKeyDB
	mod  time.Time
	size int64
}

// load returns nil and no error when the file does not exist.
func (s *knownHostsStore) load(path string) (*knownhosts.HostKeyDB, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("known_hosts file %s: %w", path, unwrapPathError(err))
	}
	s.mu.Lock()
	e := s.cache[path]
	s.mu.Unlock()
	if e != nil && e.mod.Equal(fi.ModTime()) && e.size == fi.Size() {
		return e.db, nil
	}
	db, err := knownhosts.NewDB(path)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts file %s: %w", path, unwrapPathError(err))
	}
	s.mu.Lock()
	s.cache[path] = &knownHostsEntry{db: db, mod: fi.ModTime(), size: fi.Size()}
	s.mu.Unlock()
	return db, nil
}

// record appends key for an unknown host, under the store's mutex and an
// exclusive lock on the file so that concurrent dials, in this process or
// another, neither interleave lines nor record a host twice. The file is
// re-read under the lock: another writer may have recorded this host, with
// this key (fine) or another (a changed key, refused).
func (s *knownHostsStore) record(d *Dialer, path string, hop endpoint, hostname string, remote net.Addr, key ssh.PublicKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("record host key of %s: %w", hop, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("record host key of %s: %w", hop, err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("record host key of %s: lock %s: %w", hop, path, err)
	}
	defer unlockFile(f)

	content, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("record host key of %s: %w", hop, err)
	}
	var db *knownhosts.HostKeyDB
	if len(content) > 0 {
		if db, err = knownhosts.NewDB(path); err != nil {
			return fmt.Errorf("read known_hosts file %s: %w", path, err)
		}
	}
	err = checkKey(db, hostname, remote, key)
	if err == nil {
		return nil
	}
	if !knownhosts.IsHostUnknown(err) {
		return d.hostKeyError(err, false, hop, path, key)
	}

	var buf bytes.Buffer
	if len(content) > 0 && content[len(content)-1] != '\n' {
		buf.WriteByte('\n')
	}
	if hashedFile(content) {
		for _, a := range knownAddresses(hostname, remote) {
			fmt.Fprintf(&buf, "%s %s %s\n", xknownhosts.HashHostname(a), key.Type(), base64.StdEncoding.EncodeToString(key.Marshal()))
		}
	} else if err := knownhosts.WriteKnownHost(&buf, hostname, remote, key); err != nil {
		return fmt.Errorf("record host key of %s: %w", hop, err)
	}
	// One write: O_APPEND keeps it whole even against writers that do not
	// take the lock.
	if _, err := f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("record host key of %s in %s: %w", hop, path, err)
	}
	delete(s.cache, path)
	d.log.Warn("recorded new host key", "host", hop.String(), "type", key.Type(),
		"fingerprint", ssh.FingerprintSHA256(key), "file", path)
	return nil
}

// knownAddresses are the normalised names to record: the dialled name and,
// as OpenSSH and skeema's WriteKnownHost do, the peer's IP when it differs.
// Channels through a jump host have a zero remote address, which is left out.
func knownAddresses(hostname string, remote net.Addr) []string {
	out := []string{knownhosts.Normalize(hostname)}
	if remote != nil {
		r := knownhosts.Normalize(remote.String())
		if r != "[0.0.0.0]:0" && r != "0.0.0.0" && r != out[0] {
			out = append(out, r)
		}
	}
	return out
}

// hashedFile reports whether most entries of a known_hosts file have hashed
// host names (HashKnownHosts yes), so new entries follow suit.
func hashedFile(content []byte) bool {
	var hashed, plain int
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "@") {
			_, line, _ = strings.Cut(line, " ")
			line = strings.TrimSpace(line)
		}
		if strings.HasPrefix(line, "|1|") {
			hashed++
		} else {
			plain++
		}
	}
	return hashed > plain
}
