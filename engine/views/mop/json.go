package mop

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/bwstate/bwstate/engine/review"
	"github.com/bwstate/bwstate/engine/views"
)

// ReviewJSON writes a change review's JSON (docs/change-review.md).
func ReviewJSON(w io.Writer, r *review.Review) error { return writeJSON(w, r) }

// RunJSON writes a run record's JSON (docs/change-review.md).
func RunJSON(w io.Writer, r *review.RunRecord) error { return writeJSON(w, r) }

func writeJSON(w io.Writer, v any) error {
	// Values are the servers': no control character is written raw.
	enc := json.NewEncoder(views.JSONWriter(w))
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
