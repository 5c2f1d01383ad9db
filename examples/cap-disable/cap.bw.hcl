# Cisco tech note: "CAP needs to be disabled after the 22.0 upgrade on all
# servers". CAP was removed in release 22.0; a CAPProxy left enabled keeps
# raising bwOpenClientServerASConnFailed. Disabling it needs a restart of
# OpenClientServer, which bwstate derives from its catalogue.
context "cap_proxy_off" {
  hosts = concat(group.xsp, group.adp)
  when  = host.release >= 22
  path  = "Applications/OpenClientServer/CAPProxy"
  set {
    enabled = false
  }
}
