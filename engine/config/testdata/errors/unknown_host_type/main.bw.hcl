host "xs1" {
  address = "10.1.0.31"
  type    = "xps"
}
