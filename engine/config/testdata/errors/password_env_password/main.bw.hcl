ssh {
  user         = "bwadmin"
  password_env = "Hunter2!secret"
}
