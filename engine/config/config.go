package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/bwstate/bwstate/engine"
)

// File name suffixes of a configuration directory.
const (
	ConfigSuffix = ".bw.hcl"
	VarsSuffix   = ".bwvars"
)

// EnvVarPrefix prefixes environment variables that set configuration
// variables: BWSTATE_VAR_ssh_user sets var.ssh_user.
const EnvVarPrefix = "BWSTATE_VAR_"

// LoadOptions are the inputs of Load besides the directory.
type LoadOptions struct {
	// Catalogue knows the contexts of each host type; required.
	Catalogue engine.Catalogue
	// Connections is the provider's connection block (ssh), which it
	// decodes itself; nil means the configuration takes no such block and
	// hosts carry no connection settings.
	Connections engine.ConnectionSchema
	// VarFiles are -var-file paths in command-line order. Relative paths
	// are relative to the configuration directory (as after -chdir).
	VarFiles []string
	// Vars are -var values, "NAME=VALUE", in command-line order.
	Vars []string
	// Environ is the process environment (os.Environ()); only
	// BWSTATE_VAR_* entries are used.
	Environ []string
	// UnsetVariablesUnknown makes a required variable without a value
	// unknown instead of an error, as `bwstate validate` wants it: CI
	// checks a configuration without its secrets. Whatever depends on such
	// a variable is checked for its type only.
	UnsetVariablesUnknown bool
}

// Config is a loaded, statically validated configuration.
type Config struct {
	// Dir is the configuration directory as given to Load.
	Dir string
	// Hash is the hex SHA-256 over the sorted names and contents of the
	// *.bw.hcl and *.bwvars files; plan files record it to detect edits.
	Hash string
	// Files are the configuration and variable files read, by name.
	Files []string
	// Hosts in inventory order: files in name order, blocks in order.
	Hosts []*engine.Host
	// Rollout is the rollout block or engine.DefaultRollout().
	Rollout engine.Rollout
	// Resources are the context and table blocks in file and block order.
	Resources []*Resource
	// CheckBlocks are the check blocks in file and block order. (Named so
	// because the Checks method evaluates them for a host.)
	CheckBlocks []*CheckBlock
	// Parser holds every source read, for rendering diagnostics with
	// snippets (WriteDiagnostics).
	Parser *hclparse.Parser

	ctx        *hcl.EvalContext // var, local, group and functions
	hostIndex  map[string]int
	groups     map[string][]string
	groupOrder []string
}

// Resource is one context or table block.
type Resource struct {
	// Addr is "context.NAME" or "table.NAME".
	Addr string
	// Kind is "context" or "table".
	Kind string
	Name string
	// Path is the context path in the catalogue's canonical case when the
	// catalogue knows it, else as written without leading or trailing
	// slashes.
	Path string
	// Hosts are the targeted host names in the order `hosts` lists them.
	Hosts []string
	// Range is the block's definition (`context "NAME"`).
	Range hcl.Range
	// Exclusive tables delete live rows that are not declared.
	Exclusive bool
	// Restart is the `restart` attribute ("" = use the catalogue).
	Restart string

	when    hcl.Expression
	attrs   []*hcl.Attribute // set body, declaration order
	rows    []*row
	schemas map[string]*engine.Context // host type -> catalogue entry, nil when unknown
	hostSet map[string]bool
}

// CheckBlock is one check block.
type CheckBlock struct {
	// Addr is "check.NAME".
	Addr  string
	Name  string
	Hosts []string
	Range hcl.Range

	when    hcl.Expression
	asserts []*assertion
	hostSet map[string]bool
}

type row struct {
	rng   hcl.Range
	attrs []*hcl.Attribute // declaration order
}

type assertion struct {
	condition hcl.Expression
	message   hcl.Expression
}

// Host returns the host with the given name, or nil.
func (c *Config) Host(name string) *engine.Host {
	if i, ok := c.hostIndex[name]; ok {
		return c.Hosts[i]
	}
	return nil
}

// Groups returns every group, including "all", with its hosts in inventory
// order. The map and slices are copies.
func (c *Config) Groups() map[string][]string {
	out := make(map[string][]string, len(c.groups))
	for g, hs := range c.groups {
		out[g] = append([]string(nil), hs...)
	}
	return out
}

// Resource returns the context or table block with the given address, or nil.
func (c *Config) Resource(addr string) *Resource {
	for _, r := range c.Resources {
		if r.Addr == addr {
			return r
		}
	}
	return nil
}

// Load reads every *.bw.hcl file of dir (sorted by name), resolves variable
// values from their sources, evaluates locals and the inventory, and checks
// every resource against the catalogue with facts unknown.
//
// It always returns a non-nil Config whose Parser can render the returned
// diagnostics. When diags.HasErrors() the rest of the Config is incomplete
// and must not be used. Warnings (unknown contexts) come with a usable Config.
func Load(dir string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	l := &loader{
		dir:    dir,
		opts:   opts,
		cat:    opts.Catalogue,
		parser: hclparse.NewParser(),
		funcs:  functions(),
	}
	l.cfg = &Config{Dir: dir, Parser: l.parser, Rollout: engine.DefaultRollout()}
	l.load()
	maskSecrets(l.parser, l.diags)
	return l.cfg, dedupe(l.diags)
}

