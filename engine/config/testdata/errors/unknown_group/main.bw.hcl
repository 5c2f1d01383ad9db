context "cap" {
  hosts = group.xps
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}
