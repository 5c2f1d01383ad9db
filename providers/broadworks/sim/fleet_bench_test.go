package sim

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

var fleetTest = flag.Bool("sim.fleet1000", false, "run TestFleetThousandHosts (1,000 hosts on 127.0.1.1 .. 127.0.4.232)")

const fleetSize = 1000

// fleetIP returns the i-th address of 127.0.1.1 .. 127.0.4.232.
func fleetIP(i int) string {
	n := 256 + 1 + i // 127.0.1.1 is offset 257 in 127.0.0.0/16
	return fmt.Sprintf("127.0.%d.%d", n/256, n%256)
}

// startThousand serves fleetSize XSP hosts, one per loopback address, all
// on one port (picked free on the first address; retried on a clash).
func startThousand(tb testing.TB) *Fleet {
	tb.Helper()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		ln, err := net.Listen("tcp", fleetIP(0)+":0")
		if err != nil {
			tb.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		_ = ln.Close()
		lab := &Lab{}
		for i := 0; i < fleetSize; i++ {
			lab.Hosts = append(lab.Hosts, &HostConfig{
				Name: fmt.Sprintf("xsp%04d", i+1), Listen: net.JoinHostPort(fleetIP(i), port),
				Type: "xsp", Release: "Rel_22.0_1.1123", RestartDelay: time.Second,
			})
		}
		f, err := Start(lab, Options{StateDir: tb.TempDir()})
		if err == nil {
			tb.Cleanup(func() { _ = f.Close() })
			return f
		}
		lastErr = err
	}
	tb.Fatalf("cannot start %d hosts: %v", fleetSize, lastErr)
	return nil
}

// liveBytes is the memory the Go runtime holds for live objects and
// goroutine stacks, after a collection.
func liveBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// BenchmarkFleet measures the simulator at the fleet scale bwstate targets: 1,000
// hosts in one process. Run it once per measurement:
//
//	go test -run '^$' -bench BenchmarkFleet -benchtime 1x ./providers/broadworks/sim/
//
// and for the handshake rate give it time instead:
//
//	go test -run '^$' -bench 'BenchmarkFleet/handshakes' -benchtime 3s ./providers/broadworks/sim/
func BenchmarkFleet(b *testing.B) {
	before := liveBytes()
	f := startThousand(b)
	idle := liveBytes()
	perHost := float64(idle-before) / fleetSize

	b.Run("idle-host-memory", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(perHost, "B/idle-host")
	})

	b.Run("active-session-memory", func(b *testing.B) {
		const sessions = 200
		for b.Loop() {
		}
		base := liveBytes()
		stop := startClients(b, f, sessions)
		active := liveBytes()
		stop()
		b.ReportMetric(float64(active-base)/sessions, "B/session")
	})

	b.Run("handshakes", func(b *testing.B) {
		data, err := os.ReadFile(f.ClientKeyPath())
		if err != nil {
			b.Fatal(err)
		}
		signer, err := ssh.ParsePrivateKey(data)
		if err != nil {
			b.Fatal(err)
		}
		cfg := &ssh.ClientConfig{User: labUser, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
			HostKeyCallback: clientConfig(b, f).HostKeyCallback, Timeout: 10 * time.Second}
		hosts := f.Hosts()
		var next atomic.Int64
		// Several handshakes in flight per core, as a fleet-wide plan has.
		b.SetParallelism(4)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				h := hosts[int(next.Add(1))%len(hosts)]
				c, err := ssh.Dial("tcp", h.Addr(), cfg)
				if err != nil {
					b.Error(err)
					return
				}
				_ = c.Close()
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "handshakes/s")
	})
}

// startClients runs a child process (this test binary, in client mode)
// that opens n PTY sessions, each inside bwcli on a different host, so
// that the parent's memory holds only the server side. stop ends them.
func startClients(tb testing.TB, f *Fleet, n int) (stop func()) {
	tb.Helper()
	var addrs []string
	for _, h := range f.Hosts()[:n] {
		addrs = append(addrs, h.Addr())
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchClientHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BWSTATE_SIM_BENCH_CLIENT="+strings.Join(addrs, ","),
		"BWSTATE_SIM_BENCH_KEY="+f.ClientKeyPath(), "BWSTATE_SIM_BENCH_KNOWN_HOSTS="+f.KnownHostsPath())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		if sc.Text() == "clients ready" {
			ready = true
			break
		}
	}
	if !ready {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tb.Fatal("client process did not get ready")
	}
	return func() {
		_ = stdin.Close()
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
		_ = cmd.Wait()
	}
}

// TestBenchClientHelper is the client side of the active-session
// benchmark; it does nothing unless started by startClients.
func TestBenchClientHelper(t *testing.T) {
	addrs := os.Getenv("BWSTATE_SIM_BENCH_CLIENT")
	if addrs == "" {
		t.Skip("client mode of BenchmarkFleet only")
	}
	key, err := os.ReadFile(os.Getenv("BWSTATE_SIM_BENCH_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	f := &Fleet{dir: strings.TrimSuffix(os.Getenv("BWSTATE_SIM_BENCH_KNOWN_HOSTS"), "/known_hosts")}
	cfg := clientConfig(t, f, ssh.PublicKeys(signer))
	var wg sync.WaitGroup
	for _, addr := range strings.Split(addrs, ",") {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ssh.Dial("tcp", addr, cfg)
			if err != nil {
				t.Error(err)
				return
			}
			sess, err := c.NewSession()
			if err != nil {
				t.Error(err)
				return
			}
			if err := sess.RequestPty("vt100", 40, 200, ssh.TerminalModes{}); err != nil {
				t.Error(err)
				return
			}
			in, _ := sess.StdinPipe()
			var out syncBuffer
			sess.Stdout = &out
			if err := sess.Shell(); err != nil {
				t.Error(err)
				return
			}
			_, _ = io.WriteString(in, "bwcli\n")
			waitFor(t, &out, 0, "XSP_CLI> ", 30*time.Second)
		}()
	}
	wg.Wait()
	fmt.Println("clients ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// TestFleetThousandHosts serves 1,000 hosts and runs bwshowver and
// healthmon on every one of them (-sim.fleet1000; minutes under -race).
func TestFleetThousandHosts(t *testing.T) {
	if !*fleetTest {
		t.Skip("set -sim.fleet1000 to serve 1,000 hosts")
	}
	f := startThousand(t)
	cfg := clientConfig(t, f, keyAuth(t, f))
	hosts := f.Hosts()
	work := make(chan *Host)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range work {
				c, err := ssh.Dial("tcp", h.Addr(), cfg)
				if err != nil {
					t.Errorf("%s: %v", h.Name(), err)
					continue
				}
				sess, err := c.NewSession()
				if err != nil {
					t.Errorf("%s: %v", h.Name(), err)
					_ = c.Close()
					continue
				}
				out, err := sess.Output("healthmon -l")
				_ = c.Close()
				if err != nil || !strings.Contains(string(out), "BroadWorks Server Name: "+h.Name()+"\n") {
					t.Errorf("%s: wrong healthmon output %q: %v", h.Name(), out, err)
				}
			}
		}()
	}
	for _, h := range hosts {
		work <- h
	}
	close(work)
	wg.Wait()
	if got := len(f.Commands()); got != fleetSize {
		t.Errorf("wrong number of recorded commands\ngot: %d\nwant: %d", got, fleetSize)
	}
}
