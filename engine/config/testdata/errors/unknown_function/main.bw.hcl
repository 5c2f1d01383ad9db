context "general" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/GeneralSettings"
  set {
    systemDomain = file("domain.txt")
  }
}
