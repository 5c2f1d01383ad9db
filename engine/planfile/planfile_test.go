package planfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/digest"
)

const (
	salt         = "7a1f0000000000000000000000000000000000000000000000000000000000ff"
	beforeSecret = "old-community-Xq9"
	afterSecret  = "new-community-Zp4"
	promptSecret = "client-secret-Wm2"
)

// testKey is a state directory's hash key, made once for the package.
var testKey = func() *digest.Key {
	dir, err := os.MkdirTemp("", "planfile-key")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	k, err := digest.LoadOrCreateKey(dir)
	if err != nil {
		panic(err)
	}
	return k
}()

// otherKey stands for the key of another controller.
func otherKey(t *testing.T) *digest.Key {
	k, err := digest.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func samplePlan() *engine.Plan {
	return &engine.Plan{
		FormatVersion: engine.PlanFormatVersion, ConfigHash: "cfg123", CreatedAt: "2026-11-27T10:15:00Z",
		Salt: salt, Mode: "normal", Warnings: []string{"context Foo/Bar is not in the catalogue"},
		Hosts: []*engine.HostPlan{
			{
				Name: "xsp1", Address: "10.1.0.11", Type: "xsp", Release: "Rel_22.0_1.1123",
				Facts: &engine.Facts{TypeShown: "XSP_CLI", Type: "xsp", Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123", Alarms: []string{"bwOpenClientServerASConnFailed"}},
				Changes: []*engine.Change{
					{Resource: "context.cap_proxy_off", Path: "Applications/OpenClientServer/CAPProxy", Action: engine.Update,
						Attrs: []*engine.AttrChange{{Name: "enabled", Before: "true", After: "false", Restart: "OpenClientServer"}}},
					{Resource: "context.snmp", Path: "Interface/SNMP/Agent", Action: engine.Update,
						Attrs: []*engine.AttrChange{
							{Name: "readCommunity", Before: beforeSecret, After: afterSecret, Sensitive: true, BeforeHash: testKey.Sum(salt, beforeSecret)},
							{Name: "trapSourceAddress", Before: "", After: "10.0.0.1"},
						}},
					{Resource: "context.cis", Path: "Applications/AuthenticationService/CISTokenValidation", Action: engine.Update,
						Attrs: []*engine.AttrChange{{Name: "clientSecret", Sensitive: true, BeforeUnknown: true, Restart: "AuthenticationService"}}},
					{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Create,
						Key:   []engine.Field{{Name: "host", Value: "10.9.0.5"}},
						Attrs: []*engine.AttrChange{{Name: "description", Before: "", After: "NOC"}}},
					{Resource: "table.management_access", Path: "System/ManagementAccessList", Action: engine.Delete,
						Key:   []engine.Field{{Name: "host", Value: "10.9.0.99"}},
						Attrs: []*engine.AttrChange{{Name: "description", Before: "old", After: ""}}},
				},
				Restarts: []*engine.Restart{
					{App: "OpenClientServer", Reasons: []string{"CAPProxy changed"}},
					{App: "AuthenticationService", Reasons: []string{"CISTokenValidation changed"}, Pending: true, PendingSince: "20261120T080000Z"},
				},
				Satisfied: []*engine.Restart{{App: "ExecutionServer", Reasons: []string{"SIP changed"}, Pending: true, PendingSince: "20261101T080000Z",
					Release: "Rel_21.0_1.551", Satisfied: "the release changed from Rel_21.0_1.551 to Rel_22.0_1.1123 since it was recorded (an upgrade restarts every application)"}},
				Checks: []*engine.Check{{Resource: "check.no_cap_alarms", Passed: false, Message: "CAP connection alarms are still raised"}},
			},
			{Name: "xsp4", Address: "10.1.0.14", Type: "xsp", Error: "unreachable: connection refused", Changes: []*engine.Change{}, Restarts: []*engine.Restart{}},
		},
	}
}

// secrets is what a fresh evaluation of the configuration would yield.
func secrets(values map[string]string) Secrets {
	return func(host, path, attr string, key []engine.Field) (string, bool) {
		v, ok := values[host+" "+path+" "+attr]
		return v, ok
	}
}

var freshSecrets = secrets(map[string]string{
	"xsp1 Interface/SNMP/Agent readCommunity":                                 afterSecret,
	"xsp1 Applications/AuthenticationService/CISTokenValidation clientSecret": promptSecret,
})

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	p := samplePlan()
	if err := Write(path, p, freshSecrets, testKey); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := samplePlan()
	// Sensitive values do not survive the file; their hashes do.
	snmp := want.Hosts[0].Changes[1].Attrs[0]
	snmp.Before, snmp.After = "", ""
	want.Hosts[0].Changes[2].Attrs[0].After = ""
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("wrong result (-want +got):\n%s", d)
	}

	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("wrong result\ngot: %v\nwant: 0600", st.Mode().Perm())
	}

	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h, ok := f.AfterHash("xsp1", "interface/snmp/agent", "readcommunity", nil)
	if match, err := testKey.Match(h, salt, afterSecret); !ok || !match || err != nil {
		t.Errorf("wrong result\ngot: %q %v (%v)\nwant: the keyed hash of the after value", h, ok, err)
	}
}

