package config

import "github.com/hashicorp/hcl/v2"

// The language's fixed-shape blocks. Package variables as in HCL's own
// guide; they are never modified.
var (
	topSchema = &hcl.BodySchema{
		Blocks: []hcl.BlockHeaderSchema{
			{Type: "variable", LabelNames: []string{"name"}},
			{Type: "locals"},
			{Type: "ssh"},
			{Type: "host", LabelNames: []string{"name"}},
			{Type: "group", LabelNames: []string{"name"}},
			{Type: "rollout"},
			{Type: "context", LabelNames: []string{"name"}},
			{Type: "table", LabelNames: []string{"name"}},
			{Type: "check", LabelNames: []string{"name"}},
		},
	}

	variableSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "type"},
			{Name: "default"},
			{Name: "description"},
			{Name: "sensitive"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
	}

	validationSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "condition", Required: true},
			{Name: "error_message", Required: true},
		},
	}

	sshSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "user"},
			{Name: "port"},
			{Name: "identity_file"},
			{Name: "known_hosts"},
			{Name: "password_env"},
			{Name: "jump"},
			{Name: "timeout"},
			{Name: "command_timeout"},
			{Name: "accept_new_host_keys"},
			{Name: "shell_prompt"},
			{Name: "cli_prompt"},
		},
	}

	hostSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "address", Required: true},
			{Name: "type", Required: true},
			{Name: "groups"},
			{Name: "vars"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "ssh"}},
	}

	groupSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "vars"}},
	}

	rolloutSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "batch_size"},
			{Name: "max_failures"},
			{Name: "health_timeout"},
			{Name: "restart"},
			{Name: "spread_groups"},
			{Name: "max_per_group"},
		},
	}

	contextSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "hosts", Required: true},
			{Name: "when"},
			{Name: "path", Required: true},
			{Name: "restart"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "set"}},
	}

	tableSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "hosts", Required: true},
			{Name: "when"},
			{Name: "path", Required: true},
			{Name: "exclusive"},
			{Name: "restart"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "row"}},
	}

	checkSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "hosts", Required: true},
			{Name: "when"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "assert"}},
	}

	assertSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "condition", Required: true},
			{Name: "error_message", Required: true},
		},
	}
)
