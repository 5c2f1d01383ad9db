package sim

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Application states as showrun prints them.
const (
	AppRunning  = "Running"
	AppStarting = "Starting"
	AppStopped  = "Stopped"
)

// CAP alarm raised while CAPProxy is effectively enabled on release 22.0 or
// later (CAP was removed in 22.0) [C].
const (
	capAlarmName        = "bwOpenClientServerASConnFailed"
	capAlarmCorrelation = "10;37;CAP;10.123.123.80;"
	capProxyPath        = "Applications/OpenClientServer/CAPProxy"
	schedulerPath       = "Maintenance/Scheduler"
	firstAlarmID        = 66414
)

// Errors of the Go API and of table operations; the CLI prints its own
// texts for them.
var (
	ErrUnknownContext = errors.New("no such context")
	ErrUnknownAttr    = errors.New("no such attribute")
	ErrInvalidValue   = errors.New("invalid value")
	ErrDuplicateRow   = errors.New("entry is already present in list")
	ErrRowNotFound    = errors.New("entry not found")
	ErrUnknownApp     = errors.New("unknown application")
)

// Host is one simulated BroadWorks server. Its state (values, rows,
// applications, alarms) lives for the life of the Fleet, across
// connections, and is created on first use so that idle hosts stay small.
type Host struct {
	fleet   *Fleet
	cfg     *HostConfig
	info    typeInfo
	root    *node
	release float64
	apps    []string
	ln      net.Listener
	addr    string
	signer  ssh.Signer
	// replay, when set, is the transcript the host answers from.
	replay *replayScript

	mu       sync.Mutex
	st       *hostState
	faults   Faults
	conns    map[net.Conn]struct{}
	closed   bool
	srvCfg   *ssh.ServerConfig
	wrongCfg *ssh.ServerConfig
}

// hostState is the mutable state of a host, created by state().
type hostState struct {
	// values are stored attribute values that differ from the defaults:
	// lower-case path -> attribute name -> value.
	values map[string]map[string]string
	// effective holds, for restart-requiring contexts, the values the
	// running application still uses because it has not been restarted
	// since they changed.
	effective map[string]map[string]string
	tables    map[string][]map[string]string
	apps      map[string]*appState
	pending   []string
	alarms    []Alarm
	nextAlarm int
}

type appState struct {
	name     string
	state    string
	restarts int
	gen      int
	timer    *time.Timer
}

// Name returns the host's name in the lab.
func (h *Host) Name() string { return h.cfg.Name }

// Addr returns the address the host listens on (host:port).
func (h *Host) Addr() string { return h.addr }

// Type returns the server type (xsp, adp, as, ...).
func (h *Host) Type() string { return h.cfg.Type }

// Release returns the release string (Rel_22.0_1.1123).
func (h *Host) Release() string { return h.cfg.Release }

func (h *Host) hostname() string {
	if h.cfg.Hostname != "" {
		return h.cfg.Hostname
	}
	return h.cfg.Name
}

func (h *Host) now() time.Time { return h.fleet.now() }

