context "cap" {
  hosts = group.all
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}
