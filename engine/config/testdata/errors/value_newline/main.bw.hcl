table "management_access" {
  hosts = group.all
  path  = "System/ManagementAccessList"
  row {
    host        = "10.9.0.5"
    description = <<-TEXT
      NOC
      second line
    TEXT
  }
}
