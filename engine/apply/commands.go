package apply

import (
	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/engine/journal"
)

// Commands returns the CLI writes apply makes for one planned change, in
// order and in the words the journal records them, sensitive values as
// "(sensitive)": "set enabled false", "add 10.9.0.5 description NOC",
// "delete 10.0.0.3". schema is the catalogue's entry for the change's
// context (nil when unknown). A change review (engine/review) lists them
// so that the reviewed document says what apply will type.
func Commands(c *engine.Change, schema *engine.Context) []string {
	// A saved plan holds no sensitive value: a placeholder stands for it,
	// so that a sensitive write reads as a set, never as a clear.
	h := &hostRun{secrets: map[*engine.AttrChange]string{}}
	for _, ac := range c.Attrs {
		if ac.Sensitive {
			h.secrets[ac] = journal.Redacted
		}
	}
	var out []string
	for _, po := range h.opsFor(c, schema) {
		out = append(out, po.command)
	}
	return out
}