// state returns the host's state, creating it on first use. h.mu is held.
func (h *Host) state() *hostState {
	if h.st != nil {
		return h.st
	}
	st := &hostState{
		values:    map[string]map[string]string{},
		effective: map[string]map[string]string{},
		tables:    map[string][]map[string]string{},
		apps:      map[string]*appState{},
		nextAlarm: firstAlarmID,
	}
	for path, vals := range h.cfg.Contexts {
		n := h.fleet.cat.lookup(h.cfg.Type, path)
		for attr, v := range vals {
			spec := n.attr(attr)
			norm, _ := spec.normalize(v, h.apps)
			setMap(st.values, n.path, spec.name, norm)
		}
	}
	for path, rows := range h.cfg.Tables {
		n := h.fleet.cat.lookup(h.cfg.Type, path)
		var list []map[string]string
		for _, r := range rows {
			raw := map[string]string{}
			for k, v := range r {
				if !(n.idKeyed && strings.EqualFold(k, "id")) {
					raw[k] = v
				}
			}
			row, _ := buildRow(n, raw, h.apps)
			if n.idKeyed {
				row["id"] = strconv.Itoa(len(list) + 1)
			} else if findRow(n, list, row) >= 0 {
				continue
			}
			list = append(list, row)
		}
		st.tables[strings.ToLower(n.path)] = list
	}
	if n := h.fleet.cat.lookup(h.cfg.Type, schedulerPath); n != nil && !h.declaresTable(schedulerPath) {
		rows := defaultSchedule()
		for i, r := range rows {
			r["id"] = strconv.Itoa(i + 1)
		}
		st.tables[strings.ToLower(n.path)] = rows
	}
	for _, a := range h.apps {
		st.apps[strings.ToLower(a)] = &appState{name: a, state: AppRunning}
	}
	h.st = st
	if h.capConnected() {
		h.raiseAlarm(Alarm{Name: capAlarmName, Severity: "Critical", Correlation: capAlarmCorrelation})
	}
	for _, al := range h.cfg.Alarms {
		h.raiseAlarm(al)
	}
	return st
}

// declaresTable reports whether the host's configuration gives the rows of
// a table (then they replace the table's default rows).
func (h *Host) declaresTable(path string) bool {
	for p := range h.cfg.Tables {
		if strings.EqualFold(strings.Trim(p, "/"), path) {
			return true
		}
	}
	return false
}

func setMap(m map[string]map[string]string, path, attr, v string) {
	key := strings.ToLower(path)
	if m[key] == nil {
		m[key] = map[string]string{}
	}
	m[key][attr] = v
}

// raiseAlarm adds an alarm, assigning its id and time when zero. h.mu is held.
func (h *Host) raiseAlarm(al Alarm) {
	st := h.st
	if al.ID == 0 {
		al.ID = st.nextAlarm
	}
	if al.ID >= st.nextAlarm {
		st.nextAlarm = al.ID + 1
	}
	if al.Time.IsZero() {
		al.Time = h.now()
	}
	st.alarms = append(st.alarms, al)
}

// capConnected reports whether the running OpenClientServer still has CAP
// enabled on a release without CAP, which keeps CAP connections failing.
// h.mu is held and the state exists.
func (h *Host) capConnected() bool {
	if h.release < 22 || h.fleet.cat.lookup(h.cfg.Type, capProxyPath) == nil {
		return false
	}
	return h.effectiveValue(capProxyPath, "enabled") == "true"
}

// storedValue returns the configured value of an attribute. h.mu is held.
func (h *Host) storedValue(n *node, spec *attrSpec) string {
	if v, ok := h.state().values[strings.ToLower(n.path)][spec.name]; ok {
		return v
	}
	return spec.def
}

func (h *Host) effectiveValue(path, attr string) string {
	n := h.fleet.cat.lookup(h.cfg.Type, path)
	spec := n.attr(attr)
	if v, ok := h.st.effective[strings.ToLower(n.path)][spec.name]; ok {
		return v
	}
	return h.storedValue(n, spec)
}

