// Package mop renders the documents of engine/review: the change review of
// a saved plan (its method of procedure, MOP) and the closing record of an
// apply run, as one self-contained HTML page (inline CSS and SVG, no
// script, nothing fetched; readable printed and in dark or light viewers),
// as Markdown for a ticket, as versioned JSON, and the run record also as
// plain text.
//
// Every renderer prints values as the plan's human view does (views.Value,
// views.Clean) and masks sensitive ones the same way: the documents hold no
// sensitive value to begin with, and a masked value reads "(sensitive)"
// everywhere. HTML is produced by html/template, so no value can open an
// element or an attribute.
package mop
