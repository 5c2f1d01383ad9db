package engine

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestParseRelease(t *testing.T) {
	tests := map[string]struct {
		in, want string // want "" means an error
	}{
		"classic":             {"22.0", "22.0"},
		"classic 24":          {"24.0", "24.0"},
		"one part":            {"24", "24.0"},
		"year.month":          {"2022.11", "2022.11"},
		"two-digit month":     {"2023.03", "2023.03"},
		"one-digit month":     {"2022.9", "2022.09"},
		"month ten":           {"2022.10", "2022.10"},
		"classic minor kept":  {"17.5", "17.5"},
		"empty":               {"", ""},
		"blank":               {" 22.0", ""},
		"sign":                {"-22.0", ""},
		"three parts":         {"22.0.1", ""},
		"empty minor":         {"22.", ""},
		"empty major":         {".5", ""},
		"service pack":        {"21.sp1", "21.sp1"},
		"service pack, caps":  {"17.SP4", "17.sp4"},
		"service pack 0":      {"21.sp0", ""},
		"service pack, empty": {"21.sp", ""},
		"year.month sp":       {"2022.sp1", ""},
		"letters":             {"17.x4", ""},
		"exponent":            {"2.2e1", ""},
		"a build number":      {"22.0_1.1123", ""},
		"too many digits":     {"12345678.0", ""},
		"underscore in digit": {"2_2.0", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := ParseRelease(tc.in)
			switch {
			case tc.want == "" && err == nil:
				t.Errorf("wrong result\ngot: %s\nwant: an error", r)
			case tc.want != "" && err != nil:
				t.Errorf("wrong result\ngot: %v\nwant: %s", err, tc.want)
			case tc.want != "" && r.String() != tc.want:
				t.Errorf("wrong result\ngot: %s\nwant: %s", r, tc.want)
			}
		})
	}
}

// TestReleaseOrder: releases order by their parts as numbers, so a month
// written with one digit is still before a later month, which decimal
// numbers would get wrong (2022.9 > 2022.11).
func TestReleaseOrder(t *testing.T) {
	in := []string{"2023.03", "24.0", "2022.11", "22.0", "2022.9", "21.sp1", "21.0", "2022.10", "2023.3", "20.sp1"}
	var rs []Release
	for _, s := range in {
		rs = append(rs, MustParseRelease(s))
	}
	slices.SortStableFunc(rs, Release.Compare)
	var got []string
	for _, r := range rs {
		got = append(got, r.String())
	}
	want := []string{"20.sp1", "21.0", "21.sp1", "22.0", "24.0", "2022.09", "2022.10", "2022.11", "2023.03", "2023.03"}
	if !slices.Equal(got, want) {
		t.Errorf("wrong result\ngot:  %v\nwant: %v", got, want)
	}
	if MustParseRelease("2023.3") != MustParseRelease("2023.03") {
		t.Error("wrong result\ngot: 2023.3 != 2023.03\nwant: one release, equal with ==")
	}
}

func TestReleaseRange(t *testing.T) {
	r := MustParseRelease
	tests := map[string]struct {
		rr      ReleaseRange
		release string
		want    bool
		text    string
	}{
		"all":                   {ReleaseRange{}, "21.0", true, "all releases"},
		"since, before":         {ReleaseRange{Since: r("22.0")}, "21.0", false, "release 22.0 and later"},
		"since, at":             {ReleaseRange{Since: r("22.0")}, "22.0", true, "release 22.0 and later"},
		"since, year.month":     {ReleaseRange{Since: r("22.0")}, "2022.11", true, "release 22.0 and later"},
		"until, at":             {ReleaseRange{Until: r("22.0")}, "22.0", false, "releases before 22.0"},
		"until, before":         {ReleaseRange{Until: r("22.0")}, "21.0", true, "releases before 22.0"},
		"since, service pack":   {ReleaseRange{Since: r("22.0")}, "21.sp1", false, "release 22.0 and later"},
		"months by number":      {ReleaseRange{Since: r("2022.9"), Until: r("2022.11")}, "2022.10", true, "releases 2022.09 to before 2022.11"},
		"months by number, end": {ReleaseRange{Since: r("2022.9"), Until: r("2022.11")}, "2022.11", false, "releases 2022.09 to before 2022.11"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.rr.Contains(r(tc.release)); got != tc.want {
				t.Errorf("wrong result for %s in %s\ngot:  %v\nwant: %v", tc.release, tc.rr, got, tc.want)
			}
			if got := tc.rr.String(); got != tc.text {
				t.Errorf("wrong text\ngot:  %s\nwant: %s", got, tc.text)
			}
		})
	}
}

