package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// A change's action is one field that JSON carries as its word, so plan
// files and plan -json keep "action": "update".
func TestActionJSON(t *testing.T) {
	for _, a := range []Action{Update, Create, Delete} {
		data, err := json.Marshal(&Change{Path: "A/B", Action: a})
		if err != nil {
			t.Fatal(err)
		}
		if want := `"action":"` + a.String() + `"`; !strings.Contains(string(data), want) {
			t.Errorf("wrong result\ngot:  %s\nwant: it to contain %s", data, want)
		}
		var back Change
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if back.Action != a {
			t.Errorf("wrong result\ngot:  %v\nwant: %v", back.Action, a)
		}
	}
	var c Change
	err := json.Unmarshal([]byte(`{"path":"A/B","action":"replace"}`), &c)
	if err == nil || !strings.Contains(err.Error(), `unknown action "replace": want update, create or delete`) {
		t.Errorf("wrong error\ngot:  %v\nwant: unknown action \"replace\"", err)
	}
	if _, err := json.Marshal(&Change{Action: Action('x')}); err == nil {
		t.Error("an action that is not one of the four marshalled without error")
	}
}

func TestParseMode(t *testing.T) {
	for word, want := range map[string]Mode{"": ModeNormal, "normal": ModeNormal, "restarts-only": ModeRestartsOnly, "revert": ModeRevert} {
		if got, ok := ParseMode(word); !ok || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q, true", word, got, ok, want)
		}
	}
	if _, ok := ParseMode("apply"); ok {
		t.Error(`ParseMode("apply") accepted an unknown mode`)
	}
}
