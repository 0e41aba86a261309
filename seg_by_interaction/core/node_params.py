"""Validation of node parameter files by the dataclasses the nodes declare their
parameters from (core/wiring.py names which one checks which node).

A node parameter file has the standard ROS 2 layout that launch files pass to nodes:

    camera_node:
      ros__parameters:
        folder: /data/run1
"""
from __future__ import annotations

import pathlib

from seg_by_interaction.core.registry import resolve
from seg_by_interaction.core.validated import ConfigError, from_dict
from seg_by_interaction.core.wiring import node_locations

# Parameters every rclpy node carries besides its own.
BUILTIN_PARAMETERS = ("use_sim_time", "start_type_description_service")


def params_class(node_name: str) -> type:
    try:
        return resolve(node_locations("params_class"), node_name, "node")
    except KeyError as error:
        raise ConfigError(error.args[0]) from None


def check_node_parameters(path: pathlib.Path, data: dict) -> str:
    """Validate a ROS 2 parameter file's sections, one per node; returns a one-line
    summary."""
    checked = [_check_node_section(path, name, section) for name, section in data.items()]
    return f"parameters for {', '.join(checked)}"


def _check_node_section(path: pathlib.Path, name: str, section) -> str:
    where = f"{path.name}: {name}"
    if not isinstance(section, dict) or set(section) != {"ros__parameters"}:
        raise ConfigError(f"{where}: expected exactly one key, 'ros__parameters'")
    values = section["ros__parameters"] or {}
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: 'ros__parameters' must be a mapping of names to values")
    values = dict(values)
    for builtin in BUILTIN_PARAMETERS:
        values.pop(builtin, None)
    if name == "/**":
        if values:
            raise ConfigError(f"{where}: the '/**' section may only set {list(BUILTIN_PARAMETERS)}")
        return name
    from_dict(params_class(name.rsplit("/", 1)[-1]), values, where=where)
    return name
