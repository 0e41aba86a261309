"""The class-agnostic segmentation network (Pathak et al. 2018, §4.1: a DeepMask-style
score branch and mask branch on a ResNet-18 trunk), its dense multi-scale evaluation,
and its checkpoints."""
