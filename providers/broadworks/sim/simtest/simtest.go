package simtest

import (
	"fmt"
	"hash/fnv"
	"os"
	"testing"

	"github.com/bwstate/bwstate/providers/broadworks/sim"
)

// Start parses labHCL (lab file syntax), serves it on the test's unique
// loopback IP with the ports as given (listen "127.0.0.1:0" picks free
// ports) and a state directory under t.TempDir(), and closes the fleet when
// the test ends. Host(name).Addr() gives each host's actual address;
// KnownHostsPath and ClientKeyPath the files a client needs.
func Start(t testing.TB, labHCL string) *sim.Fleet {
	t.Helper()
	lab, diags := sim.ParseLab([]byte(labHCL), "lab.hcl")
	if diags.HasErrors() {
		t.Fatalf("simtest: lab: %s", diags.Error())
	}
	f, err := sim.Start(lab, sim.Options{StateDir: t.TempDir(), BindIP: UniqueLoopbackIP(t)})
	if err != nil {
		t.Fatalf("simtest: %v", err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("simtest: %v", err)
		}
	})
	return f
}

// UniqueLoopbackIP returns a loopback address derived from the test's name
// and the process id: 127.A.B.C with A in 10..209, so it never meets
// 127.0.0.1 nor the 127.0.x.y range of the fleet benchmark. Linux routes
// all of 127.0.0.0/8 to the loopback interface.
func UniqueLoopbackIP(t testing.TB) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", t.Name(), os.Getpid())
	v := h.Sum32()
	return fmt.Sprintf("127.%d.%d.%d", 10+v%200, (v>>8)%256, 1+(v>>16)%254)
}
