# The fleet of examples/lab: three XSPs (21.0, 22.0, 24.0), an ADP and two
# Application Servers. Serve it first: bwstate lab serve examples/lab/lab.hcl

variable "lab_ip" {
  type        = string
  default     = "127.0.0.1"
  description = "Loopback address the lab listens on (tests and the demo use a unique one)."
}

variable "lab_dir" {
  type        = string
  default     = "../lab/.lab"
  description = "State directory of the lab: its known_hosts and client key."
}

ssh {
  user          = "bwadmin"
  identity_file = "${var.lab_dir}/id_ed25519"
  known_hosts   = "${var.lab_dir}/known_hosts"
  timeout       = "10s"
}

host "xsp1" {
  address = "${var.lab_ip}:2201"
  type    = "xsp"
  groups  = ["xsp", "farm_a"]
}

host "xsp2" {
  address = "${var.lab_ip}:2202"
  type    = "xsp"
  groups  = ["xsp", "farm_a"]
}

host "xsp3" {
  address = "${var.lab_ip}:2203"
  type    = "xsp"
  groups  = ["xsp", "farm_b"]
}

host "adp1" {
  address = "${var.lab_ip}:2204"
  type    = "adp"
  groups  = ["adp", "farm_b"]
}

host "as1" {
  address = "${var.lab_ip}:2205"
  type    = "as"
  groups  = ["as"]
}

host "as2" {
  address = "${var.lab_ip}:2206"
  type    = "as"
  groups  = ["as"]
}
