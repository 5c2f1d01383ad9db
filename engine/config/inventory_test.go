package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/bwstate/bwstate/engine"
)

func TestGroupVarsMerge(t *testing.T) {
	groups := `
group "all" {
  vars = { site = "default", tier = "all", only_all = 1 }
}
group "a" {
  vars = { site = "a", tier = "a" }
}
group "b" {
  vars = { site = "b", only_b = true }
}
`
	tests := map[string]struct {
		host string
		want cty.Value
	}{
		"no groups: all only": {
			host: `groups = []`,
			want: cty.ObjectVal(map[string]cty.Value{"site": cty.StringVal("default"), "tier": cty.StringVal("all"), "only_all": cty.NumberIntVal(1)}),
		},
		"later group wins": {
			host: `groups = ["a", "b"]`,
			want: cty.ObjectVal(map[string]cty.Value{"site": cty.StringVal("b"), "tier": cty.StringVal("a"), "only_all": cty.NumberIntVal(1), "only_b": cty.True}),
		},
		"group order is the host's order": {
			host: `groups = ["b", "a"]`,
			want: cty.ObjectVal(map[string]cty.Value{"site": cty.StringVal("a"), "tier": cty.StringVal("a"), "only_all": cty.NumberIntVal(1), "only_b": cty.True}),
		},
		"host vars win over groups": {
			host: "groups = [\"a\", \"b\"]\n  vars = { site = \"host\" }",
			want: cty.ObjectVal(map[string]cty.Value{"site": cty.StringVal("host"), "tier": cty.StringVal("a"), "only_all": cty.NumberIntVal(1), "only_b": cty.True}),
		},
		"group without a block is fine": {
			host: `groups = ["nolabel"]`,
			want: cty.ObjectVal(map[string]cty.Value{"site": cty.StringVal("default"), "tier": cty.StringVal("all"), "only_all": cty.NumberIntVal(1)}),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			src := groups + "host \"h1\" {\n  address = \"10.0.0.1\"\n  type = \"xsp\"\n  " + tc.host + "\n}\n"
			c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
			got := c.Host("h1").Vars
			if !got.RawEquals(tc.want) {
				t.Errorf("wrong result\ngot: %#v\nwant: %#v", got, tc.want)
			}
		})
	}
}

