locals {
  label = "node-${host.name}"
}

context "cap" {
  hosts = [host.name]
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}
