// Package digest is every hash bwstate computes, in one place: the
// canonical-JSON hash that chains journal records and checksums plan files,
// and the keyed hashes that stand in for sensitive values in plan files and
// the journal.
//
// Sensitive values are hashed with HMAC-SHA256 under a 256-bit key that
// lives only in the configuration's state directory (.bwstate/hmac.key,
// mode 0600). A plan file carries only such hashes and a random per-plan
// nonce: whoever holds the file but not the key cannot test a guess of a
// secret against it, and two plan files cannot be compared to see whether
// a secret is the same in both. Every hash names its scheme and key
// ("hmac-sha256:KEYID:HEX"), so a hash made with another key, or by an
// earlier bwstate (hex(sha256(salt + value)), no prefix), is recognised as
// such instead of being taken for a different value (docs/security.md).
package digest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the key's file name in the state directory.
const KeyFile = "hmac.key"

// Scheme prefixes every keyed hash.
const Scheme = "hmac-sha256"

// Key is the secret-hash key of one state directory.
type Key struct {
	k  []byte
	id string
}

// KeyPath returns where the key of the state directory dir lives.
func KeyPath(dir string) string { return filepath.Join(dir, KeyFile) }

// LoadKey reads the key of the state directory dir. When there is none the
// error wraps fs.ErrNotExist.
func LoadKey(dir string) (*Key, error) {
	path := KeyPath(dir)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the hash key: %w", err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("read the hash key %s: not 64 hex digits; if it is lost, delete it: plan files made with it must then be made again, and write-only secrets are set again once (docs/security.md)", path)
	}
	return newKey(raw), nil
}

// LoadOrCreateKey reads the key of dir, creating dir (mode 0700) and a new
// random key (mode 0600) the first time. Two processes creating it at once
// agree on one: the key is written to a temporary file and linked into
// place, which fails for the second.
func LoadOrCreateKey(dir string) (*Key, error) {
	k, err := LoadKey(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the hash key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("create the hash key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+KeyFile+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("create the hash key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(hex.EncodeToString(raw) + "\n")
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(tmp.Name(), 0o600)); err != nil {
		return nil, fmt.Errorf("create the hash key: %w", err)
	}
	if err := os.Link(tmp.Name(), KeyPath(dir)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadKey(dir)
		}
		return nil, fmt.Errorf("create the hash key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return newKey(raw), nil
}

func newKey(raw []byte) *Key {
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("bwstate key id"))
	return &Key{k: raw, id: hex.EncodeToString(m.Sum(nil)[:4])}
}

// ID names the key in every hash it makes; it reveals nothing of the key.
func (k *Key) ID() string { return k.id }

// Sum returns the keyed hash of a sensitive value:
// "hmac-sha256:KEYID:" + hex(HMAC-SHA256(key, nonce || 0x00 || value)).
// A plan file uses its own random nonce; the journal uses "" so that a
// later plan can compare a value with the one last applied.
func (k *Key) Sum(nonce, value string) string {
	m := hmac.New(sha256.New, k.k)
	m.Write([]byte(nonce))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return Scheme + ":" + k.id + ":" + hex.EncodeToString(m.Sum(nil))
}

// SchemeError says why a hash cannot be compared with this key at all.
type SchemeError struct {
	// Legacy: an earlier bwstate's salted sha256, not a keyed hash.
	Legacy bool
	// KeyID is the key the hash was made with, when it is another one.
	KeyID string
}

func (e *SchemeError) Error() string {
	if e.Legacy {
		return "the hash was made by an earlier bwstate (sha256 with a salt), which this version no longer accepts"
	}
	return fmt.Sprintf("the hash was made with another key (%s) than this state directory's %s", e.KeyID, KeyFile)
}

// Check returns a *SchemeError when hash was not made with k (an earlier
// bwstate's hash, another key, or not a hash at all).
func (k *Key) Check(hash string) error {
	scheme, rest, ok := strings.Cut(hash, ":")
	if !ok || scheme != Scheme {
		return &SchemeError{Legacy: true}
	}
	id, _, ok := strings.Cut(rest, ":")
	if !ok || id != k.id {
		return &SchemeError{KeyID: id}
	}
	return nil
}

// Match reports whether hash is the keyed hash of value with nonce; a hash
// made otherwise is a *SchemeError.
func (k *Key) Match(hash, nonce, value string) (bool, error) {
	if err := k.Check(hash); err != nil {
		return false, err
	}
	return hmac.Equal([]byte(hash), []byte(k.Sum(nonce, value))), nil
}

// Legacy returns hex(sha256(salt + value)), how bwstate hashed sensitive
// values before keyed hashes. It is kept only to compare journal records
// written then (docs/journal.md).
func Legacy(salt, value string) string {
	sum := sha256.Sum256([]byte(salt + value))
	return hex.EncodeToString(sum[:])
}

// IsKeyed reports whether hash has the keyed form (whatever its key).
func IsKeyed(hash string) bool { return strings.HasPrefix(hash, Scheme+":") }

// canonicalJSON re-encodes a JSON document with object keys sorted and no
// insignificant white space, keeping numbers as written. Writer and verifier
// both hash this form, so the field order on disk does not matter.
func canonicalJSON(doc []byte, drop string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	if drop != "" {
		delete(m, drop)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Canonical returns hex(sha256(prefix + canonical JSON of doc without the
// field drop)). The journal chains records with it (prefix: the previous
// record's hash) and plan files use it as their checksum.
func Canonical(prefix string, doc []byte, drop string) (string, error) {
	c, err := canonicalJSON(doc, drop)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(prefix))
	h.Write(c)
	return hex.EncodeToString(h.Sum(nil)), nil
}
