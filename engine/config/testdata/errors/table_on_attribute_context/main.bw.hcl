table "cap" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  row {
    enabled = false
  }
}

context "acl" {
  hosts = group.all
  path  = "System/ManagementAccessList"
  set {
    host = "10.0.0.1"
  }
}
