# Cisco tech note 220570: add backup day saturday 4 3, add tech-support
# daily 4 33, add cpuMon minute 5, add healthmon minute 30 1.
table "scheduler" {
  hosts = group.all
  path  = "Maintenance/Scheduler"
  row {
    name      = "backup"
    frequency = "day"
    hour      = 4
    minute    = 3
  }
  row {
    name      = "tech-support"
    frequency = "daily"
    day       = "monday"
    hour      = 4
    minute    = 33
  }
  row {
    name      = "healthmon"
    frequency = "minute"
    minute    = 30
    offset    = 1
  }
}
