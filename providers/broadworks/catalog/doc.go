// Package catalog is bwstate's knowledge of BroadWorks CLI contexts: for each
// server type, which contexts exist, their attributes in canonical case,
// types, ranges, choices, defaults, sensitivity, the releases that have them
// and the application whose restart a change requires; and the built-in
// advisories, live values plan warns about on every host whether or not the
// configuration manages them (CAPProxy left enabled after the 22.0 upgrade).
//
// The facts come from ../shared/BWCLI.md; entries tagged [G] there are
// guesses and are marked as such in Doc or in a comment (release ranges are
// mostly guesses). The simulator keeps its own catalogue (it must not share
// client code), so a disagreement between the two shows up in tests instead
// of hiding.
package catalog
