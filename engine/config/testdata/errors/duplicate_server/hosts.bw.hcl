host "xsp1" {
  address = "10.1.0.11"
  type    = "xsp"
  groups  = ["xsp", "farm_a"]
}

host "xsp2" {
  address = "10.1.0.12:2202"
  type    = "xsp"
  groups  = ["xsp", "farm_b"]
}

# The same server as xsp1: port 22 is the default.
host "xsp1b" {
  address = "10.1.0.11"
  type    = "xsp"
  groups  = ["xsp", "farm_b"]
  ssh {
    port = 22
  }
}

# The same server as xsp2: its port in the ssh block.
host "xsp2b" {
  address = "10.1.0.12"
  type    = "xsp"
  ssh {
    port = 2202
  }
}

# Not a duplicate: another port.
host "xsp3" {
  address = "10.1.0.11:2203"
  type    = "xsp"
}

# Not a duplicate: the same private address behind another jump host.
host "xsp4" {
  address = "10.1.0.11"
  type    = "xsp"
  ssh {
    jump = "ops@bastion-b.example.net:22"
  }
}
