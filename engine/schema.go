package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// ValueType is the type of a context attribute as the server validates it.
type ValueType int

const (
	// TypeString is free text. An empty string is a legal value (`clear`).
	TypeString ValueType = iota
	// TypeBool is true or false.
	TypeBool
	// TypeInt is a whole number, optionally bounded by Min and Max.
	TypeInt
	// TypeChoice is one of a fixed set of words (Choices), case-insensitive
	// on input and printed in the canonical case.
	TypeChoice
)

func (t ValueType) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeBool:
		return "bool"
	case TypeInt:
		return "number"
	case TypeChoice:
		return "choice"
	}
	return fmt.Sprintf("ValueType(%d)", int(t))
}

// ContextKind says whether a context holds named attributes or table rows.
type ContextKind int

const (
	// AttributeContext is read with `get` as `  name = value` lines and
	// changed with `set name value` / `clear name`.
	AttributeContext ContextKind = iota
	// TableContext is read with `get` as a column table and changed with
	// `add`, `set <key...> attr value` and `delete <key...>`.
	TableContext
)

func (k ContextKind) String() string {
	if k == TableContext {
		return "table"
	}
	return "attributes"
}

// Attribute describes one attribute (or table column) of a context.
type Attribute struct {
	// Name in the CLI's canonical case, e.g. "serverPort".
	Name string
	Type ValueType
	// Min and Max bound TypeInt values inclusively; both zero means unbounded.
	Min, Max int64
	// Choices are the canonical spellings of a TypeChoice attribute.
	Choices []string
	// Default is the value a fresh server has, in CLI form ("" = empty).
	Default string
	// Sensitive values are never printed, journaled or logged.
	Sensitive bool
	// Prompted attributes are passwords: `set name` prompts for the value
	// and `get` shows it masked, so the live value cannot be read back.
	Prompted bool
	// Restart names the application a change of this attribute requires to
	// be restarted, overriding Context.Restart. "-" means none even when the
	// context has one.
	Restart string
	// Column is the table column title (TableContext only), e.g. "IP Address".
	Column string
	// Key marks the attributes that identify a table row, in key order.
	Key bool
	// Optional table columns may be omitted on `add`; the server fills the default.
	Optional bool
	// Releases limits the attribute to some releases (zero value: all).
	Releases ReleaseRange
}

// ReleaseRange is a half-open interval of releases [Since, Until). A zero
// bound is open.
type ReleaseRange struct {
	Since Release
	Until Release
}

// Contains reports whether release r is inside the range.
func (rr ReleaseRange) Contains(r Release) bool {
	if !rr.Since.IsZero() && r.Less(rr.Since) {
		return false
	}
	if !rr.Until.IsZero() && !r.Less(rr.Until) {
		return false
	}
	return true
}

// IsZero reports whether the range is every release.
func (rr ReleaseRange) IsZero() bool { return rr.Since.IsZero() && rr.Until.IsZero() }

// String renders the range for messages, e.g. "release 22.0 and later".
func (rr ReleaseRange) String() string {
	switch {
	case rr.IsZero():
		return "all releases"
	case rr.Until.IsZero():
		return fmt.Sprintf("release %s and later", rr.Since)
	case rr.Since.IsZero():
		return fmt.Sprintf("releases before %s", rr.Until)
	}
	return fmt.Sprintf("releases %s to before %s", rr.Since, rr.Until)
}

// Context describes one CLI context of the catalogue, e.g.
// Applications/OpenClientServer/CAPProxy.
type Context struct {
	// Path in canonical case without the root or a leading slash.
	Path string
	Kind ContextKind
	// HostTypes lists the server types that have this context ("xsp", "as").
	HostTypes []string
	// Attributes in the order the server prints them.
	Attributes []Attribute
	// Restart names the application any change of this context requires to
	// be restarted ("" = none).
	Restart string
	// RestartFromKey names a key attribute whose value is the application to
	// restart (Maintenance/ContainerOptions: the container).
	RestartFromKey string
	// IDKeyed tables number their rows on the server (Maintenance/Scheduler);
	// ids shift after a delete, so deletes go highest id first.
	IDKeyed bool
	// RowForms, when set, are the shapes of a table whose rows take
	// different columns depending on one of them (Maintenance/Scheduler:
	// frequency day, daily or minute).
	RowForms *RowForms
	// DefaultRows are the rows a fresh server holds; drift reports a table
	// only when its live rows differ from them (compared by the columns
	// each default row names). Empty: a fresh server's table is empty.
	DefaultRows []map[string]string
	// ReadOnly contexts can be read (facts, drift) but not configured.
	ReadOnly bool
	// Releases limits the context to some releases (zero value: all).
	Releases ReleaseRange
	// Doc is a one-line description for documentation and import comments.
	Doc string
}

// RowForms are the shapes of rows chosen by the value of one column.
type RowForms struct {
	// By is the choosing column's attribute name.
	By string
	// Forms are keyed by the canonical value of By.
	Forms map[string]RowForm
}

// RowForm is one shape: the optional columns a row of this form must give
// and may give, each in the order the add command takes them (after the
// table's own required columns and the form's word).
type RowForm struct {
	Required []string
	Optional []string
}

