package bwcli

import "testing"

func TestCleanTerm(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string
	}{
		"plain":           {in: "a = 1\r\n", want: "a = 1\r\n"},
		"csi colour":      {in: "\x1b[1;32mgreen\x1b[0m", want: "green"},
		"csi private":     {in: "\x1b[?2004hprompt", want: "prompt"},
		"osc title bel":   {in: "\x1b]0;title\x07text", want: "text"},
		"osc title st":    {in: "\x1b]2;title\x1b\\text", want: "text"},
		"charset":         {in: "\x1b(Btext", want: "text"},
		"two byte":        {in: "\x1b=text\x1b>", want: "text"},
		"dcs":             {in: "a\x1bPq#0\x1b\\b", want: "ab"},
		"truncated csi":   {in: "text\x1b[3", want: "text"},
		"lone escape":     {in: "text\x1b", want: "text"},
		"backspace":       {in: "abx\bc", want: "abc"},
		"erase":           {in: "abx\b \bc", want: "abc"},
		"bs at line":      {in: "a\n\bb", want: "a\nb"},
		"bel and nul":     {in: "a\x07b\x00c", want: "abc"},
		"latin-1 line":    {in: "caf\xe9\nok\n", want: "café\nok\n"},
		"mixed lines":     {in: "Müller\ncaf\xe9\n", want: "Müller\ncafé\n"},
		"8-bit csi":       {in: "a\x9b31mb\xe9", want: "abé"},
		"utf-8 c1":        {in: "a\u0085b", want: "ab"},
		"tab kept":        {in: "a\tb", want: "a\tb"},
		"multibyte erase": {in: "é\b", want: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := cleanTerm([]byte(tc.in)); got != tc.want {
				t.Errorf("wrong result\ngot:  %q\nwant: %q", got, tc.want)
			}
		})
	}
}

func TestNormaliseNewlines(t *testing.T) {
	tests := map[string]string{
		"a\r\nb":   "a\nb",
		"a\r\r\nb": "a\nb",
		"a\rb":     "a\nb",
		"a\n":      "a\n",
		"a\r":      "a\n",
		"\r\n\r\n": "\n\n",
	}
	for in, want := range tests {
		if got := normaliseNewlines(in); got != want {
			t.Errorf("normaliseNewlines(%q)\ngot:  %q\nwant: %q", in, got, want)
		}
	}
}

