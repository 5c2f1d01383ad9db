package bwcli

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRedactRule: values of MinMaskedLen bytes or more are masked wherever
// they occur, shorter ones only where they stand alone (between blanks,
// line ends, double quotes); a value containing another is masked whole.
func TestRedactRule(t *testing.T) {
	tests := map[string]struct {
		text    string
		secrets []string
		want    string
	}{
		"long inside a word":        {text: "  description = siteQ7xTagZ1", secrets: []string{"Q7xTag"}, want: "  description = site********Z1"},
		"long in a sent line":       {text: `add 10.9.0.5 description "site Q7xTag"`, secrets: []string{"Q7xTag"}, want: `add 10.9.0.5 description "site ********"`},
		"whole value and its part":  {text: "  d = site Q7xTag", secrets: []string{"site Q7xTag", "Q7xTag"}, want: "  d = ********"},
		"short alone":               {text: "  a = ab\n  b = cab\n  c = ab cd\n", secrets: []string{"ab"}, want: "  a = ********\n  b = cab\n  c = ******** cd\n"},
		"short in quotes":           {text: `set readCommunity "ab"`, secrets: []string{"ab"}, want: `set readCommunity "********"`},
		"short inside server words": {text: "...Done\n", secrets: []string{"one", "."}, want: "...Done\n"},
		"short at the ends":         {text: "ab", secrets: []string{"ab"}, want: "********"},
		"short repeated":            {text: "ab ab abab", secrets: []string{"ab"}, want: "******** ******** abab"},
		"at the limit":              {text: "x1234y", secrets: []string{"1234"}, want: "x********y"},
		"blank and mask ignored":    {text: "a ******** b", secrets: []string{" ", "********", ""}, want: "a ******** b"},
		"multibyte neighbours":      {text: "é ab é", secrets: []string{"ab"}, want: "é ******** é"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var ss secretSet
			ss.add(tc.secrets...)
			if got := redact(tc.text, ss.list()); got != tc.want {
				t.Errorf("wrong result\ngot:  %q\nwant: %q", got, tc.want)
			}
		})
	}
}

// TestSecretsMaskedInReadBack is issue 12's defect: a row added with a
// sensitive value (a description computed from a sensitive variable) was
// masked in the add, but the read-back printed it in clear. The session
// keeps masking what a command carried as sensitive, in both directions,
// in the transcript and in errors, including inside longer cells, while
// the caller gets the real values.
func TestSecretsMaskedInReadBack(t *testing.T) {
	const (
		prompt  = "XSP_CLI/System/ManagementAccessList> "
		tag     = "Q7xSiteTag"  // the raw sensitive variable
		desc    = "site " + tag // the value computed from it
		partial = "Q7xSitZZ"    // not the secret: stays
	)
	table := "  Host      Description\n==========================\n" +
		"  10.9.0.5  " + desc + "\n  10.9.0.6  " + partial + "\n\n2 entries found.\n"
	var tr syncBuffer
	s, _, _ := newFake(t, fakeOptions{opts: Options{Transcript: &tr}}, stepBWCLI(), stepCd("System/ManagementAccessList", prompt),
		step{want: `add 10.9.0.5 description "` + desc + `"`, reply: "...Done\n" + prompt},
		step{want: "get", reply: table + prompt},
		step{want: "get", reply: "  Host      Description\n==========================\n  10.9.0.5.example.net  x" + tag + "x  extra\n" + prompt},
	)
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartCLI(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cd(ctx, "System/ManagementAccessList"); err != nil {
		t.Fatal(err)
	}
	s.AddSecrets(tag)
	if _, err := s.AddRow(ctx, []Arg{{Value: "10.9.0.5"}, {Name: "description", Value: desc, Sensitive: true}}); err != nil {
		t.Fatalf("AddRow: %v", err)
	}
	got, err := s.GetTable(ctx, GetOptions{})
	if err != nil {
		t.Fatalf("GetTable: %v", err)
	}
	if d := cmp.Diff([][]string{{"10.9.0.5", desc}, {"10.9.0.6", partial}}, got.Rows); d != "" {
		t.Errorf("the caller must get the real values (-want +got):\n%s", d)
	}
	// A read that does not parse quotes the line, masked.
	_, err = s.GetTable(ctx, GetOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("wrong error\ngot:  %v\nwant: a *ParseError", err)
	}
	if strings.Contains(err.Error(), tag) || !strings.Contains(err.Error(), "x********x") {
		t.Errorf("wrong error: the secret is not masked in %q", err.Error())
	}
	text := tr.String()
	if strings.Contains(text, tag) {
		t.Errorf("the transcript holds the secret:\n%s", text)
	}
	for _, want := range []string{
		">>> add 10.9.0.5 description ********\n",
		"  10.9.0.5  ********\n",
		"  10.9.0.6  " + partial + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, text)
		}
	}
}

// TestSecretsMaskedInCutErrors: a secret that a truncated quote of a line
// would cut in two is masked before the line is cut, so no part of it is
// left.
func TestSecretsMaskedInCutErrors(t *testing.T) {
	secret := "Zq9-secret-value"
	line := "  " + strings.Repeat("x", maxQuoted-8) + secret + " trailing words"
	s, _, _ := cliSession(t, fakeOptions{}, step{want: "get", reply: line + "\n" + capPrompt})
	s.AddSecrets(secret)
	_, err := s.GetAttributes(testContext(t), GetOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("wrong error\ngot:  %v\nwant: a *ParseError", err)
	}
	if strings.Contains(err.Error(), secret[:6]) {
		t.Errorf("wrong error: a part of the secret is left in %q", err.Error())
	}
}
