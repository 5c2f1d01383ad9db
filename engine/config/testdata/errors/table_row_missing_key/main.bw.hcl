table "traps" {
  hosts = group.all
  path  = "Interface/SNMP/TrapTable"
  row {
    ipAddress   = "10.9.0.7"
    description = "NMS"
  }
}
