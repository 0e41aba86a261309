"""Benchmarks: measured figures with the command that made them, kept under benchmarks/."""
