context "cap" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}

context "cap" {
  hosts = ["xsp2"]
  path  = "Applications/OpenClientServer/OCIProxy"
  set {
    enabled = true
  }
}
