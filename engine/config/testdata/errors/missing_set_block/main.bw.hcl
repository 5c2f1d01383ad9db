context "cap" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  enabled = false
}
