context "cap_off" {
  hosts = group.xsp
  when  = host.release >= 22
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}

context "cap_on_old" {
  hosts = group.xsp
  when  = host.release >= 21
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = true
  }
}
