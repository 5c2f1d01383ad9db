package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bwstate/bwstate/engine"
)

// SecretMatcher reports whether value equals the value last applied to a
// prompted (write-only) attribute. The live value of such an attribute
// cannot be read back, so only the journal's salted hash of what bwstate
// last set can tell that a change is unnecessary.
type SecretMatcher func(host, path, attr, value string) bool

// DiffHost compares what the configuration declares for one host with what
// the host's contexts hold and returns the host's plan: one Change per
// context with its differing attributes, row creates, updates and deletes
// for tables, and the restarts they need merged with restarts still pending
// from earlier runs.
//
// observed holds one entry per declared path; it may be keyed in any case.
// pending lists restarts earlier runs left pending on this host.
// secretMatches may be nil, in which case every prompted attribute is a
// change. DiffHost does no I/O and does not modify its arguments.
//
// A declaration that cannot be compared (an attribute the server does not
// print, a context missing from observed, a table where the server has
// attributes) makes the whole host fail: a partial plan for a host would
// hide exactly the change the operator is looking for.
func DiffHost(h *engine.Host, f *engine.Facts, desired []*engine.Desired, observed map[string]*engine.Observed,
	pending []*engine.Restart, secretMatches SecretMatcher) *engine.HostPlan {
	hp := &engine.HostPlan{
		Name:     h.Name,
		Address:  h.Endpoint(),
		Type:     h.Type,
		Changes:  []*engine.Change{},
		Restarts: []*engine.Restart{},
		Facts:    f,
	}
	if f != nil {
		hp.Release = f.ReleaseString
	}
	d := &differ{host: h, facts: f, secretMatches: secretMatches, restarts: newRestartSet()}
	live := make(map[string]*engine.Observed, len(observed))
	for path, obs := range observed {
		live[pathKey(path)] = obs
	}
	var errs []string
	for _, want := range desired {
		obs := live[pathKey(want.Path)]
		if obs == nil {
			errs = append(errs, fmt.Sprintf("%s: %s was not read", want.Resource, want.Path))
			continue
		}
		var (
			changes []*engine.Change
			err     error
		)
		if want.Kind == engine.TableContext {
			changes, err = d.table(want, obs)
		} else {
			changes, err = d.attributes(want, obs)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", want.Resource, err))
			continue
		}
		hp.Changes = append(hp.Changes, changes...)
	}
	if len(errs) > 0 {
		hp.Error = strings.Join(errs, "; ")
		hp.Changes = []*engine.Change{}
		return hp
	}
	pending, hp.Satisfied = satisfied(pending, f)
	hp.Restarts = d.restarts.merge(pending)
	for _, p := range pending {
		if p != nil && p.App == "" {
			// The server asked for a restart nobody can attribute to an
			// application: bwstate never restarts a whole server, so it
			// stays in front of the operator until acknowledged.
			hp.Warnings = append(hp.Warnings, fmt.Sprintf(
				"a restart of an unknown application is pending since run %s (%s); restart it by hand, then run: bwstate journal clear-pending -host %s -reason \"...\"",
				p.PendingSince, strings.Join(p.Reasons, "; "), h.Name))
		}
	}
	return hp
}

// satisfied separates the pending restarts that the host shows were done
// anyway: one recorded on another release than the host runs now was
// overtaken by an upgrade, which restarts every application (the founding
// case: CAP disabled with the restart deferred, then the 22.0 upgrade). A
// restart recorded without a release (earlier versions) is never taken as
// satisfied.
func satisfied(pending []*engine.Restart, f *engine.Facts) (owed, done []*engine.Restart) {
	for _, p := range pending {
		if p == nil {
			continue
		}
		if p.Release == "" || f == nil || f.ReleaseString == "" || strings.EqualFold(p.Release, f.ReleaseString) {
			owed = append(owed, p)
			continue
		}
		cp := *p
		cp.Satisfied = fmt.Sprintf("the release changed from %s to %s since it was recorded (an upgrade restarts every application)", p.Release, f.ReleaseString)
		done = append(done, &cp)
	}
	return owed, done
}