// TestReleaseJSON: facts carry the release as the number host.release
// holds (22, not 22.0, as earlier versions wrote it), and read it back
// exactly, month ten included.
func TestReleaseJSON(t *testing.T) {
	tests := map[string]struct {
		release, json string
		number        float64
	}{
		"classic":    {"22.0", "22", 22},
		"year.month": {"2022.11", "2022.11", 2022.11},
		"march":      {"2023.03", "2023.03", 2023.03},
		"month ten":  {"2022.10", "2022.10", 2022.1},
		"none":       {"0", "0", 0},
	}
	// A service pack is host.release's number of its release, and JSON
	// keeps it as a string.
	sp := MustParseRelease("21.sp1")
	if sp.Number() != 21 || sp.NumberText() != "21" {
		t.Errorf("wrong number\ngot:  %v (%s)\nwant: 21", sp.Number(), sp.NumberText())
	}
	if b, err := json.Marshal(Facts{Release: sp}); err != nil || !strings.Contains(string(b), `"release":"21.sp1"`) {
		t.Errorf("wrong JSON\ngot:  %s (%v)\nwant: \"release\":\"21.sp1\"", b, err)
	} else {
		var back Facts
		if err := json.Unmarshal(b, &back); err != nil || back.Release != sp {
			t.Errorf("wrong round trip\ngot:  %s (%v)\nwant: 21.sp1", back.Release, err)
		}
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := MustParseRelease(tc.release)
			b, err := json.Marshal(Facts{Release: r})
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if got := doc["release"]; got != tc.number {
				t.Errorf("wrong number\ngot:  %v\nwant: %v", got, tc.number)
			}
			if got := r.NumberText(); got != tc.json {
				t.Errorf("wrong text\ngot:  %s\nwant: %s", got, tc.json)
			}
			var back Facts
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back.Release != r {
				t.Errorf("wrong round trip\ngot:  %s\nwant: %s", back.Release, r)
			}
		})
	}
	var f Facts
	for _, in := range []string{`{"release": 24.0}`, `{"release": "2022.11"}`, `{"release": null}`} {
		if err := json.Unmarshal([]byte(in), &f); err != nil {
			t.Errorf("wrong result for %s\ngot: %v\nwant: read", in, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"release": -1}`), &f); err == nil {
		t.Error("wrong result\ngot: -1 read as a release\nwant: an error")
	}
}

// FuzzParseRelease: a release number comes from server output (bwshowver)
// and from plan files. Whatever is read prints to text that reads back as
// the same release, in the same order, and as the same decimal number.
func FuzzParseRelease(f *testing.F) {
	for _, s := range []string{"22.0", "24", "2022.11", "2023.03", "2022.9", "2022.10", "0", "17.sp4", "", "99999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRelease(s)
		if err != nil {
			return
		}
		back, err := ParseRelease(r.String())
		if err != nil || back != r || back.Compare(r) != 0 {
			t.Fatalf("%q prints %q, which reads back as %v (%v)", s, r, back, err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var j Release
		if err := json.Unmarshal(b, &j); err != nil || j != r {
			t.Fatalf("%q: JSON %s reads back as %v (%v)", s, b, j, err)
		}
		var n Release
		if err := json.Unmarshal([]byte(r.NumberText()), &n); err != nil || n.Number() != r.Number() {
			t.Fatalf("%q: number %s reads back as %v (%v)", s, r.NumberText(), n, err)
		}
	})
}
