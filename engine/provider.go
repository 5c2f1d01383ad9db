package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/zclconf/go-cty/cty"
)

// Host is one server of the inventory, as the configuration declares it.
type Host struct {
	Name string
	// Address is the host name or IP address of the address attribute,
	// without a port (what host.address holds).
	Address string
	// Type is the server type in lower case: xsp, as, adp, ns, ps, ms, ...
	Type   string
	Groups []string
	// Vars are group vars merged with host vars (host wins); an object or
	// cty.EmptyObjectVal.
	Vars cty.Value
	// Connection is how the provider reaches the host: its decoding of the
	// configuration's connection blocks (ConnectionSchema). The engine
	// never looks inside; nil when no provider decoded any.
	Connection Connection
}

// Endpoint is the address as plans print it: the provider's
// (Connection.Endpoint, "127.0.0.1:2201" for a host on another port than
// its protocol's), else the address.
func (h *Host) Endpoint() string {
	if h.Connection != nil {
		return h.Connection.Endpoint()
	}
	return h.Address
}

// Facts is what a host tells about itself before any context is read.
type Facts struct {
	// TypeShown is what the server showed that tells its type, as it
	// showed it, and TypeShownBy names where, in the provider's words: the
	// BroadWorks provider gives the root of the CLI's prompt, "XSP_CLI",
	// shown by "the server's CLI". bwstate facts prints TypeShown beside
	// Type; a type other than the declared one is reported as "declared
	// type as but the server's CLI is XSP_CLI" (TypeMismatch).
	TypeShown   string `json:"root"`
	TypeShownBy string `json:"-"`
	// Type is the server type the host reports, lower case ("xsp").
	Type string `json:"type"`
	// Release is the release: 22.0, 24.0, 2022.11.
	Release Release `json:"release"`
	// ReleaseString is the release as the server prints it: "Rel_24.0_1.944".
	ReleaseString string `json:"release_string"`
	// Patches names the active patches when the server lists them; empty
	// when it prints only their number (release 24's bwshowver).
	Patches []string `json:"patches"`
	// PatchCount is the number of active patches (`Active Patches: N`).
	PatchCount int `json:"patch_count"`
	// Alarms are the distinct names of alarms currently raised; nil when
	// they were not read (nothing used them, see FactsRequest), empty when
	// none is raised.
	Alarms []string `json:"alarms"`
	// Applications maps each application showrun lists to its state.
	Applications map[string]string `json:"applications,omitempty"`
}

// TypeMismatch says that a host's server is not of the type the
// configuration declares, in the provider's words when it gave them.
func TypeMismatch(h *Host, f *Facts) string {
	if f.TypeShown == "" || f.TypeShownBy == "" {
		return fmt.Sprintf("declared type %s but the server reports type %s", h.Type, f.Type)
	}
	return fmt.Sprintf("declared type %s but %s is %s", h.Type, f.TypeShownBy, f.TypeShown)
}

