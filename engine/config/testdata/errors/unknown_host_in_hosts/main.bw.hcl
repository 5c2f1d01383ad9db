context "cap" {
  hosts = ["xsp1", "xps2"]
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}
