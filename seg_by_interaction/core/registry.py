"""Name -> "module:attribute" tables, imported only when a name is used (so that, e.g.,
`sbi --help` or checking a config does not import torch, PyBullet or rclpy)."""
from __future__ import annotations

import importlib


def resolve(table: dict[str, str], name: str, kind: str):
    """The attribute `table[name]` points to; KeyError naming the choices otherwise."""
    if name not in table:
        raise KeyError(f"unknown {kind} '{name}'; available: {sorted(table)}")
    module, attribute = table[name].split(":")
    return getattr(importlib.import_module(module), attribute)
