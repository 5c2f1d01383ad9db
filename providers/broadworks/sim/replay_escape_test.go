package sim

import "testing"

// TestUnescapeTranscript: server text in a transcript comes back as the
// server printed it (docs/simulator.md, the transcript format), and a
// backslash the recorder did not write as an escape stands for itself.
func TestUnescapeTranscript(t *testing.T) {
	tests := map[string]string{
		`plain text`:                        "plain text",
		`\x1b]0;pwned\x07\x1b[2J evil`:      "\x1b]0;pwned\x07\x1b[2J evil",
		`a\u0085b \U0001d173`:               "a\u0085b \U0001d173",
		`C:\\x41 and \\\x1b`:                `C:\x41 and \` + "\x1b",
		`\d+ a\tb \x4 \u12 \xzz end\`:       `\d+ a\tb \x4 \u12 \xzz end\`,
		`\\`:                                `\`,
		`\UFFFFFFFF stays`:                  `\UFFFFFFFF stays`,
		"two\\x0a lines\n  name = \\x7fx\n": "two\n lines\n  name = \x7fx\n",
	}
	for in, want := range tests {
		if got := unescapeTranscript(in); got != want {
			t.Errorf("unescapeTranscript(%q)\ngot:  %q\nwant: %q", in, got, want)
		}
	}
}
