package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The simulator's own catalogue of CLI contexts. It is written from
// docs/bwcli.md and agrees with providers/broadworks/catalog on paths, attribute
// names, types, ranges, defaults, column titles and restart applications,
// but shares no code with it: a mistake on either side then shows up as a
// failing test instead of being copied into both.

// valueKind is how the server validates an attribute's value.
type valueKind int

const (
	kindString valueKind = iota
	kindBool
	kindInt
	kindChoice
	// kindPassword values are typed at a `New Password: ` prompt and shown
	// masked by get.
	kindPassword
	// kindHostApp is a choice among the host's applications
	// (Maintenance/ContainerOptions container).
	kindHostApp
)

// attrSpec describes one attribute of an attribute context or one column of
// a table context.
type attrSpec struct {
	name    string
	kind    valueKind
	min     int64 // kindInt bounds, or kindString minimum length
	max     int64 // kindInt bounds, or kindString maximum length
	choices []string
	def     string
	// Table contexts only.
	column   string
	key      bool
	optional bool
}

// nodeKind says which commands a context offers.
type nodeKind int

const (
	// navNode contexts only lead to their children.
	navNode nodeKind = iota
	// attrNode contexts have get, set and clear.
	attrNode
	// tableNode contexts have get, add, set, delete and clear.
	tableNode
	// alarmNode is Monitoring/Alarm/AlarmsTable: list, clear and clearAll.
	alarmNode
)

// node is one context of a host type's tree. Trees are built once per
// catalogue and shared read-only by every host of that type.
type node struct {
	name     string
	path     string // canonical, without root or leading slash; "" for the root
	parent   *node
	children []*node
	kind     nodeKind
	attrs    []attrSpec
	// restart is the application any change requires restarted.
	restart string
	// restartFromKey names the key column whose value is the application.
	restartFromKey string
	// idKeyed tables number their rows: add assigns the next id and delete
	// shifts the ids of the rows after it down.
	idKeyed bool
	// noEntriesFound tables do not print `N entries found.` after the rows.
	noEntriesFound bool
	// scheduler is Maintenance/Scheduler: its own add forms and cells
	// (scheduler.go).
	scheduler bool
}

// attr returns the attribute spec with the given name (case-insensitive).
func (n *node) attr(name string) *attrSpec {
	for i := range n.attrs {
		if strings.EqualFold(n.attrs[i].name, name) {
			return &n.attrs[i]
		}
	}
	return nil
}

// keys returns the key columns of a table in key order.
func (n *node) keys() []*attrSpec {
	var ks []*attrSpec
	for i := range n.attrs {
		if n.attrs[i].key {
			ks = append(ks, &n.attrs[i])
		}
	}
	return ks
}

// columns returns the attributes a table shows, in column order.
func (n *node) columns() []*attrSpec {
	var cols []*attrSpec
	for i := range n.attrs {
		if n.attrs[i].column != "" {
			cols = append(cols, &n.attrs[i])
		}
	}
	return cols
}

// commands returns the commands of the context's kind.
func (n *node) commands() []string {
	if n.scheduler {
		// Tasks are added and deleted, never edited [G].
		return []string{"get", "add", "delete"}
	}
	return kindCommands[n.kind]
}

// child finds a child by exact case-insensitive name.
func (n *node) child(name string) *node {
	for _, c := range n.children {
		if strings.EqualFold(c.name, name) {
			return c
		}
	}
	return nil
}

// typeInfo is what the simulator knows about one server type.
type typeInfo struct {
	root       string // CLI root, e.g. XSP_CLI
	label      string // bwshowver's name, e.g. XSP
	serverType string // healthmon's server type
	apps       []string
}

// typeInfos lists every server type the simulator can emulate. The
// application lists are realistic guesses [G]: OpenClientServer runs on XSP
// and ADP [C], ExecutionServer is the AS's call processing application.
func typeInfos() map[string]typeInfo {
	xspApps := []string{"WebContainer", "OpenClientServer", "Xsi-Actions", "Xsi-Events", "AuthenticationService"}
	return map[string]typeInfo{
		"xsp": {root: "XSP_CLI", label: "XSP", serverType: "XtendedServicesPlatform", apps: xspApps},
		"adp": {root: "ADP_CLI", label: "ADP", serverType: "ApplicationDeliveryPlatform", apps: append(append([]string(nil), xspApps...), "NotificationPushServer")},
		"as":  {root: "AS_CLI", label: "AS", serverType: "AppServer", apps: []string{"ExecutionServer", "ProvisioningServer", "WebContainer", "CallDetailServer"}},
		"ns":  {root: "NS_CLI", label: "NS", serverType: "NetworkServer", apps: []string{"ExecutionServer", "ProvisioningServer", "WebContainer"}},
		"ps":  {root: "PS_CLI", label: "PS", serverType: "ProfileServer", apps: []string{"WebContainer", "FileRepos"}},
		"ms":  {root: "MS_CLI", label: "MS", serverType: "MediaServer", apps: []string{"MediaServer", "WebContainer"}},
		"nds": {root: "NDS_CLI", label: "NDS", serverType: "NDS", apps: []string{"NetworkDatabaseServer", "WebContainer"}},
		"nfm": {root: "NFM_CLI", label: "NFM", serverType: "NetworkFunctionManager", apps: []string{"NetworkFunctionManager", "WebContainer"}},
		"dbs": {root: "DBS_CLI", label: "DBS", serverType: "DatabaseServer", apps: []string{"DatabaseServer"}},
		"scf": {root: "SCF_CLI", label: "SCF", serverType: "ServiceControlFunction", apps: []string{"ServiceControlFunction", "WebContainer"}},
		"xs":  {root: "XS_CLI", label: "XS", serverType: "XtendedServicesPlatform", apps: []string{"ExecutionServer", "WebContainer"}},
	}
}

