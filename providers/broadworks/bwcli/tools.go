package bwcli

import (
	"strconv"
	"strings"
)

// Version is what bwshowver reports.
type Version struct {
	// ServerType is the first word: "AS", "XSP", "ADP".
	ServerType string `json:"server_type"`
	// Release as printed: "Rel_24.0_1.944", "Rel_2022.11_1.273".
	Release string `json:"release"`
	// Number is the release as a number: 24.0, or 2022.11 for
	// release-independent builds; a service pack (21.sp1) is 21.
	Number float64 `json:"number"`
	// NumberText is the release as printed ("2022.10" stays "2022.10",
	// "21.sp1" keeps its service pack).
	NumberText string `json:"number_text"`
	// Build is the part after the number: "1.944".
	Build string `json:"build,omitempty"`
	// ReleaseIndependent is true for year.month releases (R25 and later).
	ReleaseIndependent bool `json:"release_independent,omitempty"`
	// Built is the build date as printed.
	Built string `json:"built,omitempty"`
	// Patches is the `Active Patches: N` count.
	Patches int `json:"patches"`
	// PatchNames lists the active patches when bwshowver names them;
	// release 24 prints only the count (tech note 220172).
	PatchNames []string `json:"patch_names,omitempty"`
	// Applications are the `- Name version V` lines of release-independent
	// builds' `Applications Info:`.
	Applications []AppVersion `json:"applications,omitempty"`
}

// AppVersion is one application of a release-independent build.
type AppVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Detail is whatever follows the version on the line, as printed:
	// "context path /webservice".
	Detail string `json:"detail,omitempty"`
}

// ParseVersion parses bwshowver output [C]:
//
//	AS version Rel_24.0_1.944
//
//	Built  Sat Jun  6 00:26:50 EDT 2020
//	- BASE revision 909962
//	- AS revision 909962
//
//	Patching Info:
//	  Active Patches: 701
//
// and release-independent builds (`ADP version Rel_2022.11_1.273`, then
// `Applications Info:` with `- OpenClientServer version 2022.11_1.273`
// lines, some with a suffix such as `context path /webservice`). Patch
// names listed under the count (as the simulator can) are collected;
// release 24 prints the count alone. A missing release line is a
// *ParseError.
func ParseVersion(out string) (*Version, error) {
	v := &Version{}
	lines := strings.Split(out, "\n")
	inPatches, inApps := false, false
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" {
			inPatches = false
			continue
		}
		if m := patterns.release.FindStringSubmatch(t); m != nil && v.Release == "" {
			n := patterns.releaseNumber.FindStringSubmatch(m[2])
			if n == nil {
				return nil, lineError("bwshowver", i+1, t, "release is not a number")
			}
			number, _, _ := strings.Cut(strings.ToLower(n[1]), ".sp") // a service pack counts as its release
			f, err := strconv.ParseFloat(number, 64)
			if err != nil {
				return nil, lineError("bwshowver", i+1, t, "release is not a number")
			}
			v.ServerType, v.Release, v.Number, v.NumberText, v.Build = m[1], "Rel_"+m[2], f, n[1], n[2]
			v.ReleaseIndependent = f >= 2000
			continue
		}
		if m := patterns.built.FindStringSubmatch(t); m != nil && v.Built == "" {
			v.Built = m[1]
			continue
		}
		if m := patterns.activePatches.FindStringSubmatch(t); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, lineError("bwshowver", i+1, t, "bad patch count")
			}
			v.Patches, inPatches, inApps = n, true, false
			continue
		}
		if patterns.section.MatchString(t) {
			inPatches = false
			inApps = patterns.appsSection.MatchString(t)
			continue
		}
		if m := patterns.appVersion.FindStringSubmatch(t); m != nil {
			if inApps || !inPatches {
				v.Applications = append(v.Applications, AppVersion{Name: m[1], Version: m[2], Detail: strings.TrimSpace(m[3])})
				continue
			}
		}
		if inPatches {
			name := strings.TrimSpace(strings.TrimLeft(t, "-*"))
			if name != "" {
				v.PatchNames = append(v.PatchNames, name)
			}
		}
	}
	if v.Release == "" {
		return nil, &ParseError{What: "bwshowver", Reason: "no `<TYPE> version Rel_<release>` line"}
	}
	return v, nil
}

