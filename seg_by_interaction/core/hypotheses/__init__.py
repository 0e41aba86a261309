"""Object hypotheses: what the loop may act on, from the learned model or a baseline, with grasps."""
