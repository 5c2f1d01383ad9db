package planfile

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/digest"
)

// Kind is the "kind" of every plan file.
const Kind = "bwstate-plan"

// Secrets supplies sensitive after-values, which plans keep only in memory
// and plan files never hold. ok is false when the value is unknown.
type Secrets func(host, path, attr string, key []engine.Field) (value string, ok bool)

// document is the file's JSON form. It differs from engine.Plan in what
// it refuses to carry: sensitive attributes have hashes and no values, and
// Before/After are pointers so that "" and "absent" stay distinct.
type document struct {
	FormatVersion string `json:"format_version"`
	Kind          string `json:"kind"`
	Checksum      string `json:"checksum"`
	CreatedAt     string `json:"created_at"`
	ConfigHash    string `json:"config_hash"`
	// Salt is the plan's random nonce, mixed into every keyed hash of a
	// sensitive value (the name predates keyed hashes).
	Salt      string      `json:"salt"`
	Mode      engine.Mode `json:"mode,omitempty"`
	Warnings  []string    `json:"warnings,omitempty"`
	Hosts     []*hostDoc  `json:"hosts"`
	LeftAlone []string    `json:"left_alone,omitempty"`
	Targets   []string    `json:"targets,omitempty"`
	Excludes  []string    `json:"excludes,omitempty"`
}

type hostDoc struct {
	Name     string        `json:"name"`
	Address  string        `json:"address"`
	Type     string        `json:"type"`
	Release  string        `json:"release,omitempty"`
	Error    string        `json:"error,omitempty"`
	Warnings []string      `json:"warnings,omitempty"`
	Facts    *engine.Facts `json:"facts,omitempty"`
	Changes  []*changeDoc  `json:"changes"`
	// Restarts this plan's changes need, and restarts earlier runs left
	// pending, apart so a reader sees at once what is new.
	Restarts        []*engine.Restart `json:"restarts"`
	PendingRestarts []*engine.Restart `json:"pending_restarts"`
	// SatisfiedRestarts were pending but are done (an upgrade): apply
	// records them cleared (engine.HostPlan.Satisfied).
	SatisfiedRestarts []*engine.Restart `json:"satisfied_restarts,omitempty"`
	Checks            []*engine.Check   `json:"checks,omitempty"`
	Drift             []*changeDoc      `json:"drift,omitempty"`
}

type changeDoc struct {
	Resource string         `json:"resource"`
	Path     string         `json:"path"`
	Action   string         `json:"action"`
	Key      []engine.Field `json:"key,omitempty"`
	Attrs    []*attrDoc     `json:"attributes"`
	// LiveRows is the row count of a drifted table (engine.Change.LiveRows).
	LiveRows int `json:"live_rows,omitempty"`
}

type attrDoc struct {
	Name          string  `json:"name"`
	Before        *string `json:"before,omitempty"`
	After         *string `json:"after,omitempty"`
	Sensitive     bool    `json:"sensitive,omitempty"`
	BeforeHash    string  `json:"before_hash,omitempty"`
	AfterHash     string  `json:"after_hash,omitempty"`
	BeforeUnknown bool    `json:"before_unknown,omitempty"`
	Restart       string  `json:"restart,omitempty"`
}

// File is a plan read from disk, with what engine.Plan cannot hold: the
// keyed hashes of sensitive after-values.
type File struct {
	// Name is the path the plan was read from, for messages.
	Name      string
	Plan      *engine.Plan
	afterHash map[string]string
}

func secretKey(host, path string, key []engine.Field, attr string) string {
	var b strings.Builder
	b.WriteString(host)
	b.WriteByte(0)
	b.WriteString(strings.ToLower(strings.Trim(path, "/")))
	for _, f := range key {
		b.WriteByte(0)
		b.WriteString(strings.ToLower(f.Name) + "=" + f.Value)
	}
	b.WriteByte(0)
	b.WriteString(strings.ToLower(attr))
	return b.String()
}

