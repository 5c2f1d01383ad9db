package broadworks

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/bwstate/bwstate/engine"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
	"github.com/bwstate/bwstate/providers/broadworks/sim/simtest"
	"golang.org/x/crypto/ssh"
)

// benchContexts are the five contexts BenchmarkFactsAndRead5 reads: four
// attribute levels and a table, as a small plan of one host does.
var benchContexts = []string{
	capPath,
	"Applications/OpenClientServer/GeneralSettings",
	"Applications/OpenClientServer/OCIProxy",
	"Interface/SNMP/Agent",
	"System/ManagementAccessList",
}

// sentCommands is what the driver wrote on the session's terminal
// (commands and confirmation answers); reachable only inside the package.
func sentCommands(s engine.Session) int { return s.(*session).cli.Commands() }

// BenchmarkFactsAndRead5 is the read pass of plan for one host: open, facts,
// five contexts, close. It reports the commands the host received and the
// driver sent per op (equal: one round trip per command, nothing hidden),
// and the connections per op (each session runs bwshowver once).
func BenchmarkFactsAndRead5(b *testing.B) {
	for _, latency := range []time.Duration{0, 20 * time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			f := simtest.Start(b, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
			sh := f.Host("xsp1")
			sh.SetFaults(sim.Faults{Latency: latency})
			ctx := context.Background()
			p := newTestProvider(b, Options{}, nil)
			h := hostOf(b, f, "xsp1")
			cat := p.cat
			before := len(sh.Commands())
			sent := 0

			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				s, err := p.Open(ctx, h)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Facts(ctx); err != nil {
					b.Fatal(err)
				}
				for _, path := range benchContexts {
					schema, _ := cat.Lookup("xsp", path)
					if _, err := s.Read(ctx, path, schema); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				sent += sentCommands(s)
			}
			b.StopTimer()

			cmds := sh.Commands()[before:]
			received := float64(len(cmds)) / float64(b.N)
			conns := float64(countCommand(cmds, "shell bwshowver")) / float64(b.N)
			b.ReportMetric(received, "host-cmds/op")
			b.ReportMetric(float64(sent)/float64(b.N), "sent-cmds/op")
			b.ReportMetric(conns, "conns/op")
			// Per op the driver sends one line the host does not log (the
			// empty line that shows the shell prompt at login) and the
			// host logs one command the driver did not send on its own
			// line (the y of exit;y): the counts are equal.
			if len(cmds) != sent {
				b.Errorf("the host received %d commands, the driver sent %d lines (with the login's empty line; exit;y is one line and two commands)", len(cmds), sent)
			}
			if conns != 1 || countCommand(cmds, "shell bwcli") != b.N {
				b.Errorf("wrong result\ngot: %.2f sessions per op\nwant: 1 connection and 1 bwcli per op", conns)
			}
		})
	}
}

// BenchmarkCommandOverhead measures what one CLI command costs beyond the
// host's latency L: overhead = time per command - L (overhead-µs/cmd; the
// target for the driver is under 1 ms). Each op is one `get` of the context
// the session is already in. "driver" goes through the provider; "raw" is
// the floor of the same exchange (SSH, PTY, simulator, this machine's
// timers and scheduler) with a minimal client that writes the line and
// waits for the prompt, so driver - raw is what the driver itself adds.
func BenchmarkCommandOverhead(b *testing.B) {
	for _, latency := range []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond} {
		b.Run(fmt.Sprintf("latency=%s/driver", latency), func(b *testing.B) {
			f := simtest.Start(b, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
			sh := f.Host("xsp1")
			ctx := context.Background()
			p := newTestProvider(b, Options{}, nil)
			s, err := p.Open(ctx, hostOf(b, f, "xsp1"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			schema, _ := p.cat.Lookup("xsp", capPath)
			if _, err := s.Read(ctx, capPath, schema); err != nil { // bwcli, cd
				b.Fatal(err)
			}
			sh.SetFaults(sim.Faults{Latency: latency})
			first := sentCommands(s)

			b.ResetTimer()
			for range b.N {
				if _, err := s.Read(ctx, capPath, schema); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()

			if n := sentCommands(s) - first; n != b.N {
				b.Fatalf("wrong result\ngot: %d commands for %d reads\nwant: one each", n, b.N)
			}
			reportOverhead(b, latency)
		})
		b.Run(fmt.Sprintf("latency=%s/raw", latency), func(b *testing.B) {
			f := simtest.Start(b, lab(simHost("xsp1", "xsp", "Rel_24.0_1.944", "")))
			c := dialRaw(b, f, "xsp1")
			c.run(b, "", "$ ")
			c.run(b, "bwcli", "XSP_CLI> ")
			prompt := "XSP_CLI/" + capPath + "> "
			c.run(b, "cd /"+capPath, prompt)
			f.Host("xsp1").SetFaults(sim.Faults{Latency: latency})

			b.ResetTimer()
			for range b.N {
				c.run(b, "get", prompt)
			}
			b.StopTimer()
			reportOverhead(b, latency)
		})
	}
}

// reportOverhead reports the time per op beyond latency, and how late this
// machine fires a timer of that length (the simulator waits L with one).
func reportOverhead(b *testing.B, latency time.Duration) {
	perCmd := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perCmd-latency)/float64(time.Microsecond), "overhead-µs/cmd")
	b.ReportMetric(float64(timerOvershoot(latency))/float64(time.Microsecond), "timer-late-µs")
}

// rawClient is the least a client can do on a PTY: write a line, read
// until the output ends with the expected prompt.
type rawClient struct {
	in  io.Writer
	out io.Reader
	buf []byte
}

func dialRaw(b *testing.B, f *sim.Fleet, name string) *rawClient {
	b.Helper()
	keyPEM, err := os.ReadFile(f.ClientKeyPath())
	if err != nil {
		b.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(keyPEM)
	if err != nil {
		b.Fatal(err)
	}
	c, err := ssh.Dial("tcp", f.Host(name).Addr(), &ssh.ClientConfig{
		User:            "bwadmin",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // a benchmark of the exchange, not of key checks
		Timeout:         20 * time.Second,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		b.Fatal(err)
	}
	if err := sess.RequestPty("xterm", 50, 1000, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
		b.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		b.Fatal(err)
	}
	return &rawClient{in: in, out: out, buf: make([]byte, 0, 64<<10)}
}

// run sends line (nothing when empty) and reads until the output ends with
// prompt.
func (c *rawClient) run(b *testing.B, line, prompt string) {
	if line != "" {
		if _, err := io.WriteString(c.in, line+"\r"); err != nil {
			b.Fatal(err)
		}
	}
	c.buf = c.buf[:0]
	chunk := make([]byte, 32<<10)
	for !bytes.HasSuffix(c.buf, []byte(prompt)) {
		n, err := c.out.Read(chunk)
		if err != nil {
			b.Fatalf("%s: %v after %q", line, err, c.buf)
		}
		c.buf = append(c.buf, chunk[:n]...)
	}
}

// timerOvershoot is how late a timer of d fires on this machine, on
// average over a few runs (0 for d = 0).
func timerOvershoot(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	const runs = 10
	var late time.Duration
	for range runs {
		start := time.Now()
		t := time.NewTimer(d)
		<-t.C
		late += time.Since(start) - d
	}
	return late / runs
}
