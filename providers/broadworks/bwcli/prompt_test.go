package bwcli

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestShellPromptThatChanges: a prompt showing the time and the last exit
// code is learned at login even when the second print is a second later,
// and later prompts with other digits end their commands at once.
func TestShellPromptThatChanges(t *testing.T) {
	s, f, _ := newFake(t, fakeOptions{
		opts:       Options{CommandTimeout: 5 * time.Second},
		greeting:   motd + "[10:15:59 0] bwadmin@xsp1 % ",
		markPrompt: "[10:16:00 0] bwadmin@xsp1 % ",
	},
		step{want: "bwshowver", reply: "AS version Rel_24.0_1.944\n[10:16:07 0] bwadmin@xsp1 % "},
		step{want: "nosuch", reply: "-bash: nosuch: command not found\n[11:02:13 127] bwadmin@xsp1 % "},
	)
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	if got := f.markCount(); got != 1 {
		t.Errorf("wrong number of empty lines at login\ngot:  %d\nwant: 1", got)
	}
	out, err := s.Shell(ctx, "bwshowver")
	if err != nil || out != "AS version Rel_24.0_1.944" {
		t.Fatalf("wrong result\ngot:  %q, %v\nwant: the version line", out, err)
	}
	out, err = s.Shell(ctx, "nosuch")
	if err != nil || out != "-bash: nosuch: command not found" {
		t.Fatalf("wrong result\ngot:  %q, %v\nwant: the shell's complaint", out, err)
	}
}

// TestShellPromptOfSeveralLines: a PS1 with a line break is learned whole;
// its first line does not end up in command output.
func TestShellPromptOfSeveralLines(t *testing.T) {
	const ps1 = "[bwadmin@xsp1 ~]\n$ "
	s, _, _ := newFake(t, fakeOptions{greeting: motd + ps1, markPrompt: ps1},
		step{want: "bwshowver", reply: "AS version Rel_24.0_1.944\n" + ps1})
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	out, err := s.Shell(ctx, "bwshowver")
	if err != nil || out != "AS version Rel_24.0_1.944" {
		t.Fatalf("wrong result\ngot:  %q, %v\nwant: the version line alone", out, err)
	}
}

// TestShellPromptWithoutEcho: a server that does not echo the empty line
// prints the prompt twice on one line; it is still learned.
func TestShellPromptWithoutEcho(t *testing.T) {
	s, _, _ := newFake(t, fakeOptions{noEcho: true},
		step{want: "bwshowver", reply: "AS version Rel_24.0_1.944\n" + shellPrompt})
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	if got := s.ShellPrompt(); got != shellPrompt {
		t.Errorf("wrong prompt\ngot:  %q\nwant: %q", got, shellPrompt)
	}
	out, err := s.Shell(ctx, "bwshowver")
	if err != nil || out != "AS version Rel_24.0_1.944" {
		t.Fatalf("wrong result\ngot:  %q, %v\nwant: the version line", out, err)
	}
}

// TestOperatorShellPrompt: with ssh.shell_prompt set nothing is sent at
// login, and the operator's pattern ends every shell command.
func TestOperatorShellPrompt(t *testing.T) {
	re, err := PromptPattern(`xsp\d+:\w+>`)
	if err != nil {
		t.Fatal(err)
	}
	s, f, _ := newFake(t, fakeOptions{opts: Options{ShellPrompt: re}, greeting: motd + "xsp1:bwadmin> "},
		step{want: "bwcli", reply: banner + rootPrompt},
		step{want: "exit;y", reply: confirmQ, parts: []string{"This session is now ending...\nxsp1:bwadmin> "}},
		step{want: "healthmon -l", reply: "Report severity : NOTIFICATION\nxsp1:bwadmin> "},
	)
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	if got := f.markCount(); got != 0 {
		t.Errorf("wrong number of empty lines at login\ngot:  %d\nwant: 0", got)
	}
	// `xsp1:bwadmin> ` and `XSP_CLI> ` both end in `> `: neither may be
	// taken for the other.
	root, err := s.StartCLI(ctx)
	if err != nil || root != "XSP_CLI" {
		t.Fatalf("StartCLI: %q, %v", root, err)
	}
	if err := s.ExitCLI(ctx); err != nil {
		t.Fatalf("ExitCLI: %v", err)
	}
	h, err := s.Health(ctx)
	if err != nil || !h.Healthy {
		t.Fatalf("Health: %+v, %v", h, err)
	}
}

