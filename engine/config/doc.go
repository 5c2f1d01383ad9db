// Package config loads a bwstate configuration: every *.bw.hcl file of one
// directory, sorted by name, plus variable values. Load resolves variables
// (defaults < *.bwvars < -var-file < BWSTATE_VAR_NAME < -var), evaluates
// locals in dependency order, builds the inventory (hosts, groups, ssh
// settings, rollout) and checks every context, table and check block against
// the engine.Catalogue with facts unknown, so `bwstate validate` finds
// mistakes without a network. At plan time Config.Desired and Config.Checks
// evaluate the per-host parts against each host's facts.
//
// Language reference (docs/language.md has the full text and examples):
// top-level blocks are variable "NAME" {type, default, description,
// sensitive, validation {condition, error_message}}, locals {NAME = expr},
// ssh {user, port, identity_file, known_hosts, password_env, jump, timeout,
// command_timeout, accept_new_host_keys} (at most one; a host's own ssh block
// overrides it attribute by attribute), host "NAME" {address, type, groups,
// vars, ssh}, group "NAME" {vars}, rollout {batch_size, max_failures,
// health_timeout, restart, spread_groups, max_per_group} (at most one),
// context "NAME" {hosts, when, path, set {...}, restart}, table "NAME"
// {hosts, when, path, exclusive, row {...}..., restart} and check "NAME"
// {hosts, when, assert {condition, error_message}...}. Static expressions
// (inventory, hosts, path, rollout, locals) see var.NAME, local.NAME and
// group.NAME (host names in inventory order; group.all is every host). when,
// set and row values and assertions are evaluated per host and also see
// host.name, address, type, groups, vars (group vars merged in group order,
// host vars win), release, release_string, patches, patch_count and alarms;
// the last five are facts, unknown at validate time. set bodies are decoded against the
// catalogue schema of path for each host type targeted: names are
// case-insensitive and printed in the catalogue's case, values are converted
// with cty's rules to the attribute's type (the string "true" is a bool,
// "yes" is not) and normalised to CLI form. A context the catalogue does not
// know is a warning and its values are compared as strings. Values that could
// break out of a CLI command (";", a double quote, a line break including
// U+0085/U+2028/U+2029 or another control character, a trailing backslash,
// invalid UTF-8, more than 1024 bytes) are errors; the driver applies the
// same rules.
// Functions are an allow-list that cannot read files, the clock or the
// network. Values of sensitive variables are cty-marked: whatever is computed
// from them is sensitive (engine.Field.Sensitive) and no diagnostic prints
// them.
//
// Diagnostics are hcl.Diagnostics with source ranges; WriteDiagnostics
// renders them with snippets using Config.Parser. Plan-time problems are
// returned as *EvalError, which carries diagnostics too.
package config
