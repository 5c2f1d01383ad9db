host "xsp1" {
  address = "10.1.0.11"
  type    = "xsp"
  groups  = ["xsp"]
}

host "xsp2" {
  address = "10.1.0.12"
  type    = "xsp"
  groups  = ["xsp"]
}

host "as1" {
  address = "10.1.0.21"
  type    = "as"
  groups  = ["as"]
}
