context "snmp" {
  hosts = group.all
  path  = "Interface/SNMP/Agent"
  set {
    readCommunity = "pub;lic"
  }
}
