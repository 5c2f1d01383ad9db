variable "ssh_user" {
  type = string
}

ssh {
  user = var.ssh_user
}
