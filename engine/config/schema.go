package config

import "github.com/hashicorp/hcl/v2"

// The language's fixed-shape blocks. Package variables as in HCL's own
// guide; they are never modified. The provider's connection block (ssh)
// is added to topSchema and hostSchema per Load (withBlock).
var (
	topSchema = &hcl.BodySchema{
		Blocks: []hcl.BlockHeaderSchema{
			{Type: "variable", LabelNames: []string{"name"}},
			{Type: "locals"},
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

	hostSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "address", Required: true},
			{Name: "type", Required: true},
			{Name: "groups"},
			{Name: "vars"},
		},
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

// withBlock returns a copy of schema that also takes blocks of type t
// (schema itself when t is empty).
func withBlock(schema *hcl.BodySchema, t string) *hcl.BodySchema {
	if t == "" {
		return schema
	}
	c := *schema
	c.Blocks = append(append([]hcl.BlockHeaderSchema(nil), schema.Blocks...), hcl.BlockHeaderSchema{Type: t})
	return &c
}
