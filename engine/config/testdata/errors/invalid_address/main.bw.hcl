host "xsp3" {
  address = "10.1.0.13:99999"
  type    = "xsp"
}

host "xsp4" {
  address = "10.1.0.14 xsp4"
  type    = "xsp"
}