// ctxSpec is one context of the catalogue before it is placed in trees.
type ctxSpec struct {
	path           string
	types          []string // nil: every type
	kind           nodeKind
	attrs          []attrSpec
	restart        string
	restartFromKey string
	idKeyed        bool
	noEntriesFound bool
	scheduler      bool
}

func boolA(name, def string) attrSpec { return attrSpec{name: name, kind: kindBool, def: def} }
func intA(name string, lo, hi int64, def string) attrSpec {
	return attrSpec{name: name, kind: kindInt, min: lo, max: hi, def: def}
}
func strA(name string, maxLen int64, def string) attrSpec {
	return attrSpec{name: name, kind: kindString, min: 0, max: maxLen, def: def}
}

// loginLevels are the login levels of OCIProxy/LoginLevelAllowed [C].
var loginLevels = []string{"User", "GroupDepartment", "Group", "ServiceProvider", "Provisioning", "System", "LawfulIntercept"}

// weekDays are the days of a weekly Maintenance/Scheduler task, spelled
// as `add backup day saturday 4 3` types them [C: 220570].
var weekDays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// frequencies are the Maintenance/Scheduler task kinds of the documented
// add forms [C: 220570]: weekly on a day, daily, every N minutes.
var frequencies = []string{freqDay, freqDaily, freqMinute}

const (
	freqDay    = "day"
	freqDaily  = "daily"
	freqMinute = "minute"
)