// AfterHash returns the keyed hash the plan recorded for a sensitive
// after-value (digest.Key.Sum with the plan's nonce, Plan.Salt).
func (f *File) AfterHash(host, path, attr string, key []engine.Field) (string, bool) {
	h, ok := f.afterHash[secretKey(host, path, key, attr)]
	return h, ok
}

// SecretMismatchError lists sensitive values whose fresh evaluation differs
// from what the saved plan was made with.
type SecretMismatchError struct {
	Name string
	// Attrs are "host path attr" strings.
	Attrs []string
}

func (e *SecretMismatchError) Error() string {
	return fmt.Sprintf("plan file %s: the configuration's value of %d sensitive attribute(s) differs from the one the plan was made with (%s); make a new plan",
		e.Name, len(e.Attrs), strings.Join(e.Attrs, "; "))
}

// KeyMismatchError says that the plan's hashes of sensitive values cannot
// be checked with this state directory's key: the plan was made by an
// earlier bwstate (salted sha256), or with another key (on another
// controller, or before .bwstate/ was recreated). Nothing is compared, so
// nothing can be applied from it.
type KeyMismatchError struct {
	Name string
	// Attr is the first "host path attr" whose hash is foreign.
	Attr string
	Err  *digest.SchemeError
	// KeyID is this state directory's key.
	KeyID string
}

func (e *KeyMismatchError) Error() string {
	if e.Err.Legacy {
		return fmt.Sprintf("plan file %s was made by an earlier bwstate: its hashes of sensitive values (%s) are salted sha256, which anyone holding the file could test guesses against, and this version accepts only keyed hashes; make a new plan", e.Name, e.Attr)
	}
	return fmt.Sprintf("plan file %s was made with another hash key (%s) than this configuration's .bwstate/%s (%s): it was planned on another controller, or before .bwstate was recreated, so its sensitive values (%s) cannot be checked; make a new plan here",
		e.Name, e.Err.KeyID, digest.KeyFile, e.KeyID, e.Attr)
}

func (e *KeyMismatchError) Unwrap() error { return e.Err }

// CheckSecrets checks the plan's hashes of sensitive values with key and
// evaluates every sensitive after-value through s (a fresh evaluation of
// the configuration). It refuses with a *KeyMismatchError when a hash was
// not made with key, and with a *SecretMismatchError when a value is
// missing or hashes differently from the plan's after_hash: applying it
// would set a value nobody reviewed.
func (f *File) CheckSecrets(s Secrets, key *digest.Key) error {
	var bad []string
	for _, hp := range f.Plan.Hosts {
		for _, c := range hp.Changes {
			for _, ac := range c.Attrs {
				if !ac.Sensitive {
					continue
				}
				what := fmt.Sprintf("%s %s %s", hp.Name, c.Path, ac.Name)
				want, _ := f.AfterHash(hp.Name, c.Path, ac.Name, c.Key)
				for _, h := range []string{ac.BeforeHash, want} {
					if h == "" {
						continue
					}
					var se *digest.SchemeError
					if err := key.Check(h); errors.As(err, &se) {
						return &KeyMismatchError{Name: f.Name, Attr: what, Err: se, KeyID: key.ID()}
					}
				}
				if c.Action == engine.Delete {
					continue
				}
				var v string
				var ok bool
				if s != nil {
					v, ok = s(hp.Name, c.Path, ac.Name, c.Key)
				}
				if match, _ := key.Match(want, f.Plan.Salt, v); !ok || !match {
					bad = append(bad, what)
				}
			}
		}
	}
	if len(bad) > 0 {
		return &SecretMismatchError{Name: f.Name, Attrs: bad}
	}
	return nil
}

