package engine

import (
	"bytes"
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// Release is a release number as BroadWorks names releases: 21.0, 22.0,
// 24.0, and for release-independent builds year.month, 2022.11, 2023.03.
// Releases compare by their parts as numbers, major first, so 2022.9 is
// before 2022.11 (which a comparison of decimal fractions would get
// wrong), and every year.month release is after every classic one.
//
// Release is comparable with ==: two values are equal exactly when they
// name the same release ("2023.3" and "2023.03" are one release). The
// zero Release is no release: an open bound of a ReleaseRange, or facts
// that did not say.
type Release struct {
	major, minor int
	// servicePack is the M of a classic release named N.spM (21.sp1, a
	// service pack of 21.0, before 22.0); zero otherwise.
	servicePack int
}

// yearMajor is the smallest major part read as a year: release-independent
// builds are named year.month, classic releases 14.0 to 24.0.
const yearMajor = 1000

// maxReleasePart bounds each part, so that a part never overflows and a
// typing mistake (a build number in the release) is refused.
const maxReleasePart = 1_000_000

// ParseRelease reads a release number: "22.0", "24", "2022.11", "2023.03",
// and the service packs of classic releases, "21.sp1" (any case).
// It refuses anything else (signs, blanks, more than two parts, empty
// parts) with an error that quotes s.
func ParseRelease(s string) (Release, error) {
	majorText, minorText, dotted := strings.Cut(s, ".")
	major, ok1 := releasePart(majorText)
	minor, sp, ok2 := 0, 0, true
	if dotted {
		if len(minorText) > 2 && strings.EqualFold(minorText[:2], "sp") && major < yearMajor {
			sp, ok2 = releasePart(minorText[2:])
			ok2 = ok2 && sp > 0
		} else {
			minor, ok2 = releasePart(minorText)
		}
	}
	if !ok1 || !ok2 {
		return Release{}, fmt.Errorf("%q is not a release number (MAJOR.MINOR, like 22.0 or 2022.11, or a service pack, like 21.sp1)", s)
	}
	return Release{major: major, minor: minor, servicePack: sp}, nil
}

func releasePart(s string) (int, bool) {
	if s == "" || len(s) > 7 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n < maxReleasePart
}

// MustParseRelease is ParseRelease for constants; it panics on a mistake.
func MustParseRelease(s string) Release {
	r, err := ParseRelease(s)
	if err != nil {
		panic(err)
	}
	return r
}

// IsZero reports whether r is no release.
func (r Release) IsZero() bool { return r == Release{} }

// Compare returns -1 when r is before o, 0 when they are the same release
// and +1 when r is after o.
func (r Release) Compare(o Release) int {
	if c := cmp.Compare(r.major, o.major); c != 0 {
		return c
	}
	if c := cmp.Compare(r.minor, o.minor); c != 0 {
		return c
	}
	return cmp.Compare(r.servicePack, o.servicePack)
}

// ServicePack is M for a release named N.spM (21.sp1 gives 1), else 0.
func (r Release) ServicePack() int { return r.servicePack }

// Equal reports whether r and o are the same release (r == o).
func (r Release) Equal(o Release) bool { return r == o }

// Less reports whether r is before o.
func (r Release) Less(o Release) bool { return r.Compare(o) < 0 }

// String prints the release as BroadWorks does: "22.0", "21.sp1",
// "2022.11", and the month of a year.month release with two digits
// ("2023.03").
func (r Release) String() string {
	if r.servicePack > 0 {
		return fmt.Sprintf("%d.sp%d", r.major, r.servicePack)
	}
	if r.major >= yearMajor {
		return fmt.Sprintf("%d.%02d", r.major, r.minor)
	}
	return fmt.Sprintf("%d.%d", r.major, r.minor)
}

// Number is the release as a decimal number (22, 2022.11, 2023.03): the
// number the configuration's host.release holds and JSON documents carry.
// Ordering releases by this number is right only because BroadWorks
// prints months with two digits; compare Releases with Compare.
func (r Release) Number() float64 {
	f, _ := strconv.ParseFloat(r.NumberText(), 64)
	return f
}

// NumberText is Number as exact decimal text, for parsers that keep every
// digit (cty): String without a ".0" that adds nothing ("22", "2022.11",
// "2023.03", and "2022.10", whose zero is the month's). A service pack
// is its release's number: 21.sp1 is 21, as host.release sees it.
func (r Release) NumberText() string {
	if r.minor == 0 && r.major < yearMajor {
		return strconv.Itoa(r.major)
	}
	return r.String()
}

// MarshalJSON writes the release as a JSON number, as host.release sees
// it: 22, 24, 2022.11, 2023.03, and 2022.10 with its trailing zero, so that
// the month survives a round trip. Readers that take it as a float get the
// same value as from earlier versions of bwstate, which wrote a float. A
// service pack is written as a string ("21.sp1"), the one form that keeps
// it.
func (r Release) MarshalJSON() ([]byte, error) {
	if r.servicePack > 0 {
		// No number keeps the service pack: "21.sp1", a string, which
		// UnmarshalJSON reads back.
		return []byte(strconv.Quote(r.String())), nil
	}
	return []byte(r.NumberText()), nil
}

// UnmarshalJSON reads a release written by MarshalJSON (a number), or a
// string such as "22.0".
func (r *Release) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*r = Release{}
		return nil
	}
	s := string(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		s = string(b[1 : len(b)-1])
	}
	v, err := ParseRelease(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}
