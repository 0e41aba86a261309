"""Measuring: COCO AP, hypothesis recall, label quality, run reports, the guarded ground-truth oracle."""
