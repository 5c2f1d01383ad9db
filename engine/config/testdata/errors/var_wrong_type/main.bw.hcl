variable "cap_port" {
  type    = number
  default = 2206
}

context "cap" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    serverPort = var.cap_port
  }
}
