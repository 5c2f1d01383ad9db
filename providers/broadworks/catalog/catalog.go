package catalog

import (
	"sort"
	"strings"

	"github.com/bwstate/bwstate/engine"
)

// HostTypes are the server types bwstate knows, with their CLI roots.
var roots = map[string]string{
	"xsp": "XSP_CLI",
	"adp": "ADP_CLI",
	"as":  "AS_CLI",
	"ns":  "NS_CLI",
	"ps":  "PS_CLI",
	"ms":  "MS_CLI",
	"nds": "NDS_CLI",
	"nfm": "NFM_CLI",
	"dbs": "DBS_CLI",
	"scf": "SCF_CLI",
	"xs":  "XS_CLI",
}

// Root returns the CLI root of a host type ("xsp" -> "XSP_CLI").
func Root(hostType string) (string, bool) {
	r, ok := roots[strings.ToLower(hostType)]
	return r, ok
}

// TypeOfRoot returns the host type of a CLI root ("AS_CLI" -> "as").
func TypeOfRoot(root string) (string, bool) {
	for t, r := range roots {
		if strings.EqualFold(r, root) {
			return t, true
		}
	}
	return "", false
}

// Catalogue implements engine.Catalogue over the built-in context table.
type Catalogue struct {
	all       []*engine.Context
	byType    map[string][]*engine.Context
	advByType map[string][]*engine.Advisory
}

// New returns the built-in catalogue.
func New() *Catalogue {
	c := &Catalogue{byType: map[string][]*engine.Context{}, advByType: map[string][]*engine.Advisory{}}
	c.all = contexts()
	for _, ctx := range c.all {
		for _, t := range ctx.HostTypes {
			c.byType[t] = append(c.byType[t], ctx)
		}
	}
	for _, a := range advisories() {
		for _, t := range a.HostTypes {
			c.advByType[t] = append(c.advByType[t], a)
		}
	}
	for _, list := range c.byType {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	}
	return c
}

// CanonicalPath trims slashes and blanks from a user-written path.
func CanonicalPath(p string) string {
	return strings.Trim(strings.TrimSpace(p), "/")
}

// Lookup implements engine.Catalogue. A path the catalogue lists only for
// other server types is found too, with its schema (types, ranges,
// restart application), when one context of that path exists: CAP alarms
// show on the AS as well as the XSP, and Cisco says to disable CAPProxy
// "on all deployed servers", so the catalogue's guess of where a context
// lives must not stop an operator. The configuration warns about it, and
// plan fails the host if the server answers `Invalid command` at the cd.
// Its HostTypes tell such a context apart.
func (c *Catalogue) Lookup(hostType, path string) (*engine.Context, bool) {
	p := CanonicalPath(path)
	for _, ctx := range c.byType[strings.ToLower(hostType)] {
		if strings.EqualFold(ctx.Path, p) {
			return ctx, true
		}
	}
	var found *engine.Context
	for _, ctx := range c.all {
		if strings.EqualFold(ctx.Path, p) {
			if found != nil {
				return nil, false
			}
			found = ctx
		}
	}
	return found, found != nil
}

// Native reports whether ctx is listed for hostType (not only found for
// it, see Lookup).
func Native(ctx *engine.Context, hostType string) bool {
	for _, t := range ctx.HostTypes {
		if strings.EqualFold(t, hostType) {
			return true
		}
	}
	return false
}

// Contexts implements engine.Catalogue.
func (c *Catalogue) Contexts(hostType string) []*engine.Context {
	return c.byType[strings.ToLower(hostType)]
}