// Value returns the stored (configured) value of an attribute, unmasked.
// ok is false when the host has no such context or attribute.
func (h *Host) Value(path, attr string) (string, bool) {
	n := h.fleet.cat.lookup(h.cfg.Type, path)
	if n == nil || n.kind != attrNode {
		return "", false
	}
	spec := n.attr(attr)
	if spec == nil {
		return "", false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.storedValue(n, spec), true
}

// SetValue changes an attribute out of band, as an operator would by hand
// in bwcli: the value is validated, and a change to a restart-requiring
// context marks its application restart pending.
func (h *Host) SetValue(path, attr, value string) error {
	n := h.fleet.cat.lookup(h.cfg.Type, path)
	if n == nil || n.kind != attrNode {
		return fmt.Errorf("host %s: %s: %w", h.Name(), path, ErrUnknownContext)
	}
	spec := n.attr(attr)
	if spec == nil {
		return fmt.Errorf("host %s: %s %s: %w", h.Name(), n.path, attr, ErrUnknownAttr)
	}
	norm, ok := spec.normalize(value, h.apps)
	if !ok {
		return fmt.Errorf("host %s: %s %s = %q: %w: %s", h.Name(), n.path, spec.name, value, ErrInvalidValue, spec.specLine(h.apps))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.setAttrs(n, []attrValue{{spec, norm}})
	return nil
}

type attrValue struct {
	spec  *attrSpec
	value string
}

// setAttrs stores validated values and returns the application the change
// requires restarted ("" = none). h.mu is held.
func (h *Host) setAttrs(n *node, vals []attrValue) string {
	st := h.state()
	for _, av := range vals {
		if n.restart != "" {
			if _, kept := st.effective[strings.ToLower(n.path)][av.spec.name]; !kept {
				setMap(st.effective, n.path, av.spec.name, h.storedValue(n, av.spec))
			}
		}
		setMap(st.values, n.path, av.spec.name, av.value)
	}
	if n.restart != "" {
		h.markPending(n.restart)
	}
	return n.restart
}

// markPending records that an application must be restarted for stored
// values to take effect. h.mu is held.
func (h *Host) markPending(app string) {
	st := h.state()
	for _, p := range st.pending {
		if strings.EqualFold(p, app) {
			return
		}
	}
	st.pending = append(st.pending, app)
}

// attrs returns a context's attributes in schema order with their stored
// values; passwords are masked.
func (h *Host) attrs(n *node) []attrValue {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]attrValue, 0, len(n.attrs))
	for i := range n.attrs {
		spec := &n.attrs[i]
		v := h.storedValue(n, spec)
		if spec.kind == kindPassword {
			v = "********"
		}
		out = append(out, attrValue{spec, v})
	}
	return out
}

// Rows returns a copy of a table's rows (attribute name -> value, every
// column present). For Monitoring/Alarm/AlarmsTable it returns the raised
// alarms. nil when the host has no such table.
func (h *Host) Rows(path string) []map[string]string {
	n := h.fleet.cat.lookup(h.cfg.Type, path)
	if n == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch n.kind {
	case tableNode:
		return copyRows(h.state().tables[strings.ToLower(n.path)])
	case alarmNode:
		var rows []map[string]string
		for _, al := range h.state().alarms {
			rows = append(rows, alarmRow(al))
		}
		return rows
	}
	return nil
}

func alarmRow(al Alarm) map[string]string {
	return map[string]string{
		"id": strconv.Itoa(al.ID), "timestamp": alarmTime(al.Time), "name": al.Name,
		"severity": al.Severity, "correlation": al.Correlation,
	}
}

// alarmTime formats like `2017-11-12 8:58:55 GMT` (hour not padded).
func alarmTime(t time.Time) string {
	return fmt.Sprintf("%s %d:%s", t.Format("2006-01-02"), t.Hour(), t.Format("04:05 MST"))
}

func copyRows(rows []map[string]string) []map[string]string {
	out := make([]map[string]string, 0, len(rows))
	for _, r := range rows {
		c := make(map[string]string, len(r))
		for k, v := range r {
			c[k] = v
		}
		out = append(out, c)
	}
	return out
}

// SetRows replaces a table's rows out of band. Rows are validated like
// `add`; ids of an id-keyed table are renumbered from 1 in the given order.
// It marks no restart pending.
func (h *Host) SetRows(path string, rows []map[string]string) error {
	n := h.fleet.cat.lookup(h.cfg.Type, path)
	if n == nil || n.kind != tableNode {
		return fmt.Errorf("host %s: table %s: %w", h.Name(), path, ErrUnknownContext)
	}
	var list []map[string]string
	for _, r := range rows {
		raw := map[string]string{}
		for k, v := range r {
			if !(n.idKeyed && strings.EqualFold(k, "id")) {
				raw[k] = v
			}
		}
		row, err := buildRow(n, raw, h.apps)
		if err != nil {
			return fmt.Errorf("host %s: %s: %w: %w", h.Name(), n.path, ErrInvalidValue, err)
		}
		if n.idKeyed {
			row["id"] = strconv.Itoa(len(list) + 1)
		} else if findRow(n, list, row) >= 0 {
			return fmt.Errorf("host %s: %s: %w", h.Name(), n.path, ErrDuplicateRow)
		}
		list = append(list, row)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state().tables[strings.ToLower(n.path)] = list
	return nil
}

// tableRows returns a table's rows for printing.
func (h *Host) tableRows(n *node) []map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return copyRows(h.state().tables[strings.ToLower(n.path)])
}

