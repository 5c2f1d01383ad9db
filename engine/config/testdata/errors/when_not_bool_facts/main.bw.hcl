variable "cap_off_by_release" {
  type = map(any)
  default = {
    "Rel_22.0_1.1123" = true
    "Rel_24.0_1.944"  = "yes"
  }
}

context "cap" {
  hosts = group.xsp
  when  = jsondecode(jsonencode(var.cap_off_by_release))[host.release_string]
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}
