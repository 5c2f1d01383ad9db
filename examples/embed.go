// Package examples embeds the example lab and the cap-disable
// configuration, so `bwstate demo` runs from any directory, not only from a
// clone of the repository.
package examples

import "embed"

// Lab is examples/lab/lab.hcl.
//
//go:embed lab/lab.hcl
var Lab []byte

// CapDisable holds the configuration files of examples/cap-disable.
//
//go:embed cap-disable/*.bw.hcl
var CapDisable embed.FS
