package main

import (
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func init() {
	register(&command{
		name:     "version",
		synopsis: "print the bwstate version",
		usage:    "Usage: bwstate version\n\nPrints the bwstate version and the Go version it was built with.\n",
		run: func(e *env, args []string) int {
			goVersion := "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				goVersion = bi.GoVersion
			}
			fmt.Fprintf(e.stdout, "bwstate %s (%s)\n", version, goVersion)
			return exitOK
		},
	})
}