// loader carries the state of one Load.
type loader struct {
	dir    string
	opts   LoadOptions
	cat    engine.Catalogue
	parser *hclparse.Parser
	funcs  map[string]function.Function
	diags  hcl.Diagnostics
	cfg    *Config

	blocks map[string][]*hcl.Block // top-level blocks by type, file and block order

	vars     map[string]*variable
	varNames []string

	localDefs  map[string]*hcl.Attribute
	localNames []string
	localVals  map[string]cty.Value

	hosts        []*hostDecl
	hostByName   map[string]*hostDecl
	groupDecls   map[string]*groupDecl
	groupOrder   []string // group blocks, then groups first named by hosts
	groupMembers map[string][]string
	groupsReady  bool

	ctx *hcl.EvalContext

	// connBlock is the block type of the provider's connection settings
	// ("" without a provider's ConnectionSchema).
	connBlock string
}

func (l *loader) load() {
	if l.cat == nil {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No catalogue",
			Detail: "config.Load needs LoadOptions.Catalogue to check contexts; this is a bug in the caller."})
		return
	}
	if c := l.opts.Connections; c != nil {
		l.connBlock = c.BlockType()
		for _, b := range topSchema.Blocks {
			if b.Type == l.connBlock {
				l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Connection block clashes",
					Detail: fmt.Sprintf("The provider's connection block %q is a block of the language itself; this is a bug in the provider.", l.connBlock)})
				return
			}
		}
	}
	if !l.readFiles() {
		return
	}
	l.declareVariables()
	l.declareLocals()
	l.declareInventory()
	l.resolveVariables()
	l.ctx = &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: l.funcs}
	l.ctx.Variables["var"] = l.varObject()
	l.evalLocalsAndGroups()
	l.decodeInventory()
	l.decodeConnections()
	l.checkDuplicateServers()
	l.decodeRollout()
	l.decodeResources()
	l.checkConflicts()

	l.cfg.ctx = l.ctx
}

// readFiles lists, hashes and parses the directory. It reports false when
// nothing further can be checked (no files, syntax errors).
func (l *loader) readFiles() bool {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read configuration directory",
			Detail: fmt.Sprintf("read %s: %v", l.dir, err)})
		return false
	}
	h := sha256.New()
	var hclFiles []*hcl.File
	for _, e := range entries { // os.ReadDir sorts by name
		name := e.Name()
		isConfig := strings.HasSuffix(name, ConfigSuffix)
		isVars := strings.HasSuffix(name, VarsSuffix)
		if (!isConfig && !isVars) || e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(l.dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read configuration file",
				Detail: fmt.Sprintf("read %s: %v", path, err)})
			continue
		}
		// Length-prefixed so that moving bytes between a name and a content
		// can never produce the same hash.
		fmt.Fprintf(h, "%d:%s%d:", len(name), name, len(src))
		h.Write(src)
		l.cfg.Files = append(l.cfg.Files, name)
		f, diags := l.parser.ParseHCL(src, path)
		l.diags = append(l.diags, diags...)
		if isConfig && f != nil {
			hclFiles = append(hclFiles, f)
		}
	}
	l.cfg.Hash = hex.EncodeToString(h.Sum(nil))
	if l.diags.HasErrors() {
		return false
	}
	if len(hclFiles) == 0 {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No configuration files",
			Detail: fmt.Sprintf("The directory %s has no *%s files. Run bwstate in the configuration directory or pass -chdir=DIR.", l.dir, ConfigSuffix)})
		return false
	}
	l.blocks = map[string][]*hcl.Block{}
	for _, f := range hclFiles {
		content, diags := f.Body.Content(withBlock(topSchema, l.connBlock))
		l.diags = append(l.diags, diags...)
		for _, b := range content.Blocks {
			l.blocks[b.Type] = append(l.blocks[b.Type], b)
		}
		if body, ok := f.Body.(*hclsyntax.Body); ok {
			l.diags = append(l.diags, checkFunctionCalls(body, l.funcs)...)
		}
	}
	return true
}

// duplicates reports blocks of one type that share a label, pointing at the
// earlier definition. It returns the blocks to keep (the first of each name).
func (l *loader) duplicates(kind string) []*hcl.Block {
	seen := map[string]*hcl.Block{}
	var keep []*hcl.Block
	for _, b := range l.blocks[kind] {
		name := b.Labels[0]
		if prev, ok := seen[name]; ok {
			d := errorf(b.LabelRanges[0], fmt.Sprintf("Duplicate %s block", kind),
				"A %s named %q was already declared at %s. Names of %s blocks must be unique: rename or remove one of them.",
				kind, name, pos(prev.DefRange), kind)
			d.Context = rangePtr(b.DefRange)
			l.diags = append(l.diags, d)
			continue
		}
		seen[name] = b
		keep = append(keep, b)
	}
	return keep
}

// single returns the only block of a kind that may appear at most once.
func (l *loader) single(kind string) *hcl.Block {
	bs := l.blocks[kind]
	if len(bs) == 0 {
		return nil
	}
	for _, b := range bs[1:] {
		l.diags = append(l.diags, errorf(b.DefRange, fmt.Sprintf("Duplicate %s block", kind),
			"Only one %s block is allowed; the first is at %s. Merge the two.", kind, pos(bs[0].DefRange)))
	}
	return bs[0]
}

// nameOK checks a block label used in references (var.NAME, group.NAME,
// context.NAME): it must be an HCL identifier.
func (l *loader) nameOK(b *hcl.Block, kind string) bool {
	name := b.Labels[0]
	if hclsyntax.ValidIdentifier(name) {
		return true
	}
	l.diags = append(l.diags, errorf(b.LabelRanges[0], fmt.Sprintf("Invalid %s name", kind),
		"%q is not a valid name: use letters, digits, underscores and dashes, starting with a letter.", name))
	return false
}
