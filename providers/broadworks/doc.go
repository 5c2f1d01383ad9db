// Package broadworks is bwstate's BroadWorks provider: it implements
// engine.Provider and engine.Session by dialing a host over SSH (sshconn),
// driving its login shell and BWCLI on a PTY (bwcli), and mapping the
// engine's reads, writes, restarts and health probes onto CLI commands. It
// also owns the configuration's ssh block (SSHBlock, an
// engine.ConnectionSchema), which it decodes into each host's Connection.
// The catalogue of known contexts lives in the catalog sub-package; the
// simulator every test runs against lives in sim.
//
// One Session is one SSH connection and one PTY shell. Shell tools
// (bwshowver, restartbw, healthmon, showrun) run at the shell prompt and
// contexts are read inside bwcli; the session switches between the two only
// when it must, so a plan of one host costs one connection and one command
// per piece of information.
package broadworks