func TestSensitiveValuesNeverWritten(t *testing.T) {
	b, err := Marshal(samplePlan(), freshSecrets, testKey)
	if err != nil {
		t.Fatal(err)
	}
	// The file holds keyed hashes only: its nonce ("salt") is not enough to
	// test a guess, as it was with sha256(salt + value).
	for _, guess := range []string{beforeSecret, afterSecret} {
		if strings.Contains(string(b), digest.Legacy(salt, guess)) {
			t.Errorf("plan file holds a salted sha256 of %q, which anyone can test guesses against", guess)
		}
		if !strings.Contains(string(b), testKey.Sum(salt, guess)) {
			t.Errorf("plan file lacks the keyed hash of %q", guess)
		}
	}
	if _, err := Marshal(samplePlan(), freshSecrets, nil); err == nil || !strings.Contains(err.Error(), "xsp1 Interface/SNMP/Agent readCommunity is sensitive: writing its hash needs the state directory's key") {
		t.Errorf("wrong result\ngot: %v\nwant: a plan with secrets cannot be written without the key", err)
	}
	for _, s := range []string{beforeSecret, afterSecret, promptSecret} {
		if strings.Contains(string(b), s) {
			t.Errorf("plan file contains the secret %q:\n%s", s, b)
		}
	}
	for _, s := range []string{`"format_version": "1.0"`, `"kind": "bwstate-plan"`, `"before_hash"`, `"after_hash"`, `"pending_restarts"`, `"before": "true"`, `"after": "false"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("plan file lacks %s:\n%s", s, b)
		}
	}
}

func TestCheckSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := Write(path, samplePlan(), freshSecrets, testKey); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		s    Secrets
		want []string
	}{
		"same values": {s: freshSecrets},
		"one changed": {
			s: secrets(map[string]string{
				"xsp1 Interface/SNMP/Agent readCommunity":                                 "changed",
				"xsp1 Applications/AuthenticationService/CISTokenValidation clientSecret": promptSecret,
			}),
			want: []string{"xsp1 Interface/SNMP/Agent readCommunity"},
		},
		"none known": {
			s:    secrets(nil),
			want: []string{"xsp1 Interface/SNMP/Agent readCommunity", "xsp1 Applications/AuthenticationService/CISTokenValidation clientSecret"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := f.CheckSecrets(tc.s, testKey)
			var me *SecretMismatchError
			if tc.want == nil {
				if err != nil {
					t.Fatalf("wrong result\ngot: %v\nwant: <nil>", err)
				}
				return
			}
			if !errors.As(err, &me) {
				t.Fatalf("wrong result\ngot: %v\nwant: *SecretMismatchError", err)
			}
			if d := cmp.Diff(tc.want, me.Attrs); d != "" {
				t.Errorf("wrong result (-want +got):\n%s", d)
			}
			if strings.Contains(err.Error(), "changed\"") || strings.Contains(err.Error(), promptSecret) {
				t.Errorf("message leaks a value: %v", err)
			}
		})
	}
}

// A plan file whose hashes were not made with this state directory's key
// (an earlier bwstate's salted sha256, or another controller's key) is
// refused before anything is compared, with a message saying which.
func TestCheckSecretsForeignHashes(t *testing.T) {
	legacy := func() []byte {
		doc, err := toDocument(samplePlan(), freshSecrets, &hasher{key: testKey, nonce: salt, fromPlan: true, needKey: true})
		if err != nil {
			t.Fatal(err)
		}
		a := doc.Hosts[0].Changes[1].Attrs[0]
		a.BeforeHash, a.AfterHash = digest.Legacy(salt, beforeSecret), digest.Legacy(salt, afterSecret)
		doc.Hosts[0].Changes[2].Attrs[0].AfterHash = digest.Legacy(salt, promptSecret)
		b, err := encode(doc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	other := otherKey(t)
	foreign, err := Marshal(samplePlan(), freshSecrets, other)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		data []byte
		want string
	}{
		"earlier bwstate": {data: legacy(),
			want: "plan file p.json was made by an earlier bwstate: its hashes of sensitive values (xsp1 Interface/SNMP/Agent readCommunity) are salted sha256, which anyone holding the file could test guesses against, and this version accepts only keyed hashes; make a new plan"},
		"another key": {data: foreign,
			want: "plan file p.json was made with another hash key (" + other.ID() + ") than this configuration's .bwstate/hmac.key (" + testKey.ID() + "): it was planned on another controller, or before .bwstate was recreated, so its sensitive values (xsp1 Interface/SNMP/Agent readCommunity) cannot be checked; make a new plan here"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := Parse("p.json", tc.data)
			if err != nil {
				t.Fatal(err)
			}
			err = f.CheckSecrets(freshSecrets, testKey)
			var ke *KeyMismatchError
			if !errors.As(err, &ke) || err.Error() != tc.want {
				t.Errorf("wrong result\ngot: %v\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	valid, err := Marshal(samplePlan(), freshSecrets, testKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		data string
		want string
	}{
		"newer major": {
			data: strings.Replace(string(valid), `"format_version": "1.0"`, `"format_version": "2.0"`, 1),
			want: "read plan file NAME: format version 2.0 is newer than this bwstate reads (1.0): use a newer bwstate or make a new plan",
		},
		"newer minor": {
			data: strings.Replace(string(valid), `"format_version": "1.0"`, `"format_version": "1.7"`, 1),
			want: "read plan file NAME: format version 1.7 is newer than this bwstate reads (1.0): use a newer bwstate or make a new plan",
		},
		"older": {
			data: strings.Replace(string(valid), `"format_version": "1.0"`, `"format_version": "0.9"`, 1),
			want: "read plan file NAME: format version 0.9 is older than this bwstate reads (1.0): make a new plan",
		},
		"garbage version": {
			data: strings.Replace(string(valid), `"format_version": "1.0"`, `"format_version": "one"`, 1),
			want: `read plan file NAME: unknown format version "one" (this bwstate reads 1.0)`,
		},
		"other kind": {
			data: `{"format_version":"1.0","kind":"terraform-plan"}`,
			want: `read plan file NAME: not a bwstate plan file (kind "terraform-plan", want "bwstate-plan")`,
		},
		"truncated": {
			data: string(valid[:len(valid)/2]),
			want: "read plan file NAME: not a bwstate plan file (invalid JSON: unexpected end of JSON input)",
		},
		"value edited": {
			data: strings.Replace(string(valid), `"after": "false"`, `"after": "true"`, 1),
			want: "read plan file NAME: checksum mismatch: the file was edited or damaged after it was written; make a new plan",
		},
		"unknown field": {
			data: strings.Replace(string(valid), `"kind": "bwstate-plan",`, `"kind": "bwstate-plan", "extra": 1,`, 1),
			want: `read plan file NAME: corrupt plan file: json: unknown field "extra"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.json")
			os.WriteFile(path, []byte(tc.data), 0o600)
			_, err := Read(path)
			want := strings.ReplaceAll(tc.want, "NAME", path)
			if err == nil || err.Error() != want {
				t.Errorf("wrong result\ngot: %v\nwant: %s", err, want)
			}
		})
	}
}

