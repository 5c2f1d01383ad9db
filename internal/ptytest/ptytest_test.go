package ptytest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScreen(t *testing.T) {
	tests := map[string]struct {
		in      string
		cols    int
		want    []string
		unknown []string
	}{
		"lines": {in: "a\r\nb\r\n", want: []string{"a", "b"}},
		"redraw below event lines": {
			in:   "ev1\r\nlive 1\r\nlive 2\r\n\x1b[2A\x1b[J\rev2\r\nlive 3\r\n\x1b[1A\x1b[J",
			want: []string{"ev1", "ev2"},
		},
		"carriage return overwrites": {in: "^Cxx\rab", want: []string{"abxx"}},
		"erase line":                 {in: "abcdef\r\x1b[Kxy", want: []string{"xy"}},
		"colours are text":           {in: "\x1b[1m\x1b[32mok\x1b[0m", want: []string{"ok"}},
		"deferred wrap":              {in: "abcde\r\nf", cols: 5, want: []string{"abcde", "f"}},
		"wrap":                       {in: "abcdefg", cols: 5, want: []string{"abcde", "fg"}},
		"cursor up stops at the top": {in: "a\r\nb\x1b[9Ac", want: []string{"ac", "b"}},
		"unknown sequences are kept": {in: "\x1b[2Jx\x1b[?25l", want: []string{"x"}, unknown: []string{"\x1b[2J", "\x1b[?25l"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := NewScreen(80, 24)
			if tc.cols > 0 {
				s = NewScreen(tc.cols, 3)
			}
			s.Write([]byte(tc.in))
			if d := cmp.Diff(tc.want, s.Lines()); d != "" {
				t.Errorf("wrong screen (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.unknown, s.unknown); d != "" {
				t.Errorf("wrong unknown sequences (-want +got):\n%s", d)
			}
		})
	}
}
