package engine

import "testing"

// TestHoldsSecret: a secret of 4 bytes or more counts anywhere in a text,
// a shorter one only as a whole word.
func TestHoldsSecret(t *testing.T) {
	secrets := []string{"s3cr3t", "ab", " ", ""}
	tests := map[string]bool{
		"s3cr3t":                    true,
		"legacy-s3cr3t.example.net": true,
		"NOC (s3cr3t)":              true,
		"ab":                        true,
		"pin ab here":               true,
		`pin "ab"`:                  true,
		"abc":                       false,
		"a b":                       false,
		"nothing":                   false,
		"":                          false,
	}
	for text, want := range tests {
		if got := HoldsSecret(text, secrets); got != want {
			t.Errorf("HoldsSecret(%q) = %v, want %v", text, got, want)
		}
	}
}
