ssh {
  port            = 70000
  timeout         = "30"
  jump            = "ops@bastion example"
  command_timeout = "-5s"
  shell_prompt    = "bwadmin@(\\S+\\$"
}

host "xsp9" {
  address = "10.1.0.19:2201"
  type    = "xsp"
  ssh {
    port       = 2202
    cli_prompt = "[A-Z_]*>?"
  }
}
