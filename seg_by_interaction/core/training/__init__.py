"""Learning from labels: memory bank, losses, training steps, the online trainer."""
