package bwcli

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
)

// echoServer answers every line at once with PTY echo, a canned reply and
// the prompt: the cheapest possible server, so a benchmark measures the
// driver's own overhead per command.
func echoServer(b *testing.B, replies map[string]string) *Session {
	b.Helper()
	toSrvR, toSrvW := io.Pipe()
	fromSrvR, fromSrvW := io.Pipe()
	s := New(fromSrvR, toSrvW, Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer fromSrvW.Close()
		in := bufio.NewReader(toSrvR)
		if _, err := io.WriteString(fromSrvW, "bwadmin@xsp1$ "); err != nil {
			return
		}
		prompt := shellPrompt
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.TrimSuffix(line, "\n")
			reply := replies[cmd]
			switch {
			case cmd == "bwcli":
				prompt = rootPrompt
			case strings.HasPrefix(cmd, "cd /"):
				prompt = "XSP_CLI" + cmd[3:] + "> "
			}
			if _, err := io.WriteString(fromSrvW, cmd+"\r\n"+reply+prompt); err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() {
		_ = s.Close()
		<-done
		<-s.Done()
	})
	ctx := context.Background()
	if err := s.WaitShell(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := s.StartCLI(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Cd(ctx, capPath); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkGetAttributes(b *testing.B) {
	s := echoServer(b, map[string]string{"get": "  enabled = true\r\n  serverPort = 2206\r\n  numConnections = 1\r\n"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetAttributes(ctx, GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.Commands()-4)/float64(b.N), "cmds/op")
}

func BenchmarkSet(b *testing.B) {
	s := echoServer(b, map[string]string{"set enabled false": restartW + "\r\n"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Set(ctx, "enabled", "false", SetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetTable100(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("  Host          Description\r\n===========================\r\n")
	for i := range 100 {
		sb.WriteString("  10.9.0." + strings.Repeat("1", 1+i%3) + "   office network\r\n")
	}
	sb.WriteString("\r\n100 entries found.\r\n")
	s := echoServer(b, map[string]string{"get": sb.String()})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetTable(ctx, GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
