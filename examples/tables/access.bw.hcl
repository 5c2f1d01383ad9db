# Who may reach the management interfaces of every server. exclusive = true
# makes the declared rows the whole list: a live row that is not declared
# here (such as a forgotten 10.9.0.6 on xsp3) is deleted.
table "management_access" {
  hosts     = group.all
  path      = "System/ManagementAccessList"
  exclusive = true
  row {
    host        = "10.9.0.5"
    description = "NOC"
  }
  row {
    host        = "10.9.0.7"
    description = "Jump host"
  }
}

# Where every server sends SNMP traps. Rows are keyed by ipAddress and port;
# without exclusive, trap destinations configured by hand stay as they are.
table "snmp_traps" {
  hosts = group.all
  path  = "Interface/SNMP/TrapTable"
  row {
    ipAddress   = "10.9.0.20"
    port        = 162
    version     = "v2c"
    description = "NMS primary"
  }
  row {
    ipAddress   = "10.9.0.21"
    port        = 162
    description = "NMS secondary"
  }
}