// pathKey is the map key of a context path: the CLI matches paths
// case-insensitively, so "/applications/openclientserver/capproxy" and
// "Applications/OpenClientServer/CAPProxy" are the same context.
func pathKey(p string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(p), "/"))
}

// differ carries what every comparison of one host needs.
type differ struct {
	host          *engine.Host
	facts         *engine.Facts
	secretMatches SecretMatcher
	restarts      *restartSet
}

// path returns the path to print: the catalogue's spelling, else the
// server's (its prompt shows the canonical case), else the declared one.
func (d *differ) path(want *engine.Desired, obs *engine.Observed) string {
	if want.Schema != nil {
		return want.Schema.Path
	}
	p := strings.Trim(obs.Path, "/")
	if p == "" || !strings.EqualFold(p, strings.Trim(want.Path, "/")) {
		return strings.Trim(want.Path, "/")
	}
	return p
}

// release names the host's release for messages about missing attributes.
func (d *differ) release() string {
	if d.facts == nil || d.facts.ReleaseString == "" {
		return "this release"
	}
	return d.facts.ReleaseString
}

// restartFor returns the application a change of attr needs restarted.
func restartFor(want *engine.Desired, attr string, key map[string]string) string {
	if want.Restart != "" {
		return want.Restart
	}
	if want.Schema == nil {
		return ""
	}
	return want.Schema.RestartFor(attr, key)
}

// reason is the restart reason a change of a context gives: its last path
// element, which is how operators name contexts ("CAPProxy changed").
func reason(path string) string {
	return path[strings.LastIndex(path, "/")+1:] + " changed"
}

// same compares a live and a declared value: by the schema's normalisation
// when the attribute is known (TRUE = true, 02206 = 2206, udp = UDP), else
// as strings.
func same(a *engine.Attribute, live, want string) bool {
	if a == nil {
		return live == want
	}
	return a.Equal(live, want)
}

// canonical returns a declared value in the schema's canonical spelling.
func canonical(a *engine.Attribute, v string) string {
	if a == nil {
		return v
	}
	if n, err := a.Normalize(v); err == nil {
		return n
	}
	return v
}

func (d *differ) attributes(want *engine.Desired, obs *engine.Observed) ([]*engine.Change, error) {
	path := d.path(want, obs)
	if obs.Kind != engine.AttributeContext {
		return nil, fmt.Errorf("%s is a table on this server, not an attribute context", path)
	}
	ch := &engine.Change{Resource: want.Resource, Path: path, Action: engine.Update}
	for _, fld := range want.Attrs {
		var sa *engine.Attribute
		if want.Schema != nil {
			if sa = want.Schema.Attribute(fld.Name); sa == nil {
				return nil, fmt.Errorf("%s has no attribute %s in the catalogue", path, fld.Name)
			}
		}
		liveName, liveValue, ok := engine.LookupFold(obs.Attrs, fld.Name)
		if !ok {
			return nil, d.missing(path, fld.Name, sa)
		}
		name := liveName
		if sa != nil {
			name = sa.Name
		}
		after := canonical(sa, fld.Value)
		ac := &engine.AttrChange{
			Name:      name,
			After:     after,
			Sensitive: fld.Sensitive || (sa != nil && sa.Sensitive),
			Restart:   restartFor(want, name, nil),
		}
		if sa != nil && sa.Prompted {
			if d.secretMatches != nil && d.secretMatches(d.host.Name, path, name, after) {
				continue
			}
			ac.BeforeUnknown = true
		} else {
			if same(sa, liveValue, after) {
				continue
			}
			ac.Before = liveValue
		}
		ch.Attrs = append(ch.Attrs, ac)
	}
	if len(ch.Attrs) == 0 {
		return nil, nil
	}
	if want.Schema != nil && want.Schema.ReadOnly {
		return nil, fmt.Errorf("%s is read-only but %s differs", path, ch.Attrs[0].Name)
	}
	for _, ac := range ch.Attrs {
		d.restarts.need(ac.Restart, reason(path))
	}
	return []*engine.Change{ch}, nil
}

