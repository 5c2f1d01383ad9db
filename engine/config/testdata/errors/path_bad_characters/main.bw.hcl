context "cap" {
  hosts = group.xsp
  path  = "Applications/../CAPProxy;restartbw"
  set {
    enabled = false
  }
}
