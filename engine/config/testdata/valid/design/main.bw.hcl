variable "ssh_user" {
  type    = string
  default = "bwadmin"
}

variable "snmp_community" {
  type      = string
  sensitive = true
  default   = "s3cret"
}

ssh {
  user          = var.ssh_user
  port          = 22
  identity_file = "~/.ssh/id_ed25519"
  known_hosts   = "known_hosts"
  password_env  = "BW_SSH_PASSWORD"
  jump          = "ops@bastion.example.net:22"
  timeout       = "30s"
}

rollout {
  batch_size     = "25%"
  max_failures   = 1
  health_timeout = "10m"
  restart        = "defer"
  spread_groups  = ["site_a"]
  max_per_group  = 1
}

# CAP was removed in release 22.0.
context "cap_proxy_off" {
  hosts = group.xsp
  when  = host.release >= 22
  path  = "/applications/openclientserver/capproxy"
  set {
    Enabled = false
  }
}

context "snmp" {
  hosts = group.all
  path  = "Interface/SNMP/Agent"
  set {
    readCommunity = var.snmp_community
    encoding      = "utf-8"
    port          = host.vars.snmp_port
  }
}

table "management_access" {
  hosts     = group.all
  path      = "System/ManagementAccessList"
  exclusive = true
  row {
    host        = "10.9.0.5"
    description = "NOC"
  }
  row {
    host        = "10.9.0.6"
    description = "NOC ${host.name}"
  }
}

check "no_cap_alarms" {
  hosts = group.xsp
  assert {
    condition     = !contains(host.alarms, "bwOpenClientServerASConnFailed")
    error_message = "CAP connection alarms are still raised on ${host.name}"
  }
}