// rowRestart returns the application a change of a row requires restarted.
func (n *node) rowRestart(row map[string]string) string {
	if n.restartFromKey != "" {
		return row[n.restartFromKey]
	}
	return n.restart
}

// addRow adds a validated row. It returns the application to restart.
func (h *Host) addRow(n *node, row map[string]string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.state()
	key := strings.ToLower(n.path)
	if n.idKeyed {
		row["id"] = strconv.Itoa(len(st.tables[key]) + 1)
	} else if findRow(n, st.tables[key], row) >= 0 {
		return "", ErrDuplicateRow
	}
	st.tables[key] = append(st.tables[key], row)
	return h.rowChanged(n, row), nil
}

func (h *Host) rowChanged(n *node, row map[string]string) string {
	app := n.rowRestart(row)
	if app != "" {
		h.markPending(app)
	}
	return app
}

// rowIndex finds a row by its key values. h.mu is held.
func (h *Host) rowIndex(n *node, key map[string]string) int {
	for i, r := range h.state().tables[strings.ToLower(n.path)] {
		same := true
		for k, v := range key {
			if r[k] != v {
				same = false
				break
			}
		}
		if same {
			return i
		}
	}
	return -1
}

// setRowAttr sets one column of the row with the given key.
func (h *Host) setRowAttr(n *node, key map[string]string, attr, value string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := h.rowIndex(n, key)
	if i < 0 {
		return "", ErrRowNotFound
	}
	row := h.st.tables[strings.ToLower(n.path)][i]
	row[attr] = value
	return h.rowChanged(n, row), nil
}

// deleteRow deletes the row with the given key; id-keyed tables renumber
// the rows after it.
func (h *Host) deleteRow(n *node, key map[string]string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := h.rowIndex(n, key)
	if i < 0 {
		return "", ErrRowNotFound
	}
	k := strings.ToLower(n.path)
	rows := h.st.tables[k]
	row := rows[i]
	rows = append(rows[:i:i], rows[i+1:]...)
	if n.idKeyed {
		for j := i; j < len(rows); j++ {
			rows[j]["id"] = strconv.Itoa(j + 1)
		}
	}
	h.st.tables[k] = rows
	return h.rowChanged(n, row), nil
}

// Alarms returns the raised alarms in the order they were raised.
func (h *Host) Alarms() []Alarm {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Alarm(nil), h.state().alarms...)
}

// clearAlarm removes one alarm by id.
func (h *Host) clearAlarm(id int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.state()
	for i, al := range st.alarms {
		if al.ID == id {
			st.alarms = append(st.alarms[:i:i], st.alarms[i+1:]...)
			return true
		}
	}
	return false
}

func (h *Host) clearAllAlarms() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state().alarms = nil
}

// SetFaults replaces the host's fault knobs. They take effect at once, on
// live connections too.
func (h *Host) SetFaults(f Faults) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = f
}

// Faults returns the current fault knobs.
func (h *Host) Faults() Faults {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.faults
}

// takeFailNextSet returns and clears the one-shot set failure.
func (h *Host) takeFailNextSet() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.faults.FailNextSet
	h.faults.FailNextSet = ""
	return s
}

// Commands returns the commands this host received, in order.
func (h *Host) Commands() []Command {
	var out []Command
	for _, c := range h.fleet.Commands() {
		if c.Host == h.cfg.Name {
			out = append(out, c)
		}
	}
	return out
}

