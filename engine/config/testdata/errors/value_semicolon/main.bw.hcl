context "general" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/GeneralSettings"
  set {
    systemDomain = "example.net;restartbw all"
  }
}
