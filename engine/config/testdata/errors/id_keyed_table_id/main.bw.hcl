table "scheduler" {
  hosts = group.all
  path  = "Maintenance/Scheduler"
  row {
    id        = 1
    name      = "backup"
    frequency = "day"
    day       = "sunday"
    hour      = 3
    minute    = 0
  }
  row {
    name = "cleanup"
    hour = 4
  }
}