// AppState returns an application's state (Running, Starting, Stopped), or
// "" when the host does not run it.
func (h *Host) AppState(app string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a := h.state().apps[strings.ToLower(app)]; a != nil {
		return a.state
	}
	return ""
}

// RestartCount returns how many times restartbw restarted an application
// (a restart of all applications counts for each).
func (h *Host) RestartCount(app string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a := h.state().apps[strings.ToLower(app)]; a != nil {
		return a.restarts
	}
	return 0
}

// PendingRestarts lists the applications that changes are waiting on, in
// the order the first change needing each was made.
func (h *Host) PendingRestarts() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.state().pending...)
}

// Restart restarts an application out of band, as `restartbw APP` would.
func (h *Host) Restart(app string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	a := h.state().apps[strings.ToLower(app)]
	if a == nil {
		return fmt.Errorf("host %s: %s: %w", h.Name(), app, ErrUnknownApp)
	}
	h.startApp(a, true)
	return nil
}

// appsNamed resolves a shell argument to applications: "" means all.
func (h *Host) appsNamed(arg string) ([]string, bool) {
	if arg == "" {
		return h.apps, true
	}
	for _, a := range h.apps {
		if strings.EqualFold(a, arg) {
			return []string{a}, true
		}
	}
	return nil, false
}

// startApp takes an application through Starting to Running after the
// restart delay. The new configuration is read at start: the pending flag
// clears and stored values become effective. h.mu is held.
func (h *Host) startApp(a *appState, restart bool) {
	st := h.state()
	if restart {
		a.restarts++
	}
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	a.gen++
	a.state = AppStarting
	for i, p := range st.pending {
		if strings.EqualFold(p, a.name) {
			st.pending = append(st.pending[:i:i], st.pending[i+1:]...)
			break
		}
	}
	for path := range st.effective {
		n := h.fleet.cat.lookup(h.cfg.Type, path)
		if n != nil && strings.EqualFold(n.restart, a.name) {
			delete(st.effective, path)
		}
	}
	if h.cfg.RestartDelay <= 0 {
		h.appUp(a, a.gen)
		return
	}
	gen := a.gen
	a.timer = time.AfterFunc(h.cfg.RestartDelay, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.appUp(a, gen)
	})
}

// appUp completes a start unless a newer start or stop superseded it or
// the host is told never to become healthy. h.mu is held.
func (h *Host) appUp(a *appState, gen int) {
	if a.gen != gen || a.state != AppStarting || h.closed {
		return
	}
	a.timer = nil
	if h.faults.NeverHealthy {
		return
	}
	a.state = AppRunning
	if strings.EqualFold(a.name, "OpenClientServer") {
		h.resolveCAPAlarms()
	}
}

// resolveCAPAlarms reflects the CAP condition after OpenClientServer
// started: still enabled on 22.0+ keeps (or raises) the alarm, disabled
// clears every CAP alarm. h.mu is held.
func (h *Host) resolveCAPAlarms() {
	st := h.st
	if h.capConnected() {
		for _, al := range st.alarms {
			if al.Name == capAlarmName {
				return
			}
		}
		h.raiseAlarm(Alarm{Name: capAlarmName, Severity: "Critical", Correlation: capAlarmCorrelation})
		return
	}
	kept := st.alarms[:0]
	for _, al := range st.alarms {
		if al.Name != capAlarmName {
			kept = append(kept, al)
		}
	}
	st.alarms = kept
}

// stopApp stops an application. h.mu is held.
func (h *Host) stopApp(a *appState) {
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	a.gen++
	a.state = AppStopped
}

// appStates returns every application with its state, in host order.
func (h *Host) appStates() [][2]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.state()
	out := make([][2]string, 0, len(h.apps))
	for _, name := range h.apps {
		out = append(out, [2]string{name, st.apps[strings.ToLower(name)].state})
	}
	return out
}

// stopTimers cancels every pending start when the fleet closes.
func (h *Host) stopTimers() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.st == nil {
		return
	}
	for _, a := range h.st.apps {
		if a.timer != nil {
			a.timer.Stop()
			a.timer = nil
		}
	}
}