// missing explains an attribute the server did not print: the usual cause
// is a release that does not have it, which the catalogue may know.
func (d *differ) missing(path, name string, sa *engine.Attribute) error {
	if sa != nil {
		name = sa.Name
		if d.facts != nil && !sa.Releases.Contains(d.facts.Release) {
			return fmt.Errorf("%s.%s exists only in %s, the server runs %s", path, name, sa.Releases, d.release())
		}
	}
	return fmt.Errorf("the server does not print %s.%s (%s may not have it)", path, name, d.release())
}

// liveRow is one row of a table as read, with whether a declared row claimed it.
type liveRow struct {
	values  map[string]string
	matched bool
}

func liveRows(obs *engine.Observed) []*liveRow {
	rows := make([]*liveRow, len(obs.Rows))
	for i, r := range obs.Rows {
		rows[i] = &liveRow{values: r}
	}
	return rows
}

// claimRow marks and reports the first live row not matched yet that holds
// every one of fields, compared by equal(name, live, declared). Tables
// without a usable key (server-numbered, or unknown to the catalogue) match
// declared rows to live ones this way, each live row at most once.
func claimRow(live []*liveRow, fields []engine.Field, equal func(name, live, declared string) bool) bool {
	for _, lr := range live {
		if lr.matched {
			continue
		}
		ok := true
		for _, f := range fields {
			if _, v, found := engine.LookupFold(lr.values, f.Name); !found || !equal(f.Name, v, f.Value) {
				ok = false
				break
			}
		}
		if ok {
			lr.matched = true
			return true
		}
	}
	return false
}

func (d *differ) table(want *engine.Desired, obs *engine.Observed) ([]*engine.Change, error) {
	path := d.path(want, obs)
	if obs.Kind != engine.TableContext {
		return nil, fmt.Errorf("%s holds attributes on this server, not a table", path)
	}
	var (
		changes []*engine.Change
		err     error
	)
	switch {
	case want.Schema == nil:
		changes, err = d.unknownTable(want, obs, path)
	case want.Schema.IDKeyed:
		changes, err = d.idTable(want, obs, path)
	default:
		changes, err = d.keyedTable(want, obs, path)
	}
	if err != nil {
		return nil, err
	}
	if len(changes) > 0 && want.Schema != nil && want.Schema.ReadOnly {
		return nil, fmt.Errorf("%s is read-only but its rows differ", path)
	}
	return changes, nil
}

// keyMap is a row key as the map Context.RestartFor takes.
func keyMap(key []engine.Field) map[string]string {
	m := make(map[string]string, len(key))
	for _, k := range key {
		m[k.Name] = k.Value
	}
	return m
}

// rowNeeds records the restart a row create or delete needs: the context's
// application, or the one its key names (Maintenance/ContainerOptions).
func (d *differ) rowNeeds(want *engine.Desired, path string, key []engine.Field) {
	d.restarts.need(restartFor(want, "", keyMap(key)), reason(path))
}

