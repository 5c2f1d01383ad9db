package main

import (
	"crypto/rand"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/bwstate/bwstate/examples"
	"github.com/bwstate/bwstate/providers/broadworks/sim"
)

func init() {
	register(&command{
		name:     "demo",
		synopsis: "plan and apply examples/cap-disable against a simulated fleet",
		usage: `Usage: bwstate demo [-keep]

The whole tour in one process, with no BroadWorks server: starts the six
simulated servers of examples/lab on a free loopback address in a temporary
directory, then runs, as you would:

  bwstate plan                  what disabling CAPProxy on 22.0+ would change
  bwstate apply -auto-approve   set enabled = false, restart OpenClientServer
                                once per changed host, wait for health
  bwstate plan                  nothing left to do

and prints what the simulated servers received (sets and restarts per host).

Flags:
  -keep   keep the temporary directory (configuration, journal, lab state
          and the servers' command log) and print its path

Exit status: 0 the tour went as expected, 1 otherwise.
`,
		run: runDemo,
	})
}

func runDemo(e *env, args []string) int {
	flags := newFlagSet("demo")
	keep := flags.Bool("keep", false, "keep the temporary directory")
	if code, ok := parseFlags(e, flags, args); !ok {
		return code
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bwstate demo: unexpected argument %q\n", flags.Arg(0))
		return exitError
	}
	tmp, err := os.MkdirTemp("", "bwstate-demo-")
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate demo: %v\n", err)
		return exitError
	}
	if *keep {
		defer fmt.Fprintf(e.stdout, "\nKept %s (configuration, journal and revert plan in cap-disable/, lab state and commands.log in lab/).\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
		defer fmt.Fprintf(e.stdout, "\nThe temporary directory is removed now; run 'bwstate demo -keep' to look at the journal and the revert plan.\n")
	}

	configDir := filepath.Join(tmp, "cap-disable")
	if err := writeEmbedded(examples.CapDisable, "cap-disable", configDir); err != nil {
		fmt.Fprintf(e.stderr, "bwstate demo: %v\n", err)
		return exitError
	}
	lab, diags := sim.ParseLab(examples.Lab, "examples/lab/lab.hcl")
	if diags.HasErrors() {
		fmt.Fprintf(e.stderr, "bwstate demo: %s\n", diags.Error())
		return exitError
	}
	labDir := filepath.Join(tmp, "lab")
	fleet, ip, err := startDemoFleet(lab, labDir)
	if err != nil {
		fmt.Fprintf(e.stderr, "bwstate demo: start the simulated fleet: %v\n", err)
		return exitError
	}
	defer fleet.Close()

	fmt.Fprintf(e.stdout, "Simulated fleet: %d BroadWorks servers on %s (examples/lab/lab.hcl)\n", len(fleet.Hosts()), ip)
	for _, h := range fleet.Hosts() {
		fmt.Fprintf(e.stdout, "  %-5s %-4s %-18s %s\n", h.Name(), strings.ToUpper(h.Type()), h.Release(), h.Addr())
	}
	fmt.Fprintf(e.stdout, "Configuration: examples/cap-disable (CAPProxy enabled = false where host.release >= 22)\n")

	vars := []string{"-var", "lab_ip=" + ip, "-var", "lab_dir=" + labDir}
	steps := []struct {
		show string
		args []string
		want int
	}{
		{"bwstate plan", append([]string{"plan"}, vars...), exitOK},
		{"bwstate apply -auto-approve", append([]string{"apply", "-auto-approve"}, vars...), exitOK},
		{"bwstate plan -detailed-exitcode", append([]string{"plan", "-detailed-exitcode"}, vars...), exitOK},
	}
	for _, s := range steps {
		fmt.Fprintf(e.stdout, "\n$ %s\n", s.show)
		sub := *e
		if code := run(&sub, append([]string{"-chdir=" + configDir}, s.args...)); code != s.want {
			fmt.Fprintf(e.stderr, "bwstate demo: %q exited %d, expected %d\n", s.show, code, s.want)
			return exitError
		}
	}

	fmt.Fprintf(e.stdout, "\nWhat the simulated servers received (from their command log):\n")
	for _, line := range demoSummary(fleet) {
		fmt.Fprintln(e.stdout, "  "+line)
	}
	return exitOK
}

// startDemoFleet serves the lab on a random loopback address (its ports as
// the lab file gives them), trying another address if one is taken.
func startDemoFleet(lab *sim.Lab, dir string) (*sim.Fleet, string, error) {
	var lastErr error
	for range 10 {
		n, err := rand.Int(rand.Reader, big.NewInt(200*254*254))
		if err != nil {
			return nil, "", err
		}
		v := n.Int64()
		ip := fmt.Sprintf("127.%d.%d.%d", 210+v%40, (v/40)%254+1, (v/40/254)%254+1)
		fleet, err := sim.Start(lab, sim.Options{StateDir: dir, BindIP: ip})
		if err == nil {
			return fleet, ip, nil
		}
		lastErr = err
	}
	return nil, "", lastErr
}

// writeEmbedded copies the files under root of fsys into dir.
func writeEmbedded(fsys fs.FS, root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return err
	}
	for _, ent := range entries {
		b, err := fs.ReadFile(fsys, root+"/"+ent.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, ent.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// demoSummary lists, per host, the writes and restarts the simulator
// recorded: the servers' own account, not bwstate's.
func demoSummary(fleet *sim.Fleet) []string {
	writes := map[string][]string{}
	contacted := map[string]bool{}
	for _, c := range fleet.Commands() {
		contacted[c.Host] = true
		verb := strings.ToLower(strings.Fields(c.Line + " x")[0])
		switch verb {
		case "set", "clear", "add", "delete", "del", "restartbw", "startbw", "stopbw":
			writes[c.Host] = append(writes[c.Host], c.Line)
		}
	}
	var lines []string
	for _, h := range fleet.Hosts() {
		got := writes[h.Name()]
		switch {
		case !contacted[h.Name()]:
			lines = append(lines, fmt.Sprintf("%-5s nothing (not contacted)", h.Name()))
			continue
		case len(got) == 0:
			lines = append(lines, fmt.Sprintf("%-5s reads only", h.Name()))
			continue
		}
		lines = append(lines, fmt.Sprintf("%-5s %s", h.Name(), strings.Join(got, "; ")))
	}
	return lines
}
