package plan

import "github.com/bwstate/bwstate/engine"

// Test schemas, written here rather than imported from the BroadWorks
// catalogue: the engine must not depend on a provider, and these tests pin
// the planner's behaviour, not the catalogue's content.

var (
	capProxy = &engine.Context{
		Path: "Applications/OpenClientServer/CAPProxy", Restart: "OpenClientServer",
		Attributes: []engine.Attribute{
			{Name: "enabled", Type: engine.TypeBool},
			{Name: "serverPort", Type: engine.TypeInt, Min: 1025, Max: 65535},
			{Name: "numConnections", Type: engine.TypeInt, Min: 1, Max: 10},
			{Name: "newInR24", Type: engine.TypeBool, Releases: engine.ReleaseRange{Since: engine.MustParseRelease("24.0")}},
		},
	}
	ociProxy = &engine.Context{
		Path: "Applications/OpenClientServer/OCIProxy", Restart: "OpenClientServer",
		Attributes: []engine.Attribute{
			{Name: "enabled", Type: engine.TypeBool},
			{Name: "messageQueueCapacity", Type: engine.TypeInt, Min: 10, Max: 10000},
		},
	}
	sipInterface = &engine.Context{
		Path: "Interface/SIP", Restart: "ExecutionServer",
		Attributes: []engine.Attribute{
			{Name: "transport", Type: engine.TypeChoice, Choices: []string{"UDP", "TCP", "TLS"}},
		},
	}
	snmpAgent = &engine.Context{
		Path: "Interface/SNMP/Agent",
		Attributes: []engine.Attribute{
			{Name: "port", Type: engine.TypeInt, Min: 1, Max: 65535},
			{Name: "encoding", Type: engine.TypeChoice, Choices: []string{"ISO-8859-1", "UTF-8"}},
			{Name: "readCommunity", Type: engine.TypeString, Sensitive: true},
			{Name: "trapSourceAddress", Type: engine.TypeString},
		},
	}
	cisToken = &engine.Context{
		Path: "Applications/AuthenticationService/CISTokenValidation", Restart: "AuthenticationService",
		Attributes: []engine.Attribute{
			{Name: "enabled", Type: engine.TypeBool},
			{Name: "clientSecret", Type: engine.TypeString, Sensitive: true, Prompted: true},
		},
	}
	mgmtACL = &engine.Context{
		Path: "System/ManagementAccessList", Kind: engine.TableContext,
		Attributes: []engine.Attribute{
			{Name: "host", Type: engine.TypeString, Column: "Host", Key: true},
			{Name: "description", Type: engine.TypeString, Column: "Description", Optional: true},
		},
	}
	trapTable = &engine.Context{
		Path: "Interface/SNMP/TrapTable", Kind: engine.TableContext,
		Attributes: []engine.Attribute{
			{Name: "ipAddress", Type: engine.TypeString, Column: "IP Address", Key: true},
			{Name: "port", Type: engine.TypeInt, Min: 1, Max: 65535, Column: "Port", Key: true},
			{Name: "version", Type: engine.TypeChoice, Choices: []string{"v1", "v2c"}, Column: "Version", Optional: true},
			{Name: "description", Type: engine.TypeString, Column: "Description", Optional: true},
		},
	}
	loginLevels = &engine.Context{
		Path: "Applications/OpenClientServer/OCIProxy/LoginLevelAllowed", Kind: engine.TableContext, Restart: "OpenClientServer",
		Attributes: []engine.Attribute{
			{Name: "loginLevel", Type: engine.TypeChoice, Choices: []string{"User", "Group", "System"}, Column: "Login Level", Key: true},
		},
	}
	containerOptions = &engine.Context{
		Path: "Maintenance/ContainerOptions", Kind: engine.TableContext, RestartFromKey: "container",
		Attributes: []engine.Attribute{
			{Name: "container", Type: engine.TypeString, Column: "Container", Key: true},
			{Name: "name", Type: engine.TypeString, Column: "Name", Key: true},
			{Name: "value", Type: engine.TypeString, Column: "Value"},
		},
	}
	scheduler = &engine.Context{
		Path: "Maintenance/Scheduler", Kind: engine.TableContext, IDKeyed: true,
		Attributes: []engine.Attribute{
			{Name: "id", Type: engine.TypeInt, Column: "Id", Key: true},
			{Name: "name", Type: engine.TypeString, Column: "Name"},
			{Name: "day", Type: engine.TypeChoice, Choices: []string{"Sunday", "Monday", "Everyday"}, Column: "Day", Optional: true},
			{Name: "hour", Type: engine.TypeInt, Min: 0, Max: 23, Column: "Hour"},
		},
	}
	alarmsTable = &engine.Context{
		Path: "Monitoring/Alarm/AlarmsTable", Kind: engine.TableContext, ReadOnly: true,
		Attributes: []engine.Attribute{
			{Name: "id", Type: engine.TypeInt, Column: "Identifier", Key: true},
			{Name: "name", Type: engine.TypeString, Column: "Alarm Name"},
		},
	}
)

// testCatalogue is a map-backed engine.Catalogue.
type testCatalogue map[string]*engine.Context

func (c testCatalogue) Lookup(hostType, path string) (*engine.Context, bool) {
	ctx, ok := c[pathKey(path)]
	return ctx, ok
}

func (c testCatalogue) Contexts(string) []*engine.Context    { return nil }
func (c testCatalogue) HostTypes() []string                  { return []string{"xsp", "as"} }
func (c testCatalogue) Advisories(string) []*engine.Advisory { return nil }

// f builds a field.
func f(name, value string) engine.Field { return engine.Field{Name: name, Value: value} }

// ctxWant declares attributes of a context.
func ctxWant(resource string, schema *engine.Context, path string, attrs ...engine.Field) *engine.Desired {
	if schema != nil {
		path = schema.Path
	}
	return &engine.Desired{Resource: resource, Path: path, Schema: schema, Kind: engine.AttributeContext, Attrs: attrs}
}

// tableWant declares rows of a table.
func tableWant(resource string, schema *engine.Context, path string, exclusive bool, rows ...[]engine.Field) *engine.Desired {
	if schema != nil {
		path = schema.Path
	}
	return &engine.Desired{Resource: resource, Path: path, Schema: schema, Kind: engine.TableContext, Rows: rows, Exclusive: exclusive}
}

func row(fields ...engine.Field) []engine.Field { return fields }

// attrsLive is what `get` shows for an attribute context.
func attrsLive(path string, kv ...string) *engine.Observed {
	o := &engine.Observed{Path: path, Kind: engine.AttributeContext, Attrs: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.Attrs[kv[i]] = kv[i+1]
		o.Order = append(o.Order, kv[i])
	}
	return o
}

// rowsLive is what `get` shows for a table.
func rowsLive(path string, rows ...map[string]string) *engine.Observed {
	return &engine.Observed{Path: path, Kind: engine.TableContext, Rows: rows}
}
