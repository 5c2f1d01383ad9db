context "cap" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    numConnections = 2.5
  }
}
