locals {
  site_a = concat(group.xsp)
}

group "all" {
  vars = { snmp_port = 8001 }
}

group "xsp" {
  vars = { site = "a", snmp_port = 8002 }
}

host "xsp1" {
  address = "10.1.0.11"
  type    = "XSP"
  groups  = ["xsp", "site_a"]
  vars    = { cap_port = 2206 }
}

host "xsp2" {
  address = "127.0.0.1:2202"
  type    = "xsp"
  groups  = ["xsp"]
  ssh {
    user = "other"
  }
}

host "as1" {
  address = "10.1.0.21"
  type    = "as"
  vars    = { snmp_port = 8003 }
}