func specs() []ctxSpec {
	ocs := []string{"xsp", "adp"}
	return []ctxSpec{
		{path: "Applications/OpenClientServer/CAPProxy", types: ocs, kind: attrNode, restart: "OpenClientServer",
			attrs: []attrSpec{boolA("enabled", "true"), intA("serverPort", 1025, 65535, "2206"), intA("numConnections", 1, 10, "1")}},
		{path: "Applications/OpenClientServer/GeneralSettings", types: ocs, kind: attrNode, restart: "OpenClientServer",
			attrs: []attrSpec{
				strA("systemDomain", 80, ""),
				boolA("clientPortEnabled", "true"),
				intA("clientPort", 1025, 65535, "2208"),
				boolA("secureClientPortEnabled", "false"),
				intA("secureClientPort", 1025, 65535, "2209"),
				boolA("enableCallCorrelationID", "false"),
				boolA("disconnectOnInvalidSession", "true"),
			}},
		{path: "Applications/OpenClientServer/OCIProxy", types: ocs, kind: attrNode, restart: "OpenClientServer",
			attrs: []attrSpec{
				boolA("enabled", "true"),
				boolA("enableLoginLevelScreening", "false"),
				boolA("enableResponseCaching", "false"),
				intA("responseCacheDurationHours", 1, 168, "24"),
				intA("responseCacheRenewPeriodMins", 1, 60, "10"),
				intA("messageQueueCapacity", 10, 10000, "50"),
				intA("messageQueueTimeoutSeconds", 10, 7200, "1800"),
			}},
		{path: "Applications/OpenClientServer/OCIProxy/LoginLevelAllowed", types: ocs, kind: tableNode, restart: "OpenClientServer",
			attrs: []attrSpec{{name: "loginLevel", kind: kindChoice, choices: loginLevels, column: "Login Level", key: true}}},
		{path: "Applications/OpenClientServer/NSOCIProxy", types: ocs, kind: attrNode, restart: "OpenClientServer",
			attrs: []attrSpec{
				boolA("enabled", "false"),
				intA("commonCommunicationTransportNSPSPort", 1025, 65535, "2220"),
				boolA("useSecureSockets", "false"),
				intA("messageQueueCapacity", 10, 10000, "50"),
				intA("messageQueueTimeoutSeconds", 10, 7200, "1800"),
			}},
		{path: "Applications/AuthenticationService/CISTokenValidation", types: ocs, kind: attrNode, restart: "AuthenticationService",
			attrs: []attrSpec{
				boolA("enabled", "false"),
				strA("clientId", 256, ""),
				{name: "clientSecret", kind: kindPassword, min: 0, max: 256},
			}},
		{path: "Interface/SNMP/Agent", kind: attrNode,
			attrs: []attrSpec{
				intA("port", 1, 65535, "8001"),
				{name: "encoding", kind: kindChoice, choices: []string{"ISO-8859-1", "UTF-8"}, def: "ISO-8859-1"},
				strA("readCommunity", 80, ""),
				strA("writeCommunity", 80, ""),
				strA("trapCommunity", 80, ""),
				strA("trapSourceAddress", 80, ""),
				boolA("disableV2", "false"),
				boolA("hostMibII", "false"),
			}},
		{path: "Interface/SNMP/TrapTable", kind: tableNode, noEntriesFound: true,
			attrs: []attrSpec{
				{name: "ipAddress", kind: kindString, min: 1, max: 80, column: "IP Address", key: true},
				{name: "port", kind: kindInt, min: 1, max: 65535, column: "Port", key: true},
				{name: "version", kind: kindChoice, choices: []string{"v1", "v2c"}, def: "v2c", column: "Version", optional: true},
				{name: "description", kind: kindString, max: 80, column: "Description", optional: true},
			}},
		{path: "System/ManagementAccessList", kind: tableNode,
			attrs: []attrSpec{
				{name: "host", kind: kindString, min: 1, max: 80, column: "Host", key: true},
				{name: "description", kind: kindString, max: 80, column: "Description", optional: true},
			}},
		{path: "System/Security/BlackList", kind: tableNode, attrs: securityListAttrs()},
		{path: "System/Security/WhiteList", kind: tableNode, attrs: securityListAttrs()},
		{path: "Maintenance/ContainerOptions", kind: tableNode, restartFromKey: "container",
			attrs: []attrSpec{
				{name: "container", kind: kindHostApp, column: "Container", key: true},
				{name: "name", kind: kindString, min: 1, max: 80, column: "Name", key: true},
				{name: "value", kind: kindString, max: 256, column: "Value"},
			}},
		{path: "Maintenance/Scheduler", kind: tableNode, idKeyed: true, scheduler: true,
			attrs: []attrSpec{
				{name: "id", kind: kindInt, min: 1, max: 1000, column: "Id", key: true},
				{name: "name", kind: kindString, min: 1, max: 80, column: "Name"},
				{name: "frequency", kind: kindChoice, choices: frequencies, column: "Date"}, // [C: 220570]
				{name: "day", kind: kindChoice, choices: weekDays, column: "Day", optional: true},
				{name: "hour", kind: kindInt, min: 0, max: 23, column: "Hour", optional: true},
				{name: "minute", kind: kindInt, min: 0, max: 59, column: "Minute"},
				// The offset of a minute task has no column: the Minute
				// cell shows it, `30(offset: 1)`.
				{name: "offset", kind: kindInt, min: 0, max: 59, optional: true},
			}},
		{path: "Monitoring/Alarm/AlarmsTable", kind: alarmNode,
			attrs: []attrSpec{
				{name: "id", kind: kindInt, column: "Identifier", key: true},
				{name: "timestamp", kind: kindString, column: "Timestamp"},
				{name: "name", kind: kindString, column: "Alarm Name"},
				{name: "severity", kind: kindString, column: "Severity"},
				{name: "correlation", kind: kindString, column: "Correlation Parameter"},
			}},
		{path: "Interface/SIP", types: []string{"as"}, kind: attrNode, restart: "ExecutionServer",
			attrs: []attrSpec{
				boolA("enabled", "true"),
				intA("sipPort", 1025, 65535, "5060"),
				intA("sipSecurePort", 1025, 65535, "5061"),
				{name: "transport", kind: kindChoice, choices: []string{"UDP", "TCP", "TLS"}, def: "UDP"},
				intA("maxForwards", 1, 255, "70"),
			}},
		{path: "System/NetworkAccessLists/OCI/Provisioning", types: []string{"as"}, kind: tableNode,
			attrs: []attrSpec{
				{name: "address", kind: kindString, min: 1, max: 80, column: "Address", key: true},
				{name: "description", kind: kindString, max: 80, column: "Description", optional: true},
			}},
	}
}