func TestReadRejectsSensitiveValue(t *testing.T) {
	// A hand-made file (valid checksum) that carries a sensitive value.
	doc, err := toDocument(samplePlan(), nil, &hasher{key: testKey, nonce: salt, fromPlan: true, needKey: true})
	if err != nil {
		t.Fatal(err)
	}
	doc.Hosts[0].Changes[1].Attrs[0].After = str("leaked")
	b, err := encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("p.json", b)
	want := "read plan file p.json: host xsp1: Interface/SNMP/Agent readCommunity is sensitive but the file carries its value"
	if err == nil || err.Error() != want {
		t.Errorf("wrong result\ngot: %v\nwant: %s", err, want)
	}
}

func TestHashIsStable(t *testing.T) {
	h1, err1 := Hash(samplePlan())
	h2, err2 := Hash(samplePlan())
	p := samplePlan()
	p.Hosts[0].Changes[0].Attrs[0].After = "true"
	h3, err3 := Hash(p)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if h1 != h2 || h1 == h3 {
		t.Errorf("wrong result\ngot: %s %s %s\nwant: equal for equal plans, different for a changed value", h1, h2, h3)
	}
}

func FuzzRead(f *testing.F) {
	valid, err := Marshal(samplePlan(), freshSecrets, testKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format_version":"1.0","kind":"bwstate-plan","hosts":[null]}`))
	f.Add([]byte(`{"format_version":"1.0","kind":"bwstate-plan","hosts":[{"name":"a","changes":[null]}]}`))
	f.Add([]byte(`{"format_version":"1.","kind":"bwstate-plan"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "read plan file fuzz.json: ") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		// Whatever is accepted must survive a write and a read unchanged.
		b, err := Marshal(file.Plan, nil, testKey)
		if err != nil {
			t.Fatalf("re-encode an accepted plan: %v", err)
		}
		if _, err := Parse("again.json", b); err != nil {
			t.Fatalf("an accepted plan does not read back: %v", err)
		}
	})
}

// Hash needs no key: sensitive values of an in-memory plan are left out
// (only hashes a saved plan carries count).
func TestHashIgnoresSecretValues(t *testing.T) {
	a, b := samplePlan(), samplePlan()
	b.Hosts[0].Changes[1].Attrs[0].After = "a-different-secret"
	ha, err1 := Hash(a)
	hb, err2 := Hash(b)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if ha != hb {
		t.Errorf("wrong result\ngot: %s != %s\nwant: a plan hash that does not depend on secret values", ha, hb)
	}
}
