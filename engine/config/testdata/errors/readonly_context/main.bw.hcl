table "alarms" {
  hosts = group.all
  path  = "Monitoring/Alarm/AlarmsTable"
}