func TestStripEcho(t *testing.T) {
	tests := map[string]struct {
		text, cmd, prompt string
		want              string
		ok                bool
	}{
		"crlf":             {text: "get\r\n  a = 1\r\n", cmd: "get", want: "  a = 1\r\n", ok: true},
		"lf":               {text: "get\n  a = 1\n", cmd: "get", want: "  a = 1\n", ok: true},
		"only echo":        {text: "get\r\n", cmd: "get", want: "", ok: true},
		"echo at the end":  {text: "get", cmd: "get", want: "", ok: true},
		"leading newline":  {text: "\r\nget\r\nx", cmd: "get", want: "x", ok: true},
		"wrap artefact":    {text: "set a lo \rng\r\nx", cmd: "set a long", want: "x", ok: true},
		"crlf wrap":        {text: "set a lo\r\nng\r\nx", cmd: "set a long", want: "x", ok: true},
		"trailing blanks":  {text: "get  \r\r\nx", cmd: "get", want: "x", ok: true},
		"redrawn prompt":   {text: "XSP_CLI> get\r\nx", cmd: "get", prompt: "XSP_CLI> ", want: "x", ok: true},
		"no echo":          {text: "  a = 1\r\n", cmd: "get", want: "  a = 1\r\n"},
		"data starts same": {text: "getter = 1\r\n", cmd: "get", want: "getter = 1\r\n"},
		"other command":    {text: "set x\r\n", cmd: "get", want: "set x\r\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := stripEcho(tc.text, tc.cmd, tc.prompt)
			if got != tc.want || ok != tc.ok {
				t.Errorf("wrong result\ngot:  %q %v\nwant: %q %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestStripInterim(t *testing.T) {
	tests := map[string]struct {
		in      string
		answers []string
		want    string
	}{
		"large table": {
			in:      "About to access 22 entries. Continue?\nPlease confirm (Yes, Y, No, N): y\nRetrieving data... Please wait...\n  a = 1",
			answers: []string{"y"}, want: "  a = 1",
		},
		"password then done on the line": {in: "New Password: ...Done", answers: []string{"x"}, want: "...Done"},
		"password echoed stars":          {in: "New Password: ********\n...Done", want: "...Done"},
		"question kept":                  {in: "This erases all. Continue? Please confirm (Yes, Y, No, N): n", answers: []string{"n"}, want: "This erases all. Continue?"},
		"data mentioning the words":      {in: "  note = please confirm: later", want: "  note = please confirm: later"},
		"data starting with a letter":    {in: "  Cannot = x\nAbout = y", want: "  Cannot = x\nAbout = y"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := stripInterim(tc.in, tc.answers); got != tc.want {
				t.Errorf("wrong result\ngot:  %q\nwant: %q", got, tc.want)
			}
		})
	}
}

// TestSizeWarningNeverInData: a table row that happens to hold the words
// of a size warning is data: neither stripped nor skipped.
func TestSizeWarningNeverInData(t *testing.T) {
	out := "  Id  Description\n" +
		"=================\n" +
		"   1  purge 5 entries. Continue? no\n"
	if got := stripInterim(out, []string{"y"}); got != out {
		t.Errorf("wrong result\ngot:  %q\nwant: the output unchanged", got)
	}
	tab, err := ParseTable(out)
	if err != nil || len(tab.Rows) != 1 || tab.Rows[0][1] != "purge 5 entries. Continue? no" {
		t.Errorf("wrong result: %+v, %v", tab, err)
	}
	for _, q := range []string{"About to access 22 entries. Continue?", "About to filter through 2 entries. Continue?", "Scanning 1 entry. Continue?"} {
		if !patterns.sizeWarning.MatchString(q) {
			t.Errorf("%q is a size warning", q)
		}
	}
}

// TestTranscriptText: the transcript shows what a terminal would act on
// as escapes and doubles backslashes, so that the replay (which reverses
// exactly this, sim's unescapeTranscript) serves what the server printed.
func TestTranscriptText(t *testing.T) {
	tests := map[string]string{
		"plain":               "plain",
		"  a = 1\n\tb\n":      "  a = 1\n\tb\n",
		"\x1b]0;pwned\x07":    `\x1b]0;pwned\x07`,
		"a\u0085b\x7f":        `a\u0085b\x7f`,
		`C:\x41`:              `C:\\x41`,
		"\\\x1b":              `\\\x1b`,
		"nbsp\u00a0rlo\u202e": `nbsp\u00a0rlo\u202e`,
		"é ü ✓":               "é ü ✓",
	}
	for in, want := range tests {
		if got := transcriptText(in); got != want {
			t.Errorf("transcriptText(%q)\ngot:  %q\nwant: %q", in, got, want)
		}
	}
}

// TestValueTextKeepsControls: a read's output keeps the control
// characters of the data while the echo and interim texts, found on a
// cleaned copy, are removed.
func TestValueTextKeepsControls(t *testing.T) {
	tests := map[string]string{
		"get\r\n  d = \x1b]0;x\x07 evil\r\n":                                                                  "  d = \x1b]0;x\x07 evil",
		"get\x1b[K\r\n\x1b[2J  d = v\r\n":                                                                     "\x1b[2J  d = v",
		"get\r\nRetrieving data... Please wait...\x1b[K\r\n  d = \u0085v\r\n":                                 "  d = \u0085v",
		"get\r\nAbout to access 25 entries. Continue?\r\nPlease confirm (Yes, Y, No, N): y\r\n  d = \x07\r\n": "  d = \x07",
	}
	for raw, want := range tests {
		if got := valueText([]byte(raw), "get", "", []string{"y"}); got != want {
			t.Errorf("valueText(%q)\ngot:  %q\nwant: %q", raw, got, want)
		}
	}
}
