package sshconn

import (
	"testing"
)

// BenchmarkDial measures one connection, handshake and authentication
// included, directly and through a jump host connection that is already
// open and shared.
func BenchmarkDial(b *testing.B) {
	for _, viaJump := range []bool{false, true} {
		name := "direct"
		if viaJump {
			name = "via shared jump"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b)
			e.setenv("PW", "pw")
			s := newTestServer(b, serverOptions{password: "pw"})
			e.trust(s)
			target := Target{Host: s.host, Port: s.port, User: "u", PasswordEnv: "PW", KnownHostsFile: e.knownHosts}
			d := e.dialer(Options{})
			if viaJump {
				j := newTestServer(b, serverOptions{password: "pw"})
				e.trust(j)
				target.Jump = "ops@" + j.addr()
				// Hold one client so that the jump connection stays open.
				c, err := d.Dial(stepContext(b), target)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
			}
			ctx := stepContext(b)
			for b.Loop() {
				c, err := d.Dial(ctx, target)
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}
