variable "batch" {
  type    = number
  default = 1

  validation {
    condition     = var.batch >= 1 && var.batch <= 10
    error_message = "batch must be between 1 and 10."
  }
}