// TestOperatorCLIPrompt: a cli_prompt with named groups gives the root and
// the path that cd is checked against.
func TestOperatorCLIPrompt(t *testing.T) {
	re, err := PromptPattern(`(?P<root>BW)(?P<path>(?:/[^>]+)?)>`)
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := newFake(t, fakeOptions{opts: Options{CLIPrompt: re}},
		step{want: "bwcli", reply: banner + "BW> "},
		step{want: "cd /" + capPath, reply: "BW/" + capPath + "> "},
		step{want: "get", reply: "  enabled = true\nBW/" + capPath + "> "},
	)
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	if root, err := s.StartCLI(ctx); err != nil || root != "BW" {
		t.Fatalf("StartCLI: %q, %v", root, err)
	}
	if got, err := s.Cd(ctx, capPath); err != nil || got != capPath {
		t.Fatalf("Cd: %q, %v", got, err)
	}
	attrs, err := s.GetAttributes(ctx, GetOptions{})
	if err != nil || len(attrs) != 1 {
		t.Fatalf("GetAttributes: %v, %v", attrs, err)
	}
}

// TestPromptPatternsThatOverlap: a shell pattern that also matches bwcli's
// prompt is reported, not followed.
func TestPromptPatternsThatOverlap(t *testing.T) {
	re, err := PromptPattern(`.*> `)
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := newFake(t, fakeOptions{opts: Options{ShellPrompt: re}, greeting: motd + "xsp1:bwadmin> "},
		step{want: "bwcli", reply: banner + rootPrompt})
	ctx := testContext(t)
	if err := s.WaitShell(ctx); err != nil {
		t.Fatalf("WaitShell: %v", err)
	}
	_, err = s.StartCLI(ctx)
	var pe *ProtocolError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "make ssh.shell_prompt and ssh.cli_prompt tell them apart") {
		t.Fatalf("wrong error\ngot:  %v\nwant: the patterns overlap", err)
	}
}

// TestLoginShellIsBWCLI: an account whose login shell is bwcli itself is
// named as such.
func TestLoginShellIsBWCLI(t *testing.T) {
	s, _, _ := newFake(t, fakeOptions{greeting: banner + rootPrompt})
	err := s.WaitShell(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "got a CLI prompt") {
		t.Fatalf("wrong error\ngot:  %v\nwant: a CLI prompt at login", err)
	}
}

func TestPromptPattern(t *testing.T) {
	for expr, want := range map[string]string{
		`bwadmin@\S+\$`: "",
		`(`:             "missing closing )",
		`.*`:            "matches an empty line",
		`\s*`:           "matches an empty line",
	} {
		_, err := PromptPattern(expr)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("PromptPattern(%q): got %v, want %q", expr, err, want)
		}
	}
	re, _ := PromptPattern(`bwadmin@\S+\$`)
	for line, want := range map[string]bool{"bwadmin@as1$ ": true, "bwadmin@as1$": true, "x bwadmin@as1$ ": false, "bwadmin@as1$ ls": false} {
		if re.MatchString(line) != want {
			t.Errorf("pattern on %q: got %v, want %v", line, !want, want)
		}
	}
}

func TestRepeatedPrompt(t *testing.T) {
	tests := map[string]struct {
		text, prompt string
		prefix       []string
		ok           bool
	}{
		"repeated":                {text: "motd\nP$ \nP$ ", prompt: "P$ ", ok: true},
		"digits change":           {text: "motd\n[10:15:59] P$ \n[10:16:00] P$ ", prompt: "[10:16:00] P$ ", ok: true},
		"not yet repeated":        {text: "motd\nP$ ", ok: false},
		"second print incomplete": {text: "motd\nbwadmin@xsp1$ \nbwadmin@", ok: false},
		"two lines":               {text: "motd\n[u@h ~]\n$ \n[u@h ~]\n$ ", prompt: "$ ", prefix: []string{"[u@h ~]"}, ok: true},
		"no echo":                 {text: "motd\nbwadmin@xsp1$ bwadmin@xsp1$ ", prompt: "bwadmin@xsp1$ ", ok: true},
		"blank tail":              {text: "motd\n\n", ok: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			prompt, prefix, ok := repeatedPrompt(tc.text)
			if ok != tc.ok || prompt != tc.prompt || strings.Join(prefix, "|") != strings.Join(tc.prefix, "|") {
				t.Errorf("wrong result\ngot:  %q %q %v\nwant: %q %q %v", prompt, prefix, ok, tc.prompt, tc.prefix, tc.ok)
			}
		})
	}
}

func TestTolerantPattern(t *testing.T) {
	re := tolerantPattern("[10:15:59 0] bwadmin@xsp1 % ")
	for line, want := range map[string]bool{
		"[10:15:59 0] bwadmin@xsp1 % ":   true,
		"[11:02:13 127] bwadmin@xsp1 % ": true,
		"[11:02:13 127] bwadmin@xsp1 %":  true,
		"[11:02:13] bwadmin@xsp1 % ":     false,
		"XSP_CLI> ":                      false,
	} {
		if re.MatchString(line) != want {
			t.Errorf("pattern %s on %q: got %v, want %v", re, line, !want, want)
		}
	}
	if !regexp.MustCompile(`^\^`).MatchString(re.String()) {
		t.Errorf("pattern %s is not anchored", re)
	}
}
