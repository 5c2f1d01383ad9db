contxt "cap_proxy_off" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
}