// Field is one named value of a row key or an operation.
type Field struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// LookupFold finds name in m the way the CLI matches names:
// case-insensitively. key is the map's own spelling.
func LookupFold(m map[string]string, name string) (key, value string, ok bool) {
	if v, ok := m[name]; ok {
		return name, v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", "", false
}

// Observed is the live content of one context as read from a host.
type Observed struct {
	// Path in the server's spelling (its canonical case), without a
	// leading slash.
	Path string
	Kind ContextKind
	// Attrs maps attribute names (as printed) to CLI values (AttributeContext).
	Attrs map[string]string
	// Order is the attribute order as printed.
	Order []string
	// Rows are the table rows (TableContext), each mapping attribute names
	// (via the catalogue's column titles) to values.
	Rows []map[string]string
}

// OpKind is the kind of a write operation on a context.
type OpKind int

const (
	// OpSet sets one attribute: `set attr value`.
	OpSet OpKind = iota
	// OpClear empties one attribute: `clear attr`.
	OpClear
	// OpAddRow adds a table row: `add <key values...> <required values...> [opt value...]`.
	OpAddRow
	// OpSetRow sets one column of a row: `set <key values...> attr value`.
	OpSetRow
	// OpDeleteRow deletes a row: `delete <key values...>`.
	OpDeleteRow
)

func (k OpKind) String() string {
	return [...]string{"set", "clear", "add", "set-row", "delete"}[k]
}

// Op is one write operation. The provider turns it into a CLI command after
// refusing any value that could inject a second command.
type Op struct {
	Kind OpKind
	Path string
	// Attr and Value for OpSet, OpClear and OpSetRow.
	Attr      string
	Value     string
	Sensitive bool
	// Prompted means the value is typed at a password prompt, not on the
	// command line.
	Prompted bool
	// Key identifies the row for row operations, in key order.
	Key []Field
	// Fields are the non-key values of OpAddRow, in column order.
	Fields []Field
}

// ReplyKind classifies what the server answered to a write.
type ReplyKind int

const (
	// ReplyDone means the change took effect (`...Done`).
	ReplyDone ReplyKind = iota
	// ReplyRestart means the change was stored but needs a restart to take
	// effect (the restart warning).
	ReplyRestart
)

// Reply is the classified answer to a successful write.
type Reply struct {
	Kind ReplyKind
	// Text is the server's own words (the warning text for ReplyRestart).
	Text string
}

// CLIError is a write or read the server refused, with its own text.
type CLIError struct {
	Command string // as sent, with sensitive values redacted
	Text    string // the server's reply
}

func (e *CLIError) Error() string {
	return fmt.Sprintf("%s: %s", e.Command, e.Text)
}

// Health is the outcome of one health probe of a host.
type Health struct {
	Healthy bool
	// Severity is healthmon's report severity (NOTIFICATION when healthy).
	Severity string
	// Detail says what is wrong when not healthy, in the server's words.
	Detail string
	// Warnings say what the probe could not use (a showrun it does not
	// understand) and decided without.
	Warnings []string
}

// ErrHealthTimeout is wrapped by errors from WaitHealthy when the deadline
// passed before the host became healthy.
var ErrHealthTimeout = errors.New("not healthy before the health timeout")

// Provider opens sessions to hosts. Implementations must be safe for
// concurrent use.
type Provider interface {
	// Open connects to a host and starts its CLI. The returned Session is
	// used by one goroutine at a time.
	Open(ctx context.Context, h *Host) (Session, error)
}

// Session is one live connection to a host with its CLI started. Every
// method honours ctx cancellation and deadlines.
type Session interface {
	// Facts reads type, release, patches, raised alarms and applications.
	Facts(ctx context.Context) (*Facts, error)
	// Read reads one context. schema may be nil for contexts the catalogue
	// does not know; the provider then detects the kind from the output.
	Read(ctx context.Context, path string, schema *Context) (*Observed, error)
	// Exec performs one write. A refusal by the server is a *CLIError.
	Exec(ctx context.Context, op Op) (Reply, error)
	// Restart restarts one application (never the whole server).
	Restart(ctx context.Context, app string) error
	// Health probes the host once; app, when not empty, must be running.
	Health(ctx context.Context, app string) (*Health, error)
	// WaitHealthy probes until healthy or until timeout, then returns an
	// error wrapping ErrHealthTimeout with the last Health.Detail.
	WaitHealthy(ctx context.Context, app string, timeout time.Duration) error
	// Close leaves the CLI and closes the connection.
	Close() error
}

// Redactor is implemented by sessions that record what they send and
// receive (transcripts, the texts of errors): they mask what they are told
// is sensitive in whatever they record from then on. The values a session
// writes as sensitive it knows by itself; plan and apply tell it the host's
// other sensitive values and attributes before reading (RedactDesired,
// RedactChanges), so that a read of a context holding one (a read-back, a
// value computed from a secret, a secret inside a longer cell, the value
// an attribute had before a sensitive one was set) is masked too. Found by
// type assertion, so a Session need not implement it.
type Redactor interface {
	// Redact masks these values wherever they occur.
	Redact(values ...string)
	// RedactAttributes masks the live values of the named attributes (or
	// table columns, every row) of the context at path, whatever they are.
	RedactAttributes(path string, names ...string)
}

// RedactDesired tells s, when it is a Redactor, what desired declares as
// sensitive: each value, and per context the attributes holding one.
func RedactDesired(s Session, desired []*Desired) {
	r, ok := s.(Redactor)
	if !ok {
		return
	}
	if values := SensitiveValues(desired); len(values) > 0 {
		r.Redact(values...)
	}
	for _, d := range desired {
		var names []string
		for _, fs := range append([][]Field{d.Attrs}, d.Rows...) {
			for _, f := range fs {
				if f.Sensitive {
					names = append(names, f.Name)
				}
			}
		}
		if len(names) > 0 {
			r.RedactAttributes(d.Path, names...)
		}
	}
}

// RedactChanges tells s, when it is a Redactor, what changes hold as
// sensitive: the values (after resolves a sensitive attribute's value to
// write) and per context the attributes and key fields.
func RedactChanges(s Session, changes []*Change, after func(*AttrChange) string) {
	r, ok := s.(Redactor)
	if !ok {
		return
	}
	var values []string
	for _, c := range changes {
		var names []string
		for _, k := range c.Key {
			if k.Sensitive {
				values = append(values, k.Value)
				names = append(names, k.Name)
			}
		}
		for _, ac := range c.Attrs {
			if ac.Sensitive {
				values = append(values, after(ac))
				names = append(names, ac.Name)
			}
		}
		if len(names) > 0 {
			r.RedactAttributes(c.Path, names...)
		}
	}
	if len(values) > 0 {
		r.Redact(values...)
	}
}

// SensitiveValues lists the sensitive values declared in desired: the
// attributes and row fields marked sensitive (computed from a sensitive
// variable, or of an attribute the catalogue marks sensitive).
func SensitiveValues(desired []*Desired) []string {
	var out []string
	add := func(fs []Field) {
		for _, f := range fs {
			if f.Sensitive && f.Value != "" {
				out = append(out, f.Value)
			}
		}
	}
	for _, d := range desired {
		add(d.Attrs)
		for _, row := range d.Rows {
			add(row)
		}
	}
	return out
}

// MinSecretLen is the length in bytes from which a sensitive value counts
// inside a longer text ("legacy-s3cr3t.example.net"); a shorter one counts
// only as a whole word, where it stands alone. The provider masks
// transcripts by the same rule.
const MinSecretLen = 4

// isSecretSeparator ends a word for a short secret: a blank or a double
// quote, as for the provider's masking.
func isSecretSeparator(r rune) bool { return unicode.IsSpace(r) || r == '"' }

// HoldsSecret reports whether text contains one of secrets by that rule.
// Views and import use it to keep a value the configuration holds as
// sensitive out of what they print, also where it sits inside a value the
// configuration does not manage.
func HoldsSecret(text string, secrets []string) bool {
	for _, sec := range secrets {
		switch {
		case strings.TrimSpace(sec) == "" || !strings.Contains(text, sec):
		case len(sec) >= MinSecretLen || text == sec:
			return true
		case slices.Contains(strings.FieldsFunc(text, isSecretSeparator), sec):
			return true
		}
	}
	return false
}
