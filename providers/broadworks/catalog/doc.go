// Package catalog is bwstate's knowledge of BroadWorks CLI contexts: for each
// server type, which contexts exist, their attributes in canonical case,
// types, ranges, choices, defaults, sensitivity, the releases that have them
// and the application whose restart a change requires; and the built-in
// advisories, live values plan warns about on every host whether or not the
// configuration manages them (CAPProxy left enabled after the 22.0 upgrade).
//
// The facts are listed in docs/bwcli.md with their public sources; guesses
// are marked as such ([G]) in Doc or in a comment (release ranges are mostly
// guesses). The catalogue never blocks what a server can prove: Lookup
// finds a context listed for other server types too (see Native). The simulator keeps its own catalogue (it must not share
// client code), so a disagreement between the two shows up in tests instead
// of hiding.
package catalog
