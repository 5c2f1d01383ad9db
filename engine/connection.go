package engine

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// ConnectionSchema is a provider's part of the configuration language: the
// block that holds its connection settings, once at the top level
// (defaults for every host) and once inside a host block (that host's own).
// As Terraform hands a provider its configuration block, the engine finds
// these blocks, hands over each one, and keeps what the provider decoded
// without looking inside (Host.Connection); the provider decodes the
// block against its own schema and owns every diagnostic about it.
type ConnectionSchema interface {
	// BlockType names the block, "ssh" for the BroadWorks provider. It
	// must not be a block type of the language itself.
	BlockType() string
	// DecodeBlock decodes one block. Attributes are evaluated through ev,
	// so they may use variables, locals and functions like every setting
	// known before any host is contacted. The result is the provider's
	// own and may be nil when the block is unusable.
	DecodeBlock(block *hcl.Block, ev StaticEvaluator) (ConnectionBlock, hcl.Diagnostics)
	// HostConnection gives one host its settings: the top-level block
	// (defaults, nil when there is none) with the host's own block (nil
	// when there is none) and the host's address. It is called for every
	// host, in inventory order.
	HostConnection(h ConnectionHost, defaults, own ConnectionBlock) (Connection, hcl.Diagnostics)
}

// ConnectionBlock is a provider's decoding of one connection block, opaque
// to the engine.
type ConnectionBlock any

// ConnectionHost is what the engine knows of a host when its connection
// settings are decoded.
type ConnectionHost struct {
	Name string
	// Address is the host name or IP address, without a port; empty when
	// the address attribute was wrong (reported already).
	Address string
	// Port is the port the address attribute names ("127.0.0.1:2201"), 0
	// when it names none.
	Port int
}

// Connection is a provider's settings for reaching one host. The engine
// carries it in Host.Connection and hands it back to the provider's Open;
// it asks only what it needs for messages and for the inventory's checks.
type Connection interface {
	// Endpoint is the address as plans print it: "10.1.0.11", or
	// "127.0.0.1:2201" when the host is not on the protocol's default port.
	Endpoint() string
	// Server names the server the settings reach. Two hosts with the same
	// key are one server, which the configuration refuses (bwstate would
	// change and restart it twice); description says how it is reached,
	// for that message: "10.1.0.11:22 through the jump host ops@bastion".
	Server() (key, description string)
}

// StaticEvaluator evaluates the attributes of a provider's block as the
// engine evaluates its own settings that must be known before any host is
// contacted (the inventory, the rollout): variables, locals, groups and
// functions are in scope, host facts are not. Each method returns the
// value, whether it is usable, and the diagnostics, worded as the engine
// words those of its own settings and naming the attribute. ok is false
// when there are errors, and also without errors when the value is not
// known yet (a variable without a value under `bwstate validate`): the
// setting is then not checked further.
type StaticEvaluator interface {
	String(a *hcl.Attribute) (s string, ok bool, diags hcl.Diagnostics)
	// Int is a whole number.
	Int(a *hcl.Attribute) (n int64, ok bool, diags hcl.Diagnostics)
	Bool(a *hcl.Attribute) (b bool, ok bool, diags hcl.Diagnostics)
	// Duration is a positive duration written as a string: "30s", "1h30m".
	Duration(a *hcl.Attribute) (d time.Duration, ok bool, diags hcl.Diagnostics)
	// Path is a file path: absolute, or relative to the configuration
	// directory (and then made absolute), or starting with ~, which is left
	// for the provider to expand.
	Path(a *hcl.Attribute) (p string, ok bool, diags hcl.Diagnostics)
}

// SecretSubject, set as a diagnostic's Extra, says that the diagnostic's
// subject is a secret written literally in a file, such as a password
// given where the name of an environment variable belongs. The engine
// masks that text in the sources it renders snippets from, so the
// snippet shows where the problem is without printing the secret again
// into a terminal or CI log.
type SecretSubject struct{}
