package simtest

import (
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestUniqueLoopbackIP(t *testing.T) {
	seen := map[string]string{}
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		t.Run(name, func(t *testing.T) {
			ip := UniqueLoopbackIP(t)
			parsed := net.ParseIP(ip)
			if parsed == nil || !parsed.IsLoopback() || strings.HasPrefix(ip, "127.0.") {
				t.Errorf("wrong result\ngot: %s\nwant: a loopback address outside 127.0.x.x", ip)
			}
			if again := UniqueLoopbackIP(t); again != ip {
				t.Errorf("not stable within a test: %s then %s", ip, again)
			}
			if prev, dup := seen[ip]; dup {
				t.Errorf("%s and %s got the same address %s", prev, t.Name(), ip)
			}
			seen[ip] = t.Name()
		})
	}
}

// TestStart serves a two-host lab: a fixed port kept as given, a free port
// picked for :0, both on the test's loopback IP, reachable with the lab's
// key and known_hosts, and closed when the (sub)test ends.
func TestStart(t *testing.T) {
	var addrs []string
	t.Run("serve", func(t *testing.T) {
		f := Start(t, `
sim_host "xsp1" {
  listen  = "127.0.0.1:2201"
  type    = "xsp"
  release = "Rel_22.0_1.1123"
}
sim_host "as1" {
  listen  = "127.0.0.1:0"
  type    = "as"
  release = "Rel_24.0_1.944"
}
`)
		ip := UniqueLoopbackIP(t)
		if got, want := f.Host("xsp1").Addr(), net.JoinHostPort(ip, "2201"); got != want {
			t.Errorf("wrong result\ngot: %s\nwant: %s", got, want)
		}
		host, port, _ := net.SplitHostPort(f.Host("as1").Addr())
		if host != ip || port == "0" {
			t.Errorf("wrong result\ngot: %s\nwant: %s with a free port", f.Host("as1").Addr(), ip)
		}
		cb, err := knownhosts.New(f.KnownHostsPath())
		if err != nil {
			t.Fatal(err)
		}
		c, err := ssh.Dial("tcp", f.Host("as1").Addr(), &ssh.ClientConfig{
			User: "bwadmin", Auth: []ssh.AuthMethod{ssh.Password("bwadmin")}, HostKeyCallback: cb, Timeout: 10 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		out, err := sess.Output("bwshowver")
		_ = c.Close()
		if err != nil || !strings.HasPrefix(string(out), "AS version Rel_24.0_1.944") {
			t.Errorf("wrong result\ngot: %q %v\nwant: AS bwshowver", out, err)
		}
		for _, h := range f.Hosts() {
			addrs = append(addrs, h.Addr())
		}
	})
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			_ = c.Close()
			t.Errorf("%s still listens after the test ended", a)
		}
	}
}