// Marshal encodes p as a plan file. Sensitive before-values (kept as
// AttrChange.BeforeHash when the plan came from a file) and sensitive
// after-values taken from s (or, when s does not know them, from the
// in-memory AttrChange.After) are written only as hashes keyed with key and
// the plan's nonce (Plan.Salt; a plan without one gets a fresh random one).
// key may be nil only when the plan has no sensitive value to hash.
func Marshal(p *engine.Plan, s Secrets, key *digest.Key) ([]byte, error) {
	nonce := p.Salt
	fromPlan := nonce != ""
	if nonce == "" {
		raw := make([]byte, 16)
		if _, err := rand.Read(raw); err != nil {
			return nil, fmt.Errorf("plan file nonce: %w", err)
		}
		nonce = hex.EncodeToString(raw)
	}
	doc, err := toDocument(p, s, &hasher{key: key, nonce: nonce, fromPlan: fromPlan, needKey: true})
	if err != nil {
		return nil, err
	}
	return encode(doc)
}

// Hash returns a stable identifier of a plan for the journal's run-start
// record: the checksum of its plan-file form. It needs no key: sensitive
// values contribute only the hashes the plan already carries (those of a
// saved plan), never values.
func Hash(p *engine.Plan) (string, error) {
	doc, err := toDocument(p, nil, &hasher{nonce: p.Salt, fromPlan: true})
	if err != nil {
		return "", fmt.Errorf("hash plan: %w", err)
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("hash plan: %w", err)
	}
	return digest.Canonical("", body, "checksum")
}

// hasher hashes the sensitive values of one document.
type hasher struct {
	// key is nil for Hash: values are then left out.
	key      *digest.Key
	nonce    string
	fromPlan bool // nonce is the plan's own, so its BeforeHash values hold
	// needKey: a sensitive value without a key is an error (Marshal).
	needKey bool
}

func encode(doc *document) ([]byte, error) {
	doc.Checksum = ""
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	sum, err := digest.Canonical("", body, "checksum")
	if err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	doc.Checksum = sum
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return buf.Bytes(), nil
}

func toDocument(p *engine.Plan, s Secrets, hs *hasher) (*document, error) {
	doc := &document{
		FormatVersion: engine.PlanFormatVersion, Kind: Kind, CreatedAt: p.CreatedAt,
		ConfigHash: p.ConfigHash, Salt: hs.nonce, Mode: p.Mode, Warnings: p.Warnings,
		Hosts: []*hostDoc{}, LeftAlone: p.LeftAlone, Targets: p.Targets, Excludes: p.Excludes,
	}
	for _, hp := range p.Hosts {
		hd := &hostDoc{
			Name: hp.Name, Address: hp.Address, Type: hp.Type, Release: hp.Release, Error: hp.Error,
			Warnings: hp.Warnings, Facts: hp.Facts, Checks: hp.Checks,
			Changes: []*changeDoc{}, Restarts: []*engine.Restart{}, PendingRestarts: []*engine.Restart{},
		}
		for _, c := range hp.Changes {
			cd, err := changeToDoc(hp.Name, c, s, hs)
			if err != nil {
				return nil, err
			}
			hd.Changes = append(hd.Changes, cd)
		}
		for _, c := range hp.Drift {
			// Drift never holds sensitive values (engine.DriftResource).
			cd, err := changeToDoc(hp.Name, c, nil, &hasher{nonce: hs.nonce})
			if err != nil {
				return nil, err
			}
			hd.Drift = append(hd.Drift, cd)
		}
		for _, r := range hp.Restarts {
			if r.Pending {
				hd.PendingRestarts = append(hd.PendingRestarts, r)
			} else {
				hd.Restarts = append(hd.Restarts, r)
			}
		}
		hd.SatisfiedRestarts = hp.Satisfied
		doc.Hosts = append(doc.Hosts, hd)
	}
	return doc, nil
}

