package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestKeyCreatedOnceAndPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".bwstate")
	if _, err := LoadKey(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("wrong result\ngot: %v\nwant: an error wrapping fs.ErrNotExist", err)
	}
	// Processes creating it at once agree on one key.
	keys := make([]*Key, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadOrCreateKey(dir)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k == nil || keys[0] == nil || k.Sum("n", "v") != keys[0].Sum("n", "v") {
			t.Fatal("concurrent creations made different keys")
		}
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, KeyPath(dir): 0o600} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: wrong mode\ngot: %v, %v\nwant: %v", path, st.Mode().Perm(), err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := os.WriteFile(KeyPath(dir), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(dir); err == nil || !strings.Contains(err.Error(), "not 64 hex digits") {
		t.Errorf("wrong result\ngot: %v\nwant: a damaged key is refused, not replaced", err)
	}
}

func TestSumAndMatch(t *testing.T) {
	k, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := k.Sum("nonce1", "s3cret")
	if !strings.HasPrefix(h, "hmac-sha256:"+k.ID()+":") || len(h) != len("hmac-sha256:")+8+1+64 || strings.Contains(h, "s3cret") {
		t.Errorf("wrong hash form: %q", h)
	}
	if h == k.Sum("nonce2", "s3cret") {
		t.Error("two nonces give the same hash: plan files could be compared")
	}
	if h == other.Sum("nonce1", "s3cret") {
		t.Error("two keys give the same hash")
	}
	if ok, err := k.Match(h, "nonce1", "s3cret"); !ok || err != nil {
		t.Errorf("wrong result\ngot: %v, %v\nwant: true", ok, err)
	}
	if ok, err := k.Match(h, "nonce1", "guess"); ok || err != nil {
		t.Errorf("wrong result\ngot: %v, %v\nwant: false, <nil>", ok, err)
	}
	var se *SchemeError
	if _, err := other.Match(h, "nonce1", "s3cret"); !errors.As(err, &se) || se.KeyID != k.ID() || se.Legacy {
		t.Errorf("wrong result\ngot: %v\nwant: another key's hash", err)
	}
	if _, err := k.Match(Legacy("salt", "s3cret"), "salt", "s3cret"); !errors.As(err, &se) || !se.Legacy {
		t.Errorf("wrong result\ngot: %v\nwant: an earlier bwstate's hash", err)
	}
	if sum := sha256.Sum256([]byte("abc")); Legacy("ab", "c") != hex.EncodeToString(sum[:]) {
		t.Error("the legacy hash is not hex(sha256(salt + value))")
	}
}

func TestCanonical(t *testing.T) {
	a, err1 := Canonical("p", []byte(`{"b":1, "a":"x","hash":"zz"}`), "hash")
	b, err2 := Canonical("p", []byte(`{"a":"x","b":1}`), "hash")
	c, err3 := Canonical("q", []byte(`{"a":"x","b":1}`), "hash")
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if a != b || a == c {
		t.Errorf("wrong result\ngot: %s %s %s\nwant: key order and the dropped field do not matter, the prefix does", a, b, c)
	}
	if _, err := Canonical("", []byte(`[1]`), ""); err == nil {
		t.Error("a JSON array was hashed as a document")
	}
}
