// Package engine is the provider-agnostic core of bwstate: the data types
// shared by configuration loading, planning, applying and rendering, and the
// interfaces (Catalogue, ConnectionSchema, Provider, Session) that a server
// provider such as providers/broadworks implements. How a host is reached
// is the provider's: it decodes its own connection block and the engine
// carries the result (Host.Connection) without looking inside.
//
// The engine imports no SSH, terminal or flag code. Dependencies point one
// way: cmd/bwstate -> engine/... and cmd/bwstate -> providers/broadworks ->
// engine (types only).
//
// Sub-packages:
//
//	engine/config   HCL loading: variables, locals, inventory, resources, diagnostics
//	engine/plan     desired vs observed -> Plan (pure diff plus the read pass)
//	engine/apply    executes a Plan through a Provider, reporting through a Hook
//	engine/journal  run journal, pending restarts, controller lock
//	engine/views    human and JSON rendering of plans, diagnostics and progress
package engine
