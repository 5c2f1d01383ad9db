rollout {
  batch_size    = 2
  spread_groups = ["xsp", "farm_a"]
  max_per_group = 0
}
