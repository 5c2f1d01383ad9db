package config

import (
	"fmt"
	"testing"
)

// TestNeedsAlarms: the alarms table is read only for hosts whose
// evaluation can use host.alarms, wherever the configuration writes it.
func TestNeedsAlarms(t *testing.T) {
	const snmp = `
context "snmp" {
  hosts = group.xsp
  path  = "Interface/SNMP/Agent"
  %s
  set {
    port = %s
  }
}
`
	const check = `
check "cap" {
  hosts = [%s]
  %s
  assert {
    condition     = %s
    error_message = %s
  }
}
`
	sprintf := fmt.Sprintf
	tests := map[string]struct {
		src string
		// targets selects resources (-target); nil is everything.
		targets []string
		// want, per host: plan needs alarms, the checks need them, a
		// check targets the host.
		want map[string][3]bool
	}{
		"nothing uses them": {
			src:  sprintf(snmp, `when = host.release >= 22`, "8001") + sprintf(check, `"xsp1"`, "", "host.patch_count > 0", `"no patch on ${host.name}"`),
			want: map[string][3]bool{"xsp1": {false, false, true}, "xsp2": {false, false, false}, "as1": {false, false, false}},
		},
		"a resource's when": {
			src:  sprintf(snmp, `when = length(host.alarms) > 0`, "8001"),
			want: map[string][3]bool{"xsp1": {true, false, false}, "as1": {false, false, false}},
		},
		"a set value": {
			src:  sprintf(snmp, "", `length(host.alarms) > 0 ? 8001 : 8002`),
			want: map[string][3]bool{"xsp1": {true, false, false}, "xsp2": {true, false, false}},
		},
		"an index, a for expression and a template": {
			src:  sprintf(snmp, `when = "${join(",", [for a in host["alarms"] : a])}" == ""`, "8001"),
			want: map[string][3]bool{"xsp1": {true, false, false}},
		},
		"a check's condition": {
			src:  sprintf(check, `"xsp2"`, "", `!contains(host.alarms, "bwOpenClientServerASConnFailed")`, `"CAP alarms"`),
			want: map[string][3]bool{"xsp1": {false, false, false}, "xsp2": {true, true, true}},
		},
		"a check's message": {
			src:  sprintf(check, `"xsp1"`, "", "true", `"alarms: ${join(", ", host.alarms)}"`),
			want: map[string][3]bool{"xsp1": {true, true, true}},
		},
		"a check's when": {
			src:  sprintf(check, `"xsp1"`, `when = length(host.alarms) > 0`, "true", `"x"`),
			want: map[string][3]bool{"xsp1": {true, true, true}},
		},
		"a check left out by -target": {
			src:     sprintf(snmp, "", "8001") + sprintf(check, `"xsp1"`, "", "length(host.alarms) == 0", `"x"`),
			targets: []string{"context.snmp"},
			want:    map[string][3]bool{"xsp1": {false, false, false}},
		},
		// Two resources whose when holds must not both set a value, even
		// when -target leaves one out: its when is evaluated.
		"the when of a resource left out by -target": {
			src: sprintf(snmp, "", "8001") + `
context "snmp_alarms" {
  hosts = ["xsp1"]
  path  = "Interface/SNMP/Agent"
  when  = length(host.alarms) > 0
  set {
    port = 8002
  }
}
`,
			targets: []string{"context.snmp"},
			want:    map[string][3]bool{"xsp1": {true, false, false}, "xsp2": {false, false, false}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := mustLoad(t, map[string]string{"main.bw.hcl": inventory + tc.src}, LoadOptions{})
			sel, diags := c.Select(tc.targets, nil)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			for host, want := range tc.want {
				h := c.Host(host)
				got := [3]bool{c.NeedsAlarms(sel, h), c.ChecksNeedAlarms(sel, h), c.HasChecks(sel, h)}
				if got != want {
					t.Errorf("%s: wrong result\ngot:  needs alarms %v, checks need alarms %v, has checks %v\nwant: %v, %v, %v",
						host, got[0], got[1], got[2], want[0], want[1], want[2])
				}
			}
		})
	}
}
