"""Rearrangement (Pathak et al. 2018, section 6.3): segment the current scene and a goal
image, describe every segment by a tight crop's ImageNet feature, its colour and its size,
match the segments one to one, and plan pick-and-place moves until each object lies
within a tolerance of its goal.

segmenters: the model, the baselines or (measuring only) ground truth, by name; segments:
which proposals count as objects on the table; features: per-segment descriptors;
assignment: the Hungarian method; matching: similarities and one-to-one matches;
planning: object errors, the next move, the retried grasp; controller: the episode loop
over any segmenter and any way of acting; goals: checks before anything moves, and
snapshotted goals; params: the rearrangement node's parameters; report: the demo's
report."""