func changeToDoc(host string, c *engine.Change, s Secrets, hs *hasher) (*changeDoc, error) {
	cd := &changeDoc{Resource: c.Resource, Path: c.Path, Action: c.Action.String(), Key: c.Key, Attrs: []*attrDoc{}, LiveRows: c.LiveRows}
	for _, ac := range c.Attrs {
		ad := &attrDoc{Name: ac.Name, Sensitive: ac.Sensitive, BeforeUnknown: ac.BeforeUnknown, Restart: ac.Restart}
		cd.Attrs = append(cd.Attrs, ad)
		if !ac.Sensitive {
			ad.Before, ad.After = str(ac.Before), str(ac.After)
			continue
		}
		if hs.key == nil && hs.needKey {
			return nil, fmt.Errorf("%s %s %s is sensitive: writing its hash needs the state directory's key", host, c.Path, ac.Name)
		}
		switch {
		case ac.BeforeUnknown:
		case ac.BeforeHash != "" && hs.fromPlan:
			ad.BeforeHash = ac.BeforeHash
		case hs.key != nil:
			ad.BeforeHash = hs.key.Sum(hs.nonce, ac.Before)
		}
		if hs.key == nil {
			continue // Hash: no value is hashed without the key
		}
		after := ac.After
		if s != nil {
			if v, ok := s(host, c.Path, ac.Name, c.Key); ok {
				after = v
			}
		}
		ad.AfterHash = hs.key.Sum(hs.nonce, after)
	}
	return cd, nil
}

// str returns a pointer to v, for attrDoc.Before and After.
func str(v string) *string { return &v }

// Write saves p to path (mode 0600, like everything bwstate writes)
// atomically, so a crash never leaves half a plan under the final name.
func Write(path string, p *engine.Plan, s Secrets, key *digest.Key) error {
	b, err := Marshal(p, s, key)
	if err != nil {
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	_, werr := tmp.Write(b)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(tmp.Name(), 0o600)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write plan file %s: %w", path, err)
	}
	return nil
}

// Read reads a plan file. Sensitive attributes come back with empty Before
// and After and their BeforeHash; use Load for their after-hashes.
func Read(path string) (*engine.Plan, error) {
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	return f.Plan, nil
}

