package engine

import "testing"

// TestNormalizeKeepsControlCharacters: blanks around a CLI value are
// layout, but a control character or other white space is part of the
// value, so a server value holding one never equals the clean value a
// configuration asks for (a silent "no change" while the server holds
// something else).
func TestNormalizeKeepsControlCharacters(t *testing.T) {
	attrs := map[string]*Attribute{
		"bool":   {Name: "enabled", Type: TypeBool},
		"int":    {Name: "port", Type: TypeInt},
		"choice": {Name: "level", Type: TypeChoice, Choices: []string{"Provisioning", "System"}},
		"string": {Name: "description", Type: TypeString},
	}
	tests := []struct {
		attr, live, want string
		equal            bool
	}{
		{"bool", " true ", "true", true},
		{"bool", "true\u0085", "true", false},
		{"bool", "\ttrue", "true", false},
		{"int", " 2206", "2206", true},
		{"int", "2206\x1b[0m", "2206", false},
		{"choice", "system ", "System", true},
		{"choice", "System\x07", "System", false},
		{"string", "\x1b]0;pwned\x07\x1b[2J evil", "evil", false},
		{"string", "evil", "evil", true},
	}
	for _, tc := range tests {
		a := attrs[tc.attr]
		if got := a.Equal(tc.live, tc.want); got != tc.equal {
			t.Errorf("%s.Equal(%q, %q)\ngot:  %v\nwant: %v", tc.attr, tc.live, tc.want, got, tc.equal)
		}
	}
}
