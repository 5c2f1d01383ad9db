context "cap" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    serverPort = 80
  }
}
