# A small mixed BroadWorks fleet for trying bwstate by hand:
#   bwstate lab serve examples/lab/lab.hcl
# CAPProxy is enabled everywhere, as on a fleet that has not yet applied
# the "disable CAP after the 22.0 upgrade" change. On 22.0 and later that
# keeps a bwOpenClientServerASConnFailed alarm raised until CAPProxy is
# disabled and OpenClientServer restarted.

sim_host "xsp1" {
  listen        = "127.0.0.1:2201"
  type          = "xsp"
  release       = "Rel_21.0_1.1123"
  restart_delay = "1s"
  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "NOC"
    }
  }
}

sim_host "xsp2" {
  listen        = "127.0.0.1:2202"
  type          = "xsp"
  release       = "Rel_22.0_1.1123"
  restart_delay = "1s"
  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "NOC"
    }
  }
}

sim_host "xsp3" {
  listen        = "127.0.0.1:2203"
  type          = "xsp"
  release       = "Rel_24.0_1.944"
  patches       = ["AP.xsp.24.0.944.ap378111"]
  restart_delay = "1s"
  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
  table "System/ManagementAccessList" {
    row {
      host        = "10.9.0.5"
      description = "NOC"
    }
    row {
      host        = "10.9.0.6"
      description = "Backup NOC"
    }
  }
}

sim_host "adp1" {
  listen        = "127.0.0.1:2204"
  type          = "adp"
  release       = "Rel_2022.11_1.273"
  restart_delay = "1s"
  context "Applications/OpenClientServer/CAPProxy" {
    enabled = true
  }
}

sim_host "as1" {
  listen        = "127.0.0.1:2205"
  type          = "as"
  release       = "Rel_24.0_1.944"
  restart_delay = "1s"
  table "System/NetworkAccessLists/OCI/Provisioning" {
    row {
      address     = "10.20.0.10"
      description = "OSS"
    }
  }
}

sim_host "as2" {
  listen        = "127.0.0.1:2206"
  type          = "as"
  release       = "Rel_24.0_1.944"
  restart_delay = "1s"
  table "System/NetworkAccessLists/OCI/Provisioning" {
    row {
      address     = "10.20.0.10"
      description = "OSS"
    }
  }
}
