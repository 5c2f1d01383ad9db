# Raise the OCI proxy's message queue on every XSP. messageQueueCapacity
# only takes effect when OpenClientServer restarts, so this one attribute is
# a restart on every XSP: the rollout below decides how many go at once.
context "oci_queue" {
  hosts = group.xsp
  path  = "Applications/OpenClientServer/OCIProxy"
  set {
    messageQueueCapacity = 200 # default 50; range 10-10000
  }
}

rollout {
  # At most two hosts restart at once...
  batch_size = 2
  # ...but never two of one farm: xsp1 and xsp2 (farm_a) always restart in
  # different batches, so one of them keeps serving clients.
  spread_groups = ["farm_a", "farm_b"]
  max_per_group = 1
  # A host whose OpenClientServer is not running again and healthy
  # (healthmon -l) within this time fails...
  health_timeout = "2m"
  # ...and with no failure tolerated, no further batch starts.
  max_failures = 0
  restart      = "now"
}
