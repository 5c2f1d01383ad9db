package bwcli

import (
	"errors"
	"strings"
	"testing"
)

func TestQuoteValue(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string
		rule UnsafeRule
	}{
		"plain":              {in: "2206", want: "2206"},
		"empty":              {in: "", want: `""`},
		"spaces":             {in: "Business Communicator - PC", want: `"Business Communicator - PC"`},
		"leading space":      {in: " x", want: `" x"`},
		"non-breaking":       {in: "a\u00a0b", want: "\"a\u00a0b\""},
		"unicode":            {in: "Müller", want: "Müller"},
		"single quote":       {in: "it's", want: "it's"},
		"inner backslash":    {in: `a\b`, want: `a\b`},
		"max length":         {in: strings.Repeat("x", MaxValueLen), want: strings.Repeat("x", MaxValueLen)},
		"semicolon":          {in: "a;b", rule: RuleSemicolon},
		"newline":            {in: "a\nb", rule: RuleLineBreak},
		"carriage return":    {in: "a\r", rule: RuleLineBreak},
		"line separator":     {in: "a\u2028b", rule: RuleLineBreak},
		"tab":                {in: "a\tb", rule: RuleControl},
		"escape":             {in: "\x1b[31m", rule: RuleControl},
		"nul":                {in: "\x00", rule: RuleControl},
		"del":                {in: "a\x7f", rule: RuleControl},
		"c1 csi":             {in: "a\u009b2J", rule: RuleControl},
		"balanced quotes":    {in: `"a b"`, rule: RuleQuote},
		"unbalanced quote":   {in: `a"b`, rule: RuleQuote},
		"trailing backslash": {in: `a b\`, rule: RuleBackslash},
		"invalid utf-8":      {in: "caf\xe9", rule: RuleEncoding},
		"too long":           {in: strings.Repeat("x", MaxValueLen+1), rule: RuleTooLong},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := QuoteValue(tc.in)
			if tc.rule != 0 {
				var ue *UnsafeValueError
				if !errors.As(err, &ue) || ue.Rule != tc.rule {
					t.Fatalf("wrong error\ngot:  %v\nwant: rule %v", err, tc.rule)
				}
				if ue.Text != "" {
					t.Errorf("a value error must not carry the value: %q", ue.Text)
				}
				return
			}
			if err != nil {
				t.Fatalf("QuoteValue: %v", err)
			}
			if got != tc.want {
				t.Errorf("wrong result\ngot:  %q\nwant: %q", got, tc.want)
			}
		})
	}
}

func TestUnsafeValueErrorMessages(t *testing.T) {
	tests := map[string]struct {
		err  error
		want string
	}{
		"value": {
			err:  func() error { _, err := QuoteValue("abc;def"); return err }(),
			want: "unsafe value: contains ';', which BWCLI treats as a command separator (byte 3)",
		},
		"name": {
			err:  CheckName("bad name"),
			want: `unsafe name "bad name": has characters outside letters, digits, '_', '.' and '-' (byte 3)`,
		},
		"path": {
			err:  CheckPath("/System/Bad\nPath"),
			want: `unsafe path "/System/Bad\nPath": contains a line break, which would end the command line (byte 11)`,
		},
		"empty name": {err: CheckName(""), want: "unsafe name: is empty"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.err == nil || tc.err.Error() != tc.want {
				t.Errorf("wrong message\ngot:  %v\nwant: %s", tc.err, tc.want)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	tests := map[string]struct {
		in   string
		rule UnsafeRule
	}{
		"camel case":    {in: "serverPort"},
		"application":   {in: "OpenClientServer"},
		"dotted":        {in: "bw.option-1_x"},
		"digit first":   {in: "3rdParty"},
		"empty":         {in: "", rule: RuleEmpty},
		"space":         {in: "a b", rule: RuleCharset},
		"semicolon":     {in: "a;b", rule: RuleSemicolon},
		"leading dash":  {in: "-rf", rule: RuleCharset},
		"leading dot":   {in: ".x", rule: RuleCharset},
		"quote":         {in: `a"`, rule: RuleQuote},
		"escape":        {in: "a\x1b", rule: RuleControl},
		"invalid utf-8": {in: "a\xff", rule: RuleEncoding},
		"non-ascii":     {in: "Müller", rule: RuleCharset},
		"too long":      {in: strings.Repeat("a", MaxNameLen+1), rule: RuleTooLong},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := CheckName(tc.in)
			if tc.rule == 0 {
				if err != nil {
					t.Fatalf("CheckName: %v", err)
				}
				return
			}
			var ue *UnsafeValueError
			if !errors.As(err, &ue) || ue.Rule != tc.rule {
				t.Errorf("wrong error\ngot:  %v\nwant: rule %v", err, tc.rule)
			}
		})
	}
}

func TestCheckPath(t *testing.T) {
	tests := map[string]struct {
		in      string
		wantErr bool
	}{
		"relative form":  {in: "Applications/OpenClientServer/CAPProxy"},
		"absolute form":  {in: "/System/Security/BlackList"},
		"root":           {in: "/"},
		"empty is root":  {in: ""},
		"dot dot":        {in: "/System/..", wantErr: true},
		"dot":            {in: "System/./x", wantErr: true},
		"empty segment":  {in: "System//x", wantErr: true},
		"trailing slash": {in: "System/", wantErr: true},
		"space":          {in: "System/Black List", wantErr: true},
		"semicolon":      {in: "System;sec", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := CheckPath(tc.in)
			if (err != nil) != tc.wantErr {
				t.Errorf("wrong result\ngot:  %v\nwant error: %v", err, tc.wantErr)
			}
		})
	}
}