// HostTypes implements engine.Catalogue.
func (c *Catalogue) HostTypes() []string {
	var ts []string
	for t := range roots {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// Advisories implements engine.Catalogue.
func (c *Catalogue) Advisories(hostType string) []*engine.Advisory {
	return c.advByType[strings.ToLower(hostType)]
}

var _ engine.Catalogue = (*Catalogue)(nil)

// AdvisoryCAPRemoved is the ID of the advisory for CAPProxy left enabled on
// release 22.0 and later.
const AdvisoryCAPRemoved = "cap-removed-22"

// advisories are the built-in advisories. Each names a catalogue context
// and attribute of every host type it lists, and its trigger Value is in
// normalised CLI form (the catalogue's tests check both).
func advisories() []*engine.Advisory {
	return []*engine.Advisory{
		{
			// The founding case of bwstate [C]: the upgrade leaves CAPProxy
			// enabled, and the leftover CAP connections raise
			// bwOpenClientServerASConnFailed until it is disabled.
			ID:        AdvisoryCAPRemoved,
			HostTypes: ocsTypes,
			Path:      "Applications/OpenClientServer/CAPProxy",
			Attr:      "enabled",
			Value:     "true",
			Releases:  engine.ReleaseRange{Since: r22},
			Message: "CAPProxy is enabled but CAP was removed in release 22.0 (Cisco tech note: " +
				`"CAP needs to be disabled after the 22.0 upgrade on all servers"); ` +
				"set enabled = false and restart OpenClientServer",
		},
	}
}

// Server types grouped by what they run.
var (
	allTypes = []string{"xsp", "adp", "as", "ns", "ps", "ms", "nds", "nfm", "dbs", "scf", "xs"}
	ocsTypes = []string{"xsp", "adp"} // OpenClientServer runs on XSP and ADP [C]
)

func boolAttr(name, def string) engine.Attribute {
	return engine.Attribute{Name: name, Type: engine.TypeBool, Default: def}
}

func intAttr(name string, lo, hi int64, def string) engine.Attribute {
	return engine.Attribute{Name: name, Type: engine.TypeInt, Min: lo, Max: hi, Default: def}
}

func strAttr(name, def string) engine.Attribute {
	return engine.Attribute{Name: name, Type: engine.TypeString, Default: def}
}

// Releases the catalogue names.
var (
	r22 = engine.MustParseRelease("22.0")
	r23 = engine.MustParseRelease("23.0")
)

// since limits an attribute to a release and later.
func since(release engine.Release, a engine.Attribute) engine.Attribute {
	a.Releases = engine.ReleaseRange{Since: release}
	return a
}

// LoginLevels are the login levels of OCIProxy/LoginLevelAllowed [C].
var LoginLevels = []string{"User", "GroupDepartment", "Group", "ServiceProvider", "Provisioning", "System", "LawfulIntercept"}

func contexts() []*engine.Context {
	return []*engine.Context{
		{
			// Present on every release on purpose: after the 22.0 upgrade the
			// context is still there and must be set to enabled = false.
			Path: "Applications/OpenClientServer/CAPProxy", HostTypes: ocsTypes,
			Restart: "OpenClientServer",
			Doc:     "CAP proxy of the Open Client Server; CAP was removed in release 22.0 and must be disabled [C]",
			Attributes: []engine.Attribute{
				boolAttr("enabled", "true"),
				intAttr("serverPort", 1025, 65535, "2206"),
				intAttr("numConnections", 1, 10, "1"),
			},
		},
		{
			Path: "Applications/OpenClientServer/GeneralSettings", HostTypes: ocsTypes,
			Restart: "OpenClientServer",
			Doc:     "Open Client Server general settings [C]",
			Attributes: []engine.Attribute{
				strAttr("systemDomain", ""),
				boolAttr("clientPortEnabled", "true"),
				intAttr("clientPort", 1025, 65535, "2208"),
				boolAttr("secureClientPortEnabled", "false"),
				intAttr("secureClientPort", 1025, 65535, "2209"),
				boolAttr("enableCallCorrelationID", "false"),
				boolAttr("disconnectOnInvalidSession", "true"),
			},
		},
		{
			Path: "Applications/OpenClientServer/OCIProxy", HostTypes: ocsTypes,
			Restart: "OpenClientServer",
			Doc:     "OCI proxy of the Open Client Server [C]",
			Attributes: []engine.Attribute{
				boolAttr("enabled", "true"),
				boolAttr("enableLoginLevelScreening", "false"),
				// Response caching arrived with release 23.0 [G]: the
				// attributes are [C], the release is a guess.
				since(r23, boolAttr("enableResponseCaching", "false")),
				since(r23, intAttr("responseCacheDurationHours", 1, 168, "24")),
				since(r23, intAttr("responseCacheRenewPeriodMins", 1, 60, "10")),
				intAttr("messageQueueCapacity", 10, 10000, "50"),
				intAttr("messageQueueTimeoutSeconds", 10, 7200, "1800"),
			},
		},
		{
			Path: "Applications/OpenClientServer/OCIProxy/LoginLevelAllowed", HostTypes: ocsTypes,
			Kind: engine.TableContext, Restart: "OpenClientServer",
			Doc: "login levels the OCI proxy lets through when screening is enabled [C]",
			Attributes: []engine.Attribute{
				{Name: "loginLevel", Type: engine.TypeChoice, Choices: LoginLevels, Column: "Login Level", Key: true},
			},
		},
		{
			Path: "Applications/OpenClientServer/NSOCIProxy", HostTypes: ocsTypes,
			Restart: "OpenClientServer",
			Doc:     "Network Server OCI proxy of the Open Client Server [C]",
			Attributes: []engine.Attribute{
				boolAttr("enabled", "false"),
				intAttr("commonCommunicationTransportNSPSPort", 1025, 65535, "2220"),
				boolAttr("useSecureSockets", "false"),
				intAttr("messageQueueCapacity", 10, 10000, "50"),
				intAttr("messageQueueTimeoutSeconds", 10, 7200, "1800"),
			},
		},
		{
			// Webex for BroadWorks token validation came with release 22.0
			// [G]; before it the authentication service has no such level.
			Path: "Applications/AuthenticationService/CISTokenValidation", HostTypes: ocsTypes,
			Restart:  "AuthenticationService",
			Releases: engine.ReleaseRange{Since: r22},
			Doc:      "Webex CI token validation of the authentication service, release 22.0 and later [G]; the path is a guess [G], clientSecret is a prompted password [C]",
			Attributes: []engine.Attribute{
				boolAttr("enabled", "false"),
				strAttr("clientId", ""),
				{Name: "clientSecret", Type: engine.TypeString, Sensitive: true, Prompted: true},
			},
		},
		{
			Path: "Interface/SNMP/Agent", HostTypes: allTypes,
			Doc: "SNMP agent; communities are secrets [C]",
			Attributes: []engine.Attribute{
				intAttr("port", 1, 65535, "8001"),
				{Name: "encoding", Type: engine.TypeChoice, Choices: []string{"ISO-8859-1", "UTF-8"}, Default: "ISO-8859-1"},
				{Name: "readCommunity", Type: engine.TypeString, Sensitive: true},
				{Name: "writeCommunity", Type: engine.TypeString, Sensitive: true},
				{Name: "trapCommunity", Type: engine.TypeString, Sensitive: true},
				strAttr("trapSourceAddress", ""),
				boolAttr("disableV2", "false"),
				boolAttr("hostMibII", "false"),
			},
		},
		{
			Path: "Interface/SNMP/TrapTable", HostTypes: allTypes, Kind: engine.TableContext,
			Doc: "SNMP trap destinations, keyed by IP address and port [C]; other columns [G]",
			Attributes: []engine.Attribute{
				{Name: "ipAddress", Type: engine.TypeString, Column: "IP Address", Key: true},
				{Name: "port", Type: engine.TypeInt, Min: 1, Max: 65535, Column: "Port", Key: true},
				{Name: "version", Type: engine.TypeChoice, Choices: []string{"v1", "v2c"}, Default: "v2c", Column: "Version", Optional: true},
				{Name: "description", Type: engine.TypeString, Column: "Description", Optional: true},
			},
		},
		{
			Path: "System/ManagementAccessList", HostTypes: allTypes, Kind: engine.TableContext,
			Doc: "hosts allowed to reach the management interfaces, keyed by host [C]",
			Attributes: []engine.Attribute{
				{Name: "host", Type: engine.TypeString, Column: "Host", Key: true},
				{Name: "description", Type: engine.TypeString, Column: "Description", Optional: true},
			},
		},
		{
			Path: "Maintenance/ContainerOptions", HostTypes: allTypes, Kind: engine.TableContext,
			RestartFromKey: "container",
			Doc:            "options of application containers, keyed by container and name; a change needs the container's application restarted [C]",
			Attributes: []engine.Attribute{
				{Name: "container", Type: engine.TypeString, Column: "Container", Key: true},
				{Name: "name", Type: engine.TypeString, Column: "Name", Key: true},
				{Name: "value", Type: engine.TypeString, Column: "Value"},
			},
		},
		{
			// Scheduled maintenance tasks. Ids are assigned by the server and
			// shift after a delete [C]; the add forms are Cisco tech note
			// 220570's [C] (docs/bwcli.md): `add backup day saturday 4 3`,
			// `add tech-support daily 4 33`, `add cpuMon minute 5`, `add
			// healthmon minute 30 1`, which are also a fresh server's tasks
			// [C: "real servers carry default tasks"; that these four are
			// them is G]. The table prints `Id  Name  Date  Day  Hour
			// Minute`, the frequency under Date, days in lower case, `-` in
			// a cell that does not apply and a minute task's offset inside
			// its Minute cell, `30(offset: 1)` [C: 220570's DBS table]. A
			// Frequency title (the simulator's before) is read too: a
			// column matches its title or its attribute name.
			Path: "Maintenance/Scheduler", HostTypes: allTypes, Kind: engine.TableContext,
			IDKeyed: true,
			Doc:     "scheduled maintenance tasks: frequency day (day, hour, minute), daily (hour, minute) or minute (minute = period, offset); ids are assigned by the server",
			Attributes: []engine.Attribute{
				{Name: "id", Type: engine.TypeInt, Column: "Id", Key: true},
				{Name: "name", Type: engine.TypeString, Column: "Name"},
				{Name: "frequency", Type: engine.TypeChoice, Choices: []string{"day", "daily", "minute"}, Column: "Date"},
				{Name: "day", Type: engine.TypeChoice, Choices: []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}, Column: "Day", Optional: true},
				{Name: "hour", Type: engine.TypeInt, Min: 0, Max: 23, Column: "Hour", Optional: true},
				{Name: "minute", Type: engine.TypeInt, Min: 0, Max: 59, Column: "Minute", Optional: true},
				// offset has no column of its own: the driver reads it out of
				// the Minute cell.
				{Name: "offset", Type: engine.TypeInt, Min: 0, Max: 58, Optional: true},
			},
			RowForms: &engine.RowForms{By: "frequency", Forms: map[string]engine.RowForm{
				"day":    {Required: []string{"day", "hour", "minute"}},
				"daily":  {Required: []string{"hour", "minute"}},
				"minute": {Required: []string{"minute"}, Optional: []string{"offset"}},
			}},
			DefaultRows: []map[string]string{
				{"name": "backup", "frequency": "day", "day": "saturday", "hour": "4", "minute": "3"},
				{"name": "tech-support", "frequency": "daily", "hour": "4", "minute": "33"},
				{"name": "cpuMon", "frequency": "minute", "minute": "5", "offset": ""},
				{"name": "healthmon", "frequency": "minute", "minute": "30", "offset": "1"},
			},
		},
		{
			Path: "Monitoring/Alarm/AlarmsTable", HostTypes: allTypes, Kind: engine.TableContext,
			ReadOnly: true,
			Doc:      "raised alarms, read with `list` [C]",
			Attributes: []engine.Attribute{
				{Name: "id", Type: engine.TypeInt, Column: "Identifier", Key: true},
				{Name: "timestamp", Type: engine.TypeString, Column: "Timestamp"},
				{Name: "name", Type: engine.TypeString, Column: "Alarm Name"},
				{Name: "severity", Type: engine.TypeString, Column: "Severity"},
				{Name: "correlation", Type: engine.TypeString, Column: "Correlation Parameter"},
			},
		},
		{
			Path: "Interface/SIP", HostTypes: []string{"as"},
			Restart: "ExecutionServer",
			Doc:     "SIP interface of the Application Server [C]; attributes [G]",
			Attributes: []engine.Attribute{
				boolAttr("enabled", "true"),
				intAttr("sipPort", 1025, 65535, "5060"),
				intAttr("sipSecurePort", 1025, 65535, "5061"),
				{Name: "transport", Type: engine.TypeChoice, Choices: []string{"UDP", "TCP", "TLS"}, Default: "UDP"},
				intAttr("maxForwards", 1, 255, "70"),
			},
		},
		{
			Path: "System/NetworkAccessLists/OCI/Provisioning", HostTypes: []string{"as"}, Kind: engine.TableContext,
			Doc: "addresses allowed to use OCI provisioning on the Application Server [C]",
			Attributes: []engine.Attribute{
				{Name: "address", Type: engine.TypeString, Column: "Address", Key: true},
				{Name: "description", Type: engine.TypeString, Column: "Description", Optional: true},
			},
		},
	}
}
