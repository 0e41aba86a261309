"""Rearrangement (Pathak et al. 2018, section 6.3): segment the current scene and a goal
image, describe every segment by a tight crop's ImageNet feature, its colour and its size,
match the segments one to one, and plan pick-and-place moves until each object lies
within a tolerance of its place in the goal.

segments: which proposals count as objects on the table; features: per-segment
descriptors; assignment: the Hungarian method; matching: similarities and the one-to-one
matches; planning: object errors and the next move; controller: the episode loop over
any segmenter and any way of acting; goals: checking a goal before anything moves."""