// Load reads a plan file with its sensitive after-hashes.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes a plan file's content; name is used in messages. It
// rejects another kind of file, a format version this bwstate does not
// read, a checksum mismatch (the file was edited or damaged) and values
// that a plan file must not hold.
func Parse(name string, data []byte) (*File, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("read plan file %s: %s", name, fmt.Sprintf(format, args...))
	}
	var head struct {
		FormatVersion *string `json:"format_version"`
		Kind          string  `json:"kind"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fail("not a bwstate plan file (invalid JSON: %v)", err)
	}
	if head.Kind != Kind || head.FormatVersion == nil {
		return nil, fail("not a bwstate plan file (kind %q, want %q)", head.Kind, Kind)
	}
	if err := checkVersion(*head.FormatVersion); err != nil {
		return nil, fail("%v", err)
	}
	var doc document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fail("corrupt plan file: %v", err)
	}
	sum, err := digest.Canonical("", data, "checksum")
	if err != nil {
		return nil, fail("corrupt plan file: %v", err)
	}
	if sum != doc.Checksum {
		return nil, fail("checksum mismatch: the file was edited or damaged after it was written; make a new plan")
	}
	f := &File{Name: name, afterHash: map[string]string{}}
	p := &engine.Plan{
		FormatVersion: doc.FormatVersion, ConfigHash: doc.ConfigHash, CreatedAt: doc.CreatedAt,
		Salt: doc.Salt, Mode: doc.Mode, Warnings: doc.Warnings,
		LeftAlone: doc.LeftAlone, Targets: doc.Targets, Excludes: doc.Excludes,
	}
	if _, ok := engine.ParseMode(string(p.Mode)); !ok {
		return nil, fail("unknown mode %q", p.Mode)
	}
	for i, hd := range doc.Hosts {
		if hd == nil || hd.Name == "" {
			return nil, fail("host %d has no name", i+1)
		}
		hp := &engine.HostPlan{
			Name: hd.Name, Address: hd.Address, Type: hd.Type, Release: hd.Release, Error: hd.Error,
			Warnings: hd.Warnings, Facts: hd.Facts, Checks: hd.Checks,
			Changes: []*engine.Change{}, Restarts: []*engine.Restart{},
		}
		for _, cd := range hd.Changes {
			c, err := changeFromDoc(f, hd.Name, cd)
			if err != nil {
				return nil, fail("host %s: %v", hd.Name, err)
			}
			hp.Changes = append(hp.Changes, c)
		}
		for _, cd := range hd.Drift {
			c, err := changeFromDoc(nil, hd.Name, cd)
			if err != nil {
				return nil, fail("host %s drift: %v", hd.Name, err)
			}
			hp.Drift = append(hp.Drift, c)
		}
		for _, r := range hd.Restarts {
			if r == nil {
				return nil, fail("host %s: empty restart", hd.Name)
			}
			r.Pending = false
			hp.Restarts = append(hp.Restarts, r)
		}
		for _, r := range hd.PendingRestarts {
			if r == nil {
				return nil, fail("host %s: empty pending restart", hd.Name)
			}
			r.Pending = true
			hp.Restarts = append(hp.Restarts, r)
		}
		for _, r := range hd.SatisfiedRestarts {
			if r == nil || r.Satisfied == "" {
				return nil, fail("host %s: a satisfied restart does not say why", hd.Name)
			}
			hp.Satisfied = append(hp.Satisfied, r)
		}
		p.Hosts = append(p.Hosts, hp)
	}
	f.Plan = p
	return f, nil
}

func checkVersion(v string) error {
	major, minor, ok := strings.Cut(v, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if !ok || err1 != nil || err2 != nil || ma < 0 || mi < 0 {
		return fmt.Errorf("unknown format version %q (this bwstate reads %s)", v, engine.PlanFormatVersion)
	}
	cur := strings.SplitN(engine.PlanFormatVersion, ".", 2)
	cma, _ := strconv.Atoi(cur[0])
	cmi, _ := strconv.Atoi(cur[1])
	if ma > cma || (ma == cma && mi > cmi) {
		return fmt.Errorf("format version %s is newer than this bwstate reads (%s): use a newer bwstate or make a new plan", v, engine.PlanFormatVersion)
	}
	if ma < cma {
		return fmt.Errorf("format version %s is older than this bwstate reads (%s): make a new plan", v, engine.PlanFormatVersion)
	}
	return nil
}

func changeFromDoc(f *File, host string, cd *changeDoc) (*engine.Change, error) {
	if cd == nil {
		return nil, fmt.Errorf("empty change")
	}
	a, ok := engine.ParseAction(cd.Action)
	if !ok || a == engine.NoOp {
		return nil, fmt.Errorf("%s: unknown action %q", cd.Path, cd.Action)
	}
	if cd.Path == "" {
		return nil, fmt.Errorf("a change has no path")
	}
	c := &engine.Change{Resource: cd.Resource, Path: cd.Path, Action: a, Key: cd.Key, Attrs: []*engine.AttrChange{}, LiveRows: cd.LiveRows}
	for _, ad := range cd.Attrs {
		if ad == nil || ad.Name == "" {
			return nil, fmt.Errorf("%s: an attribute has no name", cd.Path)
		}
		ac := &engine.AttrChange{Name: ad.Name, Sensitive: ad.Sensitive, BeforeUnknown: ad.BeforeUnknown, Restart: ad.Restart}
		if ad.Sensitive {
			if ad.Before != nil || ad.After != nil {
				return nil, fmt.Errorf("%s %s is sensitive but the file carries its value", cd.Path, ad.Name)
			}
			ac.BeforeHash = ad.BeforeHash
			if f != nil {
				f.afterHash[secretKey(host, cd.Path, cd.Key, ad.Name)] = ad.AfterHash
			}
		} else {
			if ad.Before == nil || ad.After == nil {
				return nil, fmt.Errorf("%s %s has no before or after value", cd.Path, ad.Name)
			}
			ac.Before, ac.After = *ad.Before, *ad.After
		}
		c.Attrs = append(c.Attrs, ac)
	}
	return c, nil
}
