variable "ssh_user" {
  type    = string
  default = "bwadmin"
}