// Health is what `healthmon -l` reports.
type Health struct {
	ServerName string `json:"server_name,omitempty"`
	DateTime   string `json:"date_time,omitempty"`
	// Severity is the report severity: NOTIFICATION when all is well.
	Severity string `json:"severity"`
	// ServerType such as "AppServer".
	ServerType string `json:"server_type,omitempty"`
	// State is the server state: "Unlock" in service.
	State string `json:"state,omitempty"`
	// Healthy is true when Severity is NOTIFICATION and no abnormal
	// condition is reported. State is not part of it: a server an operator
	// locked on purpose must not make every restart wait in vain.
	Healthy bool `json:"healthy"`
	// Abnormal holds the abnormal condition lines, in the server's words.
	Abnormal []string `json:"abnormal,omitempty"`
}

// ParseHealth parses `healthmon -l` output [C], in each layout seen (tech
// note 220570): with blank lines around the verdict (AS, XSP), without
// (NS), with rules of any length (a 31-dash final rule on AS) and with a
// rule glued to a text line (NDS's collapsed tail). Lines it does not
// recognise outside the report header count as abnormal conditions, so an
// unknown complaint is never taken for health. A report without a
// severity is a *ParseError.
func ParseHealth(out string) (*Health, error) {
	h := &Health{}
	inAbnormal, abnormalHeader := false, false
	for _, line := range strings.Split(out, "\n") {
		t := trimRules(strings.TrimSpace(line))
		if t == "" {
			continue
		}
		switch {
		case patterns.healthOK.MatchString(t):
			continue
		case patterns.healthAbnormal.MatchString(t):
			inAbnormal, abnormalHeader = true, true
			continue
		case inAbnormal:
			h.Abnormal = append(h.Abnormal, strings.TrimSpace(strings.TrimPrefix(t, "- ")))
			continue
		case patterns.healthTitle.MatchString(t):
			continue
		}
		if m := patterns.healthField.FindStringSubmatch(t); m != nil {
			val := strings.TrimSpace(m[2])
			switch strings.ToLower(strings.Join(strings.Fields(m[1]), " ")) {
			case healthKeys.serverName:
				h.ServerName = val
			case healthKeys.dateTime:
				h.DateTime = val
			case healthKeys.severity:
				h.Severity = val
			case healthKeys.serverType:
				h.ServerType = val
			case healthKeys.serverState:
				h.State = val
			}
			// Other `Key : value` lines are report details.
			continue
		}
		h.Abnormal = append(h.Abnormal, t)
	}
	if h.Severity == "" {
		return nil, &ParseError{What: "healthmon", Reason: "no `Report severity` line"}
	}
	if abnormalHeader && len(h.Abnormal) == 0 {
		h.Abnormal = []string{"abnormal conditions detected (none listed)"}
	}
	h.Healthy = strings.EqualFold(h.Severity, severityHealthy) && len(h.Abnormal) == 0
	return h, nil
}

// trimRules removes rules of `-` or `=` (three or more) glued to the start
// or end of a line, and returns "" for a line that is only a rule.
func trimRules(t string) string {
	for _, c := range []string{"-", "="} {
		if trimmed := strings.TrimLeft(t, c); len(t)-len(trimmed) >= 3 {
			t = strings.TrimSpace(trimmed)
		}
		if trimmed := strings.TrimRight(t, c); len(t)-len(trimmed) >= 3 {
			t = strings.TrimSpace(trimmed)
		}
	}
	return t
}

// ParseShowrun parses showrun output into application name -> state. The
// format is unknown [G]; the simulator prints a header `Application
// State`, a line of `-`, then `name  state` lines. Header and separator
// lines and headings ending in `:` are skipped; every other line must have
// a name and a state (columns split at two or more spaces, else at white
// space): a name of letters, digits, `_`, `.` and `-`, and a state word.
// Anything else (a process listing such as `[ up ] OpenClientServer (pid
// 12)`) is a *ParseError: the caller then does without showrun.
func ParseShowrun(out string) (map[string]string, error) {
	apps := map[string]string{}
	lines := strings.Split(out, "\n")
	// Lines above a separator are the header.
	body := 0
	for i, l := range lines {
		if isRuleLine(l, '-') || isRuleLine(l, '=') {
			body = i + 1
			break
		}
	}
	for i := body; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || isRuleLine(t, '-') || isRuleLine(t, '=') || strings.HasSuffix(t, ":") || patterns.showrunHeader.MatchString(t) {
			continue
		}
		var cols []string
		tl := newTermLine(t)
		for _, f := range tl.fields() {
			cols = append(cols, tl.text(f))
		}
		if len(cols) < 2 {
			cols = strings.Fields(t)
		}
		if len(cols) < 2 {
			return nil, lineError("showrun", i+1, t, "no state after the application name")
		}
		if !patterns.showrunName.MatchString(cols[0]) || !patterns.showrunState.MatchString(cols[1]) {
			return nil, lineError("showrun", i+1, t, "not an application name followed by its state")
		}
		apps[cols[0]] = cols[1]
	}
	return apps, nil
}
