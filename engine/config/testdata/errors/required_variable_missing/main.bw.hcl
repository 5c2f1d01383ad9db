variable "snmp_community" {
  type      = string
  sensitive = true
}
