context "accounting" {
  hosts   = ["as1"]
  path    = "Interface/Accounting/FieldIdMapping"
  restart = "ExecutionServer; reboot"
  set {
    callingPartyNumber = 12
  }
}
