package main

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const versionUsage = `Usage: bwstate version [-json]

Prints the bwstate version and the Go version it was built with.

Flags:
  -json  print {"version", "go_version", "revision", "modified",
         "modules": [{"path", "version"}]} as JSON, for bug reports
         (revision: the git commit of a build from a clone)
`

// versionInfo is the JSON form of `bwstate version -json`.
type versionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	// Revision is the git commit the binary was built from, when the Go
	// toolchain recorded it (builds from a clone); Modified means the work
	// tree had uncommitted changes.
	Revision string          `json:"revision,omitempty"`
	Modified bool            `json:"modified,omitempty"`
	Modules  []moduleVersion `json:"modules"`
}

type moduleVersion struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

func init() {
	register(&command{
		name:     "version",
		synopsis: "print the bwstate version",
		usage:    versionUsage,
		run:      runVersion,
	})
}

func runVersion(e *env, args []string) int {
	fs := newFlagSet("version")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parseFlags(e, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bwstate version: unexpected argument %q\nRun 'bwstate help version' for its flags.\n", fs.Arg(0))
		return exitError
	}
	info := versionInfo{Version: version, GoVersion: "unknown", Modules: []moduleVersion{}}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.GoVersion = bi.GoVersion
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				info.Revision = st.Value
			case "vcs.modified":
				info.Modified = st.Value == "true"
			}
		}
		for _, m := range bi.Deps {
			if m.Replace != nil {
				m = m.Replace
			}
			info.Modules = append(info.Modules, moduleVersion{Path: m.Path, Version: m.Version})
		}
	}
	if *asJSON {
		out, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			fmt.Fprintf(e.stderr, "bwstate version: %v\n", err)
			return exitError
		}
		fmt.Fprintf(e.stdout, "%s\n", out)
		return exitOK
	}
	built := info.GoVersion
	if info.Revision != "" {
		rev := info.Revision[:min(12, len(info.Revision))]
		if info.Modified {
			rev += "+changes"
		}
		built = rev + ", " + built
	}
	fmt.Fprintf(e.stdout, "bwstate %s (%s)\n", info.Version, built)
	return exitOK
}
