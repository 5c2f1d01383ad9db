package config

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions returns the functions configurations may call. The list is an
// explicit allow-list: nothing here reads files, the clock or the network,
// so a configuration evaluates to the same values on every controller and at
// every run, and plan files stay reproducible. It is built per Load, so no
// package-level map can be modified by a caller.
func functions() map[string]function.Function {
	return map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"ceil":            stdlib.CeilFunc,
		"floor":           stdlib.FloorFunc,
		"max":             stdlib.MaxFunc,
		"min":             stdlib.MinFunc,
		"lower":           stdlib.LowerFunc,
		"upper":           stdlib.UpperFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"join":            stdlib.JoinFunc,
		"split":           stdlib.SplitFunc,
		"format":          stdlib.FormatFunc,
		"formatlist":      stdlib.FormatListFunc,
		"replace":         stdlib.ReplaceFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"keys":            stdlib.KeysFunc,
		"values":          stdlib.ValuesFunc,
		"length":          lengthFunc,
		"lookup":          stdlib.LookupFunc,
		"merge":           stdlib.MergeFunc,
		"range":           stdlib.RangeFunc,
		"reverse":         stdlib.ReverseListFunc,
		"sort":            stdlib.SortFunc,
		"setunion":        stdlib.SetUnionFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"slice":           stdlib.SliceFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"zipmap":          stdlib.ZipmapFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"tostring":        stdlib.MakeToFunc(cty.String),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"tobool":          stdlib.MakeToFunc(cty.Bool),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"indent":          stdlib.IndentFunc,
		"substr":          stdlib.SubstrFunc,
		"strrev":          stdlib.ReverseFunc,
		"title":           stdlib.TitleFunc,
		"try":             tryfunc.TryFunc,
		"can":             tryfunc.CanFunc,
		"startswith":      startsWithFunc,
		"endswith":        endsWithFunc,
	}
}

// lengthFunc is stdlib's length extended to strings (in characters), as
// operators coming from Terraform expect `length("abc")` to work.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a collection or the number of characters of a string.",
	Params: []function.Parameter{{
		Name:             "value",
		Type:             cty.DynamicPseudoType,
		AllowDynamicType: true,
		AllowUnknown:     true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		if args[0].Type() == cty.String {
			return cty.Number, nil
		}
		return stdlib.LengthFunc.ReturnType([]cty.Type{args[0].Type()})
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].Type() == cty.String {
			return stdlib.StrlenFunc.Call(args)
		}
		return stdlib.LengthFunc.Call(args)
	},
})

func affixFunc(desc string, match func(s, affix string) bool) function.Function {
	return function.New(&function.Spec{
		Description: desc,
		Params: []function.Parameter{
			{Name: "str", Type: cty.String},
			{Name: "affix", Type: cty.String},
		},
		Type: function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(match(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

var (
	startsWithFunc = affixFunc("Reports whether a string starts with a prefix.", strings.HasPrefix)
	endsWithFunc   = affixFunc("Reports whether a string ends with a suffix.", strings.HasSuffix)
)

// checkFunctionCalls reports every call of a function outside the
// allow-list, listing what is available. Done once over the whole file, so
// each bad call is reported once however often its expression is evaluated.
func checkFunctionCalls(body *hclsyntax.Body, funcs map[string]function.Function) hcl.Diagnostics {
	var diags hcl.Diagnostics
	names := sortedKeys(funcs)
	// Type constraints (type = map(string)) look like calls but are not.
	var typeExprs []hcl.Range
	for _, b := range body.Blocks {
		if a := b.Body.Attributes["type"]; b.Type == "variable" && a != nil {
			typeExprs = append(typeExprs, a.Expr.Range())
		}
	}
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		call, ok := n.(*hclsyntax.FunctionCallExpr)
		if !ok {
			return nil
		}
		if _, known := funcs[call.Name]; known {
			return nil
		}
		for _, r := range typeExprs {
			if r.Filename == call.NameRange.Filename && r.ContainsOffset(call.NameRange.Start.Byte) {
				return nil
			}
		}
		d := errorf(call.NameRange, "Call to unknown function",
			"There is no function named %q.%s bwstate offers only functions that cannot read files, the clock or the network: %s.",
			call.Name, didYouMean(call.Name, names), strings.Join(names, ", "))
		d.Context = rangePtr(call.Range())
		diags = append(diags, d)
		return nil
	})
	return diags
}

// dropUnknownFunctionDiags removes HCL's own "Call to unknown function"
// diagnostics, which checkFunctionCalls has already reported better.
func dropUnknownFunctionDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Summary == "Call to unknown function" && d.Severity == hcl.DiagError && !strings.Contains(d.Detail, "bwstate offers") {
			continue
		}
		out = append(out, d)
	}
	return out
}
