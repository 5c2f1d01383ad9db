context "cap" {
  hosts = group.xsp
  when  = host.release_string
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}