// securityListAttrs is the six-field key of System/Security/BlackList and
// WhiteList [C]; the field names are a guess [G].
func securityListAttrs() []attrSpec {
	return []attrSpec{
		{name: "address", kind: kindString, min: 1, max: 80, column: "Address", key: true},
		{name: "mask", kind: kindString, min: 1, max: 80, column: "Mask", key: true},
		{name: "protocol", kind: kindChoice, choices: []string{"tcp", "udp", "any"}, column: "Protocol", key: true},
		{name: "portLow", kind: kindInt, min: 0, max: 65535, column: "Port Low", key: true},
		{name: "portHigh", kind: kindInt, min: 0, max: 65535, column: "Port High", key: true},
		{name: "interface", kind: kindString, min: 1, max: 80, column: "Interface", key: true},
	}
}

// catalogue holds one context tree per server type. It is immutable after
// newCatalogue and shared by every host of a fleet.
type catalogue struct {
	types map[string]typeInfo
	trees map[string]*node
	// byPath indexes every node of a type by lower-case path.
	byPath map[string]map[string]*node
}

func newCatalogue() *catalogue {
	c := &catalogue{types: typeInfos(), trees: map[string]*node{}, byPath: map[string]map[string]*node{}}
	for t := range c.types {
		root := &node{kind: navNode}
		idx := map[string]*node{"": root}
		for _, s := range specs() {
			if s.types != nil && !contains(s.types, t) {
				continue
			}
			parent := root
			parts := strings.Split(s.path, "/")
			for i, part := range parts {
				p := strings.Join(parts[:i+1], "/")
				n := idx[strings.ToLower(p)]
				if n == nil {
					n = &node{name: part, path: p, parent: parent, kind: navNode}
					parent.children = append(parent.children, n)
					idx[strings.ToLower(p)] = n
				}
				parent = n
			}
			parent.kind = s.kind
			parent.attrs = s.attrs
			parent.restart = s.restart
			parent.restartFromKey = s.restartFromKey
			parent.idKeyed = s.idKeyed
			parent.noEntriesFound = s.noEntriesFound
			parent.scheduler = s.scheduler
		}
		sortTree(root)
		c.trees[t] = root
		c.byPath[t] = idx
	}
	return c
}

func sortTree(n *node) {
	sort.Slice(n.children, func(i, j int) bool { return n.children[i].name < n.children[j].name })
	for _, c := range n.children {
		sortTree(c)
	}
}

// lookup finds a context of a type by path, case-insensitively, ignoring
// leading and trailing slashes.
func (c *catalogue) lookup(hostType, path string) *node {
	return c.byPath[hostType][strings.ToLower(strings.Trim(strings.TrimSpace(path), "/"))]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// specLine is the parameter description the CLI prints after
// `Mandatory parameter missing` and `Invalid value`, e.g.
// `<serverPort>, Integer {1025 to 65535}`.
func (a *attrSpec) specLine(apps []string) string {
	switch a.kind {
	case kindBool:
		return fmt.Sprintf("<%s>, Choice {true, false}", a.name)
	case kindInt:
		if a.min == 0 && a.max == 0 {
			return fmt.Sprintf("<%s>, Integer", a.name)
		}
		return fmt.Sprintf("<%s>, Integer {%d to %d}", a.name, a.min, a.max)
	case kindChoice:
		return fmt.Sprintf("<%s>, Choice {%s}", a.name, strings.Join(a.choices, ", "))
	case kindHostApp:
		return fmt.Sprintf("<%s>, Choice {%s}", a.name, strings.Join(apps, ", "))
	case kindPassword:
		return fmt.Sprintf("<%s>, Password {%d to %d characters}", a.name, a.min, a.max)
	}
	return fmt.Sprintf("<%s>, String {%d to %d characters}", a.name, a.min, a.max)
}

// normalize validates a value typed for the attribute and returns the form
// the server stores and prints: booleans lower case, integers canonical,
// choices in their canonical spelling. ok is false when the value is
// invalid.
func (a *attrSpec) normalize(v string, apps []string) (string, bool) {
	switch a.kind {
	case kindBool:
		switch strings.ToLower(v) {
		case "true":
			return "true", true
		case "false":
			return "false", true
		}
		return "", false
	case kindInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", false
		}
		if (a.min != 0 || a.max != 0) && (n < a.min || n > a.max) {
			return "", false
		}
		return strconv.FormatInt(n, 10), true
	case kindChoice, kindHostApp:
		choices := a.choices
		if a.kind == kindHostApp {
			choices = apps
		}
		for _, c := range choices {
			if strings.EqualFold(c, v) {
				return c, true
			}
		}
		return "", false
	}
	if int64(len(v)) < a.min || (a.max > 0 && int64(len(v)) > a.max) {
		return "", false
	}
	return v, true
}

// clearable reports whether `clear` may empty the attribute: only free text
// can be empty.
func (a *attrSpec) clearable() bool {
	return (a.kind == kindString || a.kind == kindPassword) && a.min == 0
}
