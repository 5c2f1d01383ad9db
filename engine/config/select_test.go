package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSelect(t *testing.T) {
	src := inventory + `
group "empty" {}
context "cap" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  set { enabled = false }
}
table "acl" {
  hosts = group.all
  path  = "System/ManagementAccessList"
}
context "sip" {
  hosts = ["as1"]
  path  = "Interface/SIP"
  set { enabled = true }
}
check "alarms" {
  hosts = group.xsp
  assert {
    condition     = length(host.alarms) == 0
    error_message = "alarms raised"
  }
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	type want struct {
		hosts, resources, checks []string
		err                      string
	}
	all := want{
		hosts:     []string{"xsp1", "xsp2", "as1"},
		resources: []string{"context.cap", "table.acl", "context.sip"},
		checks:    []string{"check.alarms"},
	}
	tests := map[string]struct {
		targets, excludes []string
		want              want
	}{
		"nothing selects everything": {want: all},
		"host target": {
			targets: []string{"xsp2"},
			want:    want{hosts: []string{"xsp2"}, resources: all.resources, checks: all.checks},
		},
		"group target keeps inventory order": {
			targets: []string{"as1", "group.xsp"},
			want:    want{hosts: []string{"xsp1", "xsp2", "as1"}, resources: all.resources, checks: all.checks},
		},
		"exclude host from all": {
			excludes: []string{"xsp1"},
			want:     want{hosts: []string{"xsp2", "as1"}, resources: all.resources, checks: all.checks},
		},
		"exclude group from group": {
			targets:  []string{"group.site_a"},
			excludes: []string{"group.as"},
			want:     want{hosts: []string{"xsp1"}, resources: all.resources, checks: all.checks},
		},
		"resource target keeps all hosts": {
			targets: []string{"context.cap"},
			want:    want{hosts: all.hosts, resources: []string{"context.cap"}},
		},
		"check target": {
			targets: []string{"check.alarms"},
			want:    want{hosts: all.hosts, checks: []string{"check.alarms"}},
		},
		"exclude resource": {
			excludes: []string{"table.acl", "check.alarms"},
			want:     want{hosts: all.hosts, resources: []string{"context.cap", "context.sip"}},
		},
		"hosts and resources together": {
			targets: []string{"group.xsp", "context.cap"},
			want:    want{hosts: []string{"xsp1", "xsp2"}, resources: []string{"context.cap"}},
		},
		"unknown host with suggestion": {
			targets: []string{"xsp3"},
			want:    want{err: `there is no host "xsp3". Did you mean "xsp1"?`},
		},
		"unknown group": {
			targets: []string{"group.xps"},
			want:    want{err: `there is no group "xps". Did you mean "xsp"?`},
		},
		"unknown resource": {
			excludes: []string{"context.capp"},
			want:     want{err: `-exclude context.capp: there is no resource "context.capp". Did you mean "context.cap"?`},
		},
		"target excluded": {
			targets:  []string{"xsp1"},
			excludes: []string{"group.xsp"},
			want:     want{err: "-target xsp1 selects nothing: it has no hosts left after -exclude."},
		},
		"empty group": {
			targets: []string{"group.empty"},
			want:    want{err: "-target group.empty selects nothing: the group has no hosts."},
		},
		"resource whose hosts are not selected": {
			targets: []string{"as1", "context.cap"},
			want:    want{err: "-target context.cap selects nothing: none of its hosts is selected."},
		},
		"resource both targeted and excluded": {
			targets:  []string{"context.cap"},
			excludes: []string{"context.cap"},
			want:     want{err: "-target context.cap selects nothing: it is also excluded."},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sel, diags := c.Select(tc.targets, tc.excludes)
			if tc.want.err != "" {
				out := render(t, c, diags)
				if !diags.HasErrors() || !strings.Contains(out, tc.want.err) {
					t.Fatalf("wrong result\ngot: %s\nwant: error containing %q", out, tc.want.err)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(render(t, c, diags))
			}
			var res, checks []string
			for _, r := range sel.Resources {
				res = append(res, r.Addr)
			}
			for _, cb := range sel.Checks {
				checks = append(checks, cb.Addr)
			}
			got := want{hosts: hostNamesOf(sel.Hosts), resources: res, checks: checks}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelectionLimitsDesired(t *testing.T) {
	src := inventory + `
context "cap" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  set { enabled = false }
}
table "acl" {
  hosts = group.all
  path  = "System/ManagementAccessList"
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	sel, diags := c.Select([]string{"table.acl"}, nil)
	if diags.HasErrors() {
		t.Fatal(render(t, c, diags))
	}
	ds, err := c.Desired(sel, c.Host("xsp1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Resource)
	}
	if diff := cmp.Diff([]string{"table.acl"}, got); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"System/ManagementAccessList"}, c.ContextsFor(sel, c.Host("xsp1"))); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
}
