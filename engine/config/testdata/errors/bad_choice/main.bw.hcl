context "snmp" {
  hosts = group.all
  path  = "Interface/SNMP/Agent"
  set {
    encoding = "latin1"
  }
}
