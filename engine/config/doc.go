// Package config loads a bwstate configuration: every *.bw.hcl file of one
// directory, sorted by name, plus variable values. Load resolves variables
// (defaults < *.bwvars < -var-file < BWSTATE_VAR_NAME < -var), evaluates
// locals in dependency order, builds the inventory (hosts, groups, rollout;
// each host's connection settings are decoded by the provider from its own
// block, LoadOptions.Connections) and checks every context, table and check
// block against the engine.Catalogue with facts unknown, so `bwstate validate` finds
// mistakes without a network. At plan time Config.Desired and Config.Checks
// evaluate the per-host parts against each host's facts.
//
// The language itself (blocks, attributes, scopes, functions, value rules)
// is documented once, in docs/language.md. Two properties the rest of the
// engine relies on: values that could break out of a CLI command are errors
// here, before anything reaches a host (the driver applies the same rules
// again), and values computed from sensitive variables stay cty-marked, so
// they become engine.Field.Sensitive and no diagnostic prints them.
//
// Diagnostics are hcl.Diagnostics with source ranges; WriteDiagnostics
// renders them with snippets using Config.Parser. Plan-time problems are
// returned as *EvalError, which carries diagnostics too.
package config