// Allows reports whether a row of this form may give attribute name.
func (f RowForm) Allows(name string) bool {
	for _, n := range append(append([]string(nil), f.Required...), f.Optional...) {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// Attribute returns the attribute with the given name, matched
// case-insensitively, or nil.
func (c *Context) Attribute(name string) *Attribute {
	for i := range c.Attributes {
		if strings.EqualFold(c.Attributes[i].Name, name) {
			return &c.Attributes[i]
		}
	}
	return nil
}

// KeyAttributes returns the row-key attributes of a table, in key order.
func (c *Context) KeyAttributes() []*Attribute {
	var keys []*Attribute
	for i := range c.Attributes {
		if c.Attributes[i].Key {
			keys = append(keys, &c.Attributes[i])
		}
	}
	return keys
}

// RowColumns lists a table's columns as configuration rows declare them:
// key columns first in key order, then the others in catalogue order; an
// IDKeyed table leaves out the key the server assigns.
func (c *Context) RowColumns() []*Attribute {
	var out []*Attribute
	if !c.IDKeyed {
		out = c.KeyAttributes()
	}
	for i := range c.Attributes {
		if !c.Attributes[i].Key {
			out = append(out, &c.Attributes[i])
		}
	}
	return out
}

// RestartFor returns the application whose restart a change of attr in a row
// with the given key requires, or "".
func (c *Context) RestartFor(attr string, key map[string]string) string {
	if a := c.Attribute(attr); a != nil && a.Restart != "" {
		if a.Restart == "-" {
			return ""
		}
		return a.Restart
	}
	if c.RestartFromKey != "" {
		for k, v := range key {
			if strings.EqualFold(k, c.RestartFromKey) {
				return v
			}
		}
	}
	return c.Restart
}

// Catalogue is the knowledge of which contexts exist on which server types.
// The engine consumes it for validation, planning and import; a provider
// supplies it.
type Catalogue interface {
	// Lookup finds a context by path for a host type, case-insensitively and
	// ignoring a leading slash. ok is false when the catalogue does not know
	// it. A catalogue may also return a context it lists only for other
	// server types (ctx.HostTypes does not name hostType): the catalogue
	// never blocks what a server can prove, so such a context is managed
	// on this type with its known schema and a warning, and the live
	// server decides whether it exists.
	Lookup(hostType, path string) (ctx *Context, ok bool)
	// Contexts lists every context of a host type in a stable order.
	Contexts(hostType string) []*Context
	// HostTypes lists the server types the catalogue knows ("xsp", "as", ...).
	HostTypes() []string
	// Advisories lists the built-in advisories that apply to a host type, in
	// a stable order (nil when there are none).
	Advisories(hostType string) []*Advisory
}

// Advisory is a known-bad live value that plan reports as a warning on every
// host where it holds, whether or not the configuration manages the
// attribute: the catalogue knows what operators must not miss after an
// upgrade (CAP was removed in 22.0 but stays enabled until someone turns it
// off), and a configuration that never mentions CAPProxy is exactly where
// nobody would notice.
type Advisory struct {
	// ID names the advisory in warnings and documentation, e.g. "cap-removed-22".
	ID string
	// HostTypes lists the server types it concerns ("xsp", "adp").
	HostTypes []string
	// Path is the context to read, in canonical case without the root.
	Path string
	// Attr is the attribute whose live value triggers the advisory.
	Attr string
	// Value is the normalised CLI value that triggers it ("true").
	Value string
	// Releases limits the advisory to hosts whose release is in the range.
	Releases ReleaseRange
	// Message says what is wrong and what to do about it.
	Message string
}

// Applies reports whether the advisory concerns a host of the given type
// and release.
func (a *Advisory) Applies(hostType string, release Release) bool {
	if !a.Releases.Contains(release) {
		return false
	}
	for _, t := range a.HostTypes {
		if strings.EqualFold(t, hostType) {
			return true
		}
	}
	return false
}

// Normalize turns a value into the canonical CLI form used for comparison:
// booleans lower-case, numbers without sign noise or leading zeros, choices in
// their canonical case. It returns an error describing what is wrong when the
// value is not valid for the attribute. Only blanks (spaces) around a value
// are ignored: a control character or other white space (a tab, U+0085) is
// part of the value, so a server value holding one never equals a clean one.
func (a *Attribute) Normalize(v string) (string, error) {
	switch a.Type {
	case TypeBool:
		switch strings.ToLower(strings.Trim(v, " ")) {
		case "true":
			return "true", nil
		case "false":
			return "false", nil
		}
		return "", fmt.Errorf("%q is not a boolean: use true or false", v)
	case TypeInt:
		n, err := strconv.ParseInt(strings.Trim(v, " "), 10, 64)
		if err != nil {
			return "", fmt.Errorf("%q is not a whole number", v)
		}
		if (a.Min != 0 || a.Max != 0) && (n < a.Min || n > a.Max) {
			return "", fmt.Errorf("%d is out of range: %s must be between %d and %d", n, a.Name, a.Min, a.Max)
		}
		return strconv.FormatInt(n, 10), nil
	case TypeChoice:
		for _, c := range a.Choices {
			if strings.EqualFold(c, strings.Trim(v, " ")) {
				return c, nil
			}
		}
		return "", fmt.Errorf("%q is not one of %s", v, strings.Join(a.Choices, ", "))
	}
	return v, nil
}

// Equal reports whether two CLI values of this attribute mean the same thing.
// Values that fail normalisation are compared as they are.
func (a *Attribute) Equal(x, y string) bool {
	nx, err1 := a.Normalize(x)
	ny, err2 := a.Normalize(y)
	if err1 != nil || err2 != nil {
		return x == y
	}
	return nx == ny
}
