// Package importer turns live contexts of one host into configuration that
// keeps them as they are: `bwstate import`, the adoption of a fleet that
// was configured by hand.
//
// Generate writes formatted HCL (hclwrite): a `context` block per
// attribute context with every readable attribute typed per the catalogue
// (bools as bools, numbers as numbers, the rest quoted), an exclusive
// `table` block per table context with one `row` per live row, and a
// header comment saying from which host and when. The output must plan
// with no changes against the host it came from, so anything that would
// not is left out with a comment saying why, never silently:
//
//   - sensitive attributes reference a generated `variable` (sensitive,
//     no default) that the operator supplies; the value is never printed;
//   - prompted passwords cannot be read back and are omitted;
//   - read-only contexts, contexts the host's release does not have, and
//     tables the catalogue does not know are skipped;
//   - values the configuration would refuse to send to the CLI (";", a
//     double quote, control characters) or that do not fit the catalogue
//     type are commented out; a table row that cannot be kept turns
//     `exclusive` off, because an exclusive table would delete it;
//   - contexts the catalogue does not know are kept with string values.
//
// Variables lists the variables a Generate output needs, so a caller can
// tell the operator which values to supply (or, in tests, supply them).
package importer
