locals {
  a = local.b
  b = "${local.c}-x"
}

locals {
  c = upper(local.a)
  d = "fine"
}
