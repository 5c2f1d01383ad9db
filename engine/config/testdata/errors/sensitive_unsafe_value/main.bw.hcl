variable "community" {
  type      = string
  sensitive = true
}

context "snmp" {
  hosts = group.all
  path  = "Interface/SNMP/Agent"
  set {
    readCommunity = var.community
    trapCommunity = "${var.community}-traps"
  }
}
