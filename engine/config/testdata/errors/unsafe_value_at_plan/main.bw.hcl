context "general" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/GeneralSettings"
  set {
    systemDomain = "${host.name}.${join(";", host.patches)}"
  }
}