// declaredField finds a declared field case-insensitively.
func declaredField(row []engine.Field, name string) (engine.Field, bool) {
	for _, f := range row {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return engine.Field{}, false
}

// formatKey prints a key for messages: [host=10.9.0.5].
func formatKey(key []engine.Field) string {
	parts := make([]string, len(key))
	for i, k := range key {
		v := k.Value
		if k.Sensitive {
			v = "(sensitive)"
		}
		parts[i] = k.Name + "=" + v
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// keyedTable diffs a table whose rows are identified by key columns: rows
// are matched by every key attribute, differing declared columns become an
// update, and undeclared optional columns are left as the server has them.
func (d *differ) keyedTable(want *engine.Desired, obs *engine.Observed, path string) ([]*engine.Change, error) {
	schema := want.Schema
	keys := schema.KeyAttributes()
	if len(keys) == 0 {
		return nil, fmt.Errorf("the catalogue has no row key for %s", path)
	}
	live := liveRows(obs)
	// Index live rows by their canonical key: canonical values are equal
	// exactly when Attribute.Equal says the values are, and an index keeps
	// large tables (access lists of hundreds of rows) linear.
	index := make(map[string][]*liveRow, len(live))
	for _, lr := range live {
		k, ok := liveKey(lr.values, keys)
		if ok {
			index[k] = append(index[k], lr)
		}
	}
	var updates, creates []*engine.Change
	seen := make(map[string]bool, len(want.Rows))
	for _, row := range want.Rows {
		key := make([]engine.Field, len(keys))
		for i, ka := range keys {
			f, ok := declaredField(row, ka.Name)
			if !ok {
				return nil, fmt.Errorf("a row of %s does not set key %s", path, ka.Name)
			}
			key[i] = engine.Field{Name: ka.Name, Value: canonical(ka, f.Value), Sensitive: f.Sensitive || ka.Sensitive}
		}
		ks := joinKey(key)
		if seen[ks] {
			return nil, fmt.Errorf("%s row %s is declared twice", path, formatKey(key))
		}
		seen[ks] = true

		var match *liveRow
		for _, lr := range index[ks] {
			if !lr.matched {
				match = lr
				break
			}
		}
		if match == nil {
			ch := &engine.Change{Resource: want.Resource, Path: path, Action: engine.Create, Key: key}
			for _, f := range row {
				sa := schema.Attribute(f.Name)
				if sa == nil {
					return nil, fmt.Errorf("%s has no column %s in the catalogue", path, f.Name)
				}
				if sa.Key {
					continue
				}
				ch.Attrs = append(ch.Attrs, &engine.AttrChange{
					Name:      sa.Name,
					After:     canonical(sa, f.Value),
					Sensitive: f.Sensitive || sa.Sensitive,
					Restart:   restartFor(want, sa.Name, keyMap(key)),
				})
			}
			d.rowNeeds(want, path, key)
			creates = append(creates, ch)
			continue
		}
		match.matched = true
		// The server's spelling of the key is what it will recognise.
		for i, ka := range keys {
			if _, v, ok := engine.LookupFold(match.values, ka.Name); ok {
				key[i].Value = v
			}
		}
		ch := &engine.Change{Resource: want.Resource, Path: path, Action: engine.Update, Key: key}
		for _, f := range row {
			sa := schema.Attribute(f.Name)
			if sa == nil {
				return nil, fmt.Errorf("%s has no column %s in the catalogue", path, f.Name)
			}
			if sa.Key {
				continue
			}
			_, liveValue, ok := engine.LookupFold(match.values, sa.Name)
			if !ok {
				return nil, d.missing(path, sa.Name, sa)
			}
			after := canonical(sa, f.Value)
			if same(sa, liveValue, after) {
				continue
			}
			ch.Attrs = append(ch.Attrs, &engine.AttrChange{
				Name:      sa.Name,
				Before:    liveValue,
				After:     after,
				Sensitive: f.Sensitive || sa.Sensitive,
				Restart:   restartFor(want, sa.Name, keyMap(key)),
			})
		}
		if len(ch.Attrs) > 0 {
			for _, ac := range ch.Attrs {
				d.restarts.need(ac.Restart, reason(path))
			}
			updates = append(updates, ch)
		}
	}
	var deletes []*engine.Change
	if want.Exclusive {
		for _, lr := range live {
			if lr.matched {
				continue
			}
			key := make([]engine.Field, len(keys))
			for i, ka := range keys {
				_, v, ok := engine.LookupFold(lr.values, ka.Name)
				if !ok {
					return nil, d.missing(path, ka.Name, ka)
				}
				key[i] = engine.Field{Name: ka.Name, Value: v, Sensitive: ka.Sensitive}
			}
			deletes = append(deletes, d.deleteRow(want, path, key, lr.values))
		}
	}
	return concat(deletes, updates, creates), nil
}

// joinKey joins canonical key values into one map key.
func joinKey(key []engine.Field) string {
	var b strings.Builder
	for _, k := range key {
		b.WriteString(k.Value)
		b.WriteByte(0)
	}
	return b.String()
}

// liveKey is joinKey of a live row's canonical key; ok is false when the
// server did not print a key column.
func liveKey(row map[string]string, keys []*engine.Attribute) (string, bool) {
	var b strings.Builder
	for _, ka := range keys {
		_, v, ok := engine.LookupFold(row, ka.Name)
		if !ok {
			return "", false
		}
		b.WriteString(canonical(ka, v))
		b.WriteByte(0)
	}
	return b.String(), true
}

// deleteRow builds the deletion of a live row. Its non-key columns go along
// as before-values, so apply can check that the row it deletes is still the
// one the operator reviewed (ids of IDKeyed tables shift).
func (d *differ) deleteRow(want *engine.Desired, path string, key []engine.Field, values map[string]string) *engine.Change {
	ch := &engine.Change{Resource: want.Resource, Path: path, Action: engine.Delete, Key: key}
	for _, sa := range want.Schema.Attributes {
		if sa.Key {
			continue
		}
		if _, v, ok := engine.LookupFold(values, sa.Name); ok {
			ch.Attrs = append(ch.Attrs, &engine.AttrChange{Name: sa.Name, Before: v, Sensitive: sa.Sensitive, Restart: restartFor(want, sa.Name, keyMap(key))})
		}
	}
	d.rowNeeds(want, path, key)
	return ch
}

// idTable diffs a table whose rows the server numbers (Maintenance/Scheduler).
// The ids are not the operator's to choose and shift after a delete, so
// rows match by their declared non-id columns, a row that differs is a
// delete plus a create, and deletes go highest id first so the ids still
// to delete stay valid.
func (d *differ) idTable(want *engine.Desired, obs *engine.Observed, path string) ([]*engine.Change, error) {
	schema := want.Schema
	keys := schema.KeyAttributes()
	live := liveRows(obs)
	var creates []*engine.Change
	for _, row := range want.Rows {
		var fields []engine.Field
		for _, f := range row {
			sa := schema.Attribute(f.Name)
			if sa == nil {
				return nil, fmt.Errorf("%s has no column %s in the catalogue", path, f.Name)
			}
			if sa.Key {
				continue // ids are assigned by the server
			}
			fields = append(fields, engine.Field{Name: sa.Name, Value: canonical(sa, f.Value), Sensitive: f.Sensitive || sa.Sensitive})
		}
		if claimRow(live, fields, func(name, v, declared string) bool { return schema.Attribute(name).Equal(v, declared) }) {
			continue
		}
		ch := &engine.Change{Resource: want.Resource, Path: path, Action: engine.Create}
		for _, f := range fields {
			ch.Attrs = append(ch.Attrs, &engine.AttrChange{Name: f.Name, After: f.Value, Sensitive: f.Sensitive, Restart: restartFor(want, f.Name, nil)})
		}
		d.rowNeeds(want, path, nil)
		creates = append(creates, ch)
	}
	var deletes []*engine.Change
	if want.Exclusive {
		type idRow struct {
			id  string
			n   int64
			num bool
			lr  *liveRow
		}
		var del []idRow
		for _, lr := range live {
			if lr.matched {
				continue
			}
			if len(keys) == 0 {
				return nil, fmt.Errorf("the catalogue has no id column for %s", path)
			}
			_, id, ok := engine.LookupFold(lr.values, keys[0].Name)
			if !ok {
				return nil, d.missing(path, keys[0].Name, keys[0])
			}
			n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
			del = append(del, idRow{id: id, n: n, num: err == nil, lr: lr})
		}
		sort.SliceStable(del, func(i, j int) bool {
			if del[i].num && del[j].num {
				return del[i].n > del[j].n
			}
			return del[i].id > del[j].id
		})
		for _, r := range del {
			key := []engine.Field{{Name: keys[0].Name, Value: r.id}}
			deletes = append(deletes, d.deleteRow(want, path, key, r.lr.values))
		}
	}
	return concat(deletes, creates), nil
}

// unknownTable diffs a table the catalogue does not know: without a schema
// there is no key, so a declared row is present when a live row has every
// declared value (as strings) and is otherwise added with all its values.
// Deleting undeclared rows needs the key, so exclusive is refused.
func (d *differ) unknownTable(want *engine.Desired, obs *engine.Observed, path string) ([]*engine.Change, error) {
	if want.Exclusive {
		return nil, fmt.Errorf("%s is not in the catalogue, so its row key is unknown and exclusive cannot delete rows", path)
	}
	live := liveRows(obs)
	var creates []*engine.Change
	for _, row := range want.Rows {
		if claimRow(live, row, func(_, v, declared string) bool { return v == declared }) {
			continue
		}
		key := make([]engine.Field, len(row))
		for i, f := range row {
			key[i] = f
			for _, lr := range live {
				if name, _, ok := engine.LookupFold(lr.values, f.Name); ok {
					key[i].Name = name
					break
				}
			}
		}
		d.rowNeeds(want, path, key)
		creates = append(creates, &engine.Change{Resource: want.Resource, Path: path, Action: engine.Create, Key: key})
	}
	return creates, nil
}

func concat(lists ...[]*engine.Change) []*engine.Change {
	var out []*engine.Change
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// restartSet coalesces the restarts one host needs: one per application,
// however many attributes and contexts need it.
type restartSet struct {
	apps    []string
	reasons map[string][]string
}

func newRestartSet() *restartSet {
	return &restartSet{reasons: map[string][]string{}}
}

func (s *restartSet) need(app, why string) {
	if app == "" {
		return
	}
	rs, ok := s.reasons[app]
	if !ok {
		s.apps = append(s.apps, app)
	}
	s.reasons[app] = appendNew(rs, why)
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// merge combines the needed restarts with those pending from earlier runs:
// an application both needed and pending is restarted once, and stays
// marked pending with the run that left it so, because its earlier change
// is still not in effect. A pending restart that was performed but left its
// application unhealthy keeps that mark unless a new change needs it.
func (s *restartSet) merge(pending []*engine.Restart) []*engine.Restart {
	var out []*engine.Restart
	find := func(app string) *engine.Restart {
		for _, r := range out {
			if strings.EqualFold(r.App, app) {
				return r
			}
		}
		return nil
	}
	for _, p := range pending {
		if p == nil || p.App == "" {
			continue
		}
		if r := find(p.App); r != nil {
			for _, why := range p.Reasons {
				r.Reasons = appendNew(r.Reasons, why)
			}
			continue
		}
		out = append(out, &engine.Restart{App: p.App, Reasons: append([]string(nil), p.Reasons...), Pending: true, PendingSince: p.PendingSince,
			Unhealthy: p.Unhealthy, RestartedIn: p.RestartedIn})
	}
	for _, app := range s.apps {
		r := find(app)
		if r == nil {
			r = &engine.Restart{App: app}
			out = append(out, r)
		}
		// A new change needs the restart, whatever the health after the
		// last one.
		r.Unhealthy, r.RestartedIn = "", ""
		for _, why := range s.reasons[app] {
			r.Reasons = appendNew(r.Reasons, why)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].App < out[j].App })
	if out == nil {
		out = []*engine.Restart{}
	}
	return out
}
