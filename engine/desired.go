package engine

import "time"

// Desired is what one configuration resource declares for one host, with
// every expression evaluated against that host's facts and every value in
// normalised CLI form.
type Desired struct {
	// Resource is the configuration address: "context.NAME" or "table.NAME".
	Resource string
	// Path in canonical case (the catalogue's spelling when known).
	Path string
	// Schema is the catalogue entry, nil for contexts the catalogue does not
	// know (values are then compared as strings).
	Schema *Context
	Kind   ContextKind
	// Attrs are the attributes a context block sets (AttributeContext), in
	// declaration order.
	Attrs []Field
	// Rows are the declared rows of a table block (TableContext); each row
	// lists its key fields first, in key order, then the other fields.
	Rows [][]Field
	// Exclusive tables delete live rows that are not declared.
	Exclusive bool
	// Restart overrides the application to restart after a change ("" = use
	// the catalogue).
	Restart string
	// DeclRange is "file:line" of the block, for messages.
	DeclRange string
}

// RestartPolicy says what apply does with restarts a change requires.
type RestartPolicy string

const (
	// RestartNow restarts in rolling batches, waiting for health.
	RestartNow RestartPolicy = "now"
	// RestartDefer records the restart as pending for a later apply.
	RestartDefer RestartPolicy = "defer"
	// RestartNever neither restarts nor records anything pending.
	RestartNever RestartPolicy = "never"
)

// Rollout controls how apply restarts hosts.
type Rollout struct {
	// BatchSize hosts restart at once; BatchPercent, when set, is a
	// percentage of the restarting hosts instead (rounded up, at least 1).
	BatchSize    int
	BatchPercent int
	// MaxFailures failed hosts are tolerated before the rollout stops.
	MaxFailures   int
	HealthTimeout time.Duration
	Restart       RestartPolicy
	// SpreadGroups lists groups of which at most MaxPerGroup hosts restart
	// in the same batch (the two servers of a farm).
	SpreadGroups []string
	MaxPerGroup  int
}

// DefaultRollout is used when the configuration has no rollout block.
func DefaultRollout() Rollout {
	return Rollout{BatchSize: 1, MaxFailures: 0, HealthTimeout: 10 * time.Minute, Restart: RestartNow, MaxPerGroup: 1}
}