func TestGroups(t *testing.T) {
	src := inventory + `
group "empty" {}
host "xsp3" {
  address = "10.1.0.13"
  type    = "xsp"
  groups  = ["xsp", "xsp"]
}
`
	c := mustLoad(t, map[string]string{"main.bw.hcl": src}, LoadOptions{})
	want := map[string][]string{
		"all":    {"xsp1", "xsp2", "as1", "xsp3"},
		"xsp":    {"xsp1", "xsp2", "xsp3"},
		"site_a": {"xsp1", "as1"},
		"site_b": {"xsp2"},
		"as":     {"as1"},
		"empty":  nil,
	}
	if diff := cmp.Diff(want, c.Groups()); diff != "" {
		t.Errorf("wrong result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"xsp"}, c.Host("xsp3").Groups); diff != "" {
		t.Errorf("wrong result: repeated group not folded (-want +got):\n%s", diff)
	}
	c.Groups()["xsp"][0] = "changed"
	if c.Groups()["xsp"][0] != "xsp1" {
		t.Error("wrong result\ngot: Groups returns shared slices\nwant: copies")
	}
}

func TestHostObject(t *testing.T) {
	h := &engine.Host{Name: "xsp1", Address: "10.1.0.11", Type: "xsp", Groups: []string{"xsp"},
		Vars: cty.ObjectVal(map[string]cty.Value{"site": cty.StringVal("a")})}
	tests := map[string]struct {
		host  *engine.Host
		facts *engine.Facts
		want  cty.Value
	}{
		"without facts": {
			host: h,
			want: cty.ObjectVal(map[string]cty.Value{
				"name": cty.StringVal("xsp1"), "address": cty.StringVal("10.1.0.11"), "type": cty.StringVal("xsp"),
				"groups": cty.ListVal([]cty.Value{cty.StringVal("xsp")}), "vars": h.Vars,
				"release": cty.UnknownVal(cty.Number), "release_string": cty.UnknownVal(cty.String),
				"patches": cty.UnknownVal(cty.List(cty.String)), "patch_count": cty.UnknownVal(cty.Number), "alarms": cty.UnknownVal(cty.List(cty.String)),
			}),
		},
		"with facts": {
			host:  h,
			facts: &engine.Facts{Release: engine.MustParseRelease("22.0"), ReleaseString: "Rel_22.0_1.1123", Patches: []string{"p1"}, PatchCount: 1, Alarms: []string{"a1", "a2"}},
			want: cty.ObjectVal(map[string]cty.Value{
				"name": cty.StringVal("xsp1"), "address": cty.StringVal("10.1.0.11"), "type": cty.StringVal("xsp"),
				"groups": cty.ListVal([]cty.Value{cty.StringVal("xsp")}), "vars": h.Vars,
				"release": cty.MustParseNumberVal("22"), "release_string": cty.StringVal("Rel_22.0_1.1123"),
				"patches": cty.ListVal([]cty.Value{cty.StringVal("p1")}), "patch_count": cty.NumberIntVal(1), "alarms": cty.ListVal([]cty.Value{cty.StringVal("a1"), cty.StringVal("a2")}),
			}),
		},
		"empty lists, a patch count and no vars": {
			host:  &engine.Host{Name: "as1", Type: "as"},
			facts: &engine.Facts{Release: engine.MustParseRelease("2022.11"), PatchCount: 701, Alarms: []string{}},
			want: cty.ObjectVal(map[string]cty.Value{
				"name": cty.StringVal("as1"), "address": cty.StringVal(""), "type": cty.StringVal("as"),
				"groups": cty.ListValEmpty(cty.String), "vars": cty.EmptyObjectVal,
				"release": cty.MustParseNumberVal("2022.11"), "release_string": cty.StringVal(""),
				"patches": cty.ListValEmpty(cty.String), "patch_count": cty.NumberIntVal(701), "alarms": cty.ListValEmpty(cty.String),
			}),
		},
		"alarms not read": {
			host:  &engine.Host{Name: "as1", Type: "as"},
			facts: &engine.Facts{Release: engine.MustParseRelease("24.0"), Patches: []string{}},
			want: cty.ObjectVal(map[string]cty.Value{
				"name": cty.StringVal("as1"), "address": cty.StringVal(""), "type": cty.StringVal("as"),
				"groups": cty.ListValEmpty(cty.String), "vars": cty.EmptyObjectVal,
				"release": cty.MustParseNumberVal("24"), "release_string": cty.StringVal(""),
				"patches": cty.ListValEmpty(cty.String), "patch_count": cty.NumberIntVal(0), "alarms": cty.UnknownVal(cty.List(cty.String)),
			}),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := HostObject(tc.host, tc.facts)
			if !got.RawEquals(tc.want) {
				t.Errorf("wrong result\ngot: %#v\nwant: %#v", got, tc.want)
			}
		})
	}
}

func TestRollout(t *testing.T) {
	tests := map[string]struct {
		src  string
		want engine.Rollout
	}{
		"default": {src: "", want: engine.DefaultRollout()},
		"percent": {
			src: `rollout {
  batch_size     = "25%"
  max_failures   = 2
  health_timeout = "90s"
  restart        = "defer"
  spread_groups  = ["site_a", "site_b"]
  max_per_group  = 2
}`,
			want: engine.Rollout{BatchPercent: 25, MaxFailures: 2, HealthTimeout: 90 * time.Second, Restart: engine.RestartDefer,
				SpreadGroups: []string{"site_a", "site_b"}, MaxPerGroup: 2},
		},
		"count keeps other defaults": {
			src:  `rollout { batch_size = 5 }`,
			want: engine.Rollout{BatchSize: 5, HealthTimeout: 10 * time.Minute, Restart: engine.RestartNow, MaxPerGroup: 1},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := mustLoad(t, map[string]string{"main.bw.hcl": tc.src + inventory}, LoadOptions{})
			if diff := cmp.Diff(tc.want, c.Rollout); diff != "" {
				t.Errorf("wrong result (-want +got):\n%s", diff)
			}
		})
	}
}
