host "xsp1" {
  address = "10.1.0.99"
  type    = "xsp"
}
