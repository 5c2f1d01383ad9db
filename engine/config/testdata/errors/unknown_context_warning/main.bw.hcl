context "accounting" {
  hosts   = ["as1"]
  path    = "Interface/Accounting/FieldIdMapping"
  restart = "ExecutionServer"
  set {
    callingPartyNumber = 12
  }
}
