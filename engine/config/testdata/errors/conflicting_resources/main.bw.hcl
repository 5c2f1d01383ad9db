context "cap_off" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}

context "cap_port" {
  hosts = ["xsp2"]
  path  = "applications/openclientserver/capproxy"
  set {
    serverPort = 2206
    Enabled    = true
  }
}
