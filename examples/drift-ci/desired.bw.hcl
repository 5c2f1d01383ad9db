# The agreed state of the fleet. The drift job plans it on a schedule: a
# plan with changes means someone changed a server by hand, or a change in
# this repository was merged but never applied.

# CAP was removed in release 22.0 (Cisco tech note: "CAP needs to be
# disabled after the 22.0 upgrade on all servers").
context "cap_proxy_off" {
  hosts = concat(group.xsp, group.adp)
  when  = host.release >= 22
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
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
}

# A failed check fails the drift job too (plan -detailed-exitcode exits 1).
check "supported_release" {
  hosts = group.all
  assert {
    condition     = host.release >= 21
    error_message = "${host.name} runs ${host.release_string}, older than the oldest release this fleet supports (21.0)"
  }
}
