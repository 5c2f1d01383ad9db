package sim

import (
	"strings"
	"testing"
)

// FuzzSession types arbitrary input at the shell and bwcli: whatever a
// client sends, the interpreters must not panic, must end at end of input,
// and on a PTY must never print a bare LF.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"bwcli\ncd /Applications/OpenClientServer/CAPProxy;get\nset enabled false\nexit\ny\n",
		"bwcli\nsys;sec;black\nadd 1 2 tcp 3 4 eth0\nget\n",
		"bwcli\ncd /Maintenance/Scheduler\nadd a 1 1\ndelete 1\nset 1 hour\n",
		"bwcli\ncd /Applications/AuthenticationService/CISTokenValidation\nset clientSecret\n\x03\n",
		"bwcli\ncd /Monitoring/Alarm/AlarmsTable\nclearAll;maybe;y\nlist\n",
		"restartbw\nstopbw OpenClientServer\nhealthmon -l\nshowrun\n\x04",
		"bwcli\nre\nhi\nhelp set\ncd ../../..\n\"\";;\"\n",
		"showrun | grep -iv 'run' | head -n 2 | tail -1; echo \"$? $HOSTNAME\" a\\ b\nhistory\nclear\nhelp\nexit 3\n",
		"echo one\n\x1b[A\x1b[D\x1b[Dx\x01\x0b\x17\x1b[3~\x1b[H\x1b[F\x1b\x1b[Zbwcli\n\x1b[A\x1b[B\xff\xfe\n",
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	src := strings.Replace(defaultTranscriptLab, `"0s"`, `"1h"`, 1)
	f.Fuzz(func(t *testing.T, input string, pty bool) {
		fl := memoryFleet(t, src)
		out, _, _ := memorySession(fl.Host("xsp1"), input, pty, "")
		if pty && strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
			t.Errorf("bare LF in PTY output for input %q:\n%q", input, out)
		}
	})
}
