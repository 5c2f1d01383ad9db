rollout {
  batch_size = "150%"
  restart    = "now"
}
