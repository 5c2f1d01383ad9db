package main

import (
	"os"

	"github.com/bwstate/bwstate/engine/config"

	"github.com/bwstate/bwstate/providers/broadworks"
	"github.com/bwstate/bwstate/providers/broadworks/sshconn"
)

// Environment variables bwstate reads besides BWSTATE_VAR_*.
const (
	// envTranscriptDir names a directory that receives one transcript per
	// host session (secrets redacted), for debugging a CLI exchange.
	envTranscriptDir = "BWSTATE_TRANSCRIPT_DIR"
	// envSSHConfig overrides the ssh_config file read for fallback
	// defaults ("none" disables it).
	envSSHConfig = "BWSTATE_SSH_CONFIG"
)

// newProvider builds the BroadWorks provider for one command on cfg.
func newProvider(e *env, cfg *config.Config) *broadworks.Provider {
	return newProviderIn(e, resolve(e, e.getenv(envTranscriptDir)), cfg)
}

// newProviderIn builds the provider with transcripts written to dir ("":
// none). Its sessions mask the values of cfg's sensitive variables in what
// they record (docs/security.md, sensitive values).
func newProviderIn(e *env, transcriptDir string, cfg *config.Config) *broadworks.Provider {
	opts := broadworks.Options{
		Getenv:        e.getenv,
		SSHConfigPath: e.getenv(envSSHConfig),
		TranscriptDir: transcriptDir,
		AcceptNewHint: `set accept_new_host_keys = true in the ssh block to record unknown keys on first use`,
	}
	if cfg != nil {
		opts.Secrets = cfg.SensitiveValues()
	}
	if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
		opts.Prompter = suspendingPrompter{p: &sshconn.TerminalPrompter{In: f, Out: e.stderr}, slot: e.displays}
	}
	return broadworks.New(opts)
}
