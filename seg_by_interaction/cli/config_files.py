"""Validation of any of the project's YAML files, told apart by their top-level key: a
robot config, a benchmark plan or a ROS 2 node parameter file."""
from __future__ import annotations

import pathlib

import yaml

from seg_by_interaction.core.validated import ConfigError


def check_config_file(path: str | pathlib.Path) -> str:
    """Validate a robot config, a node parameter file or a benchmark plan; returns a
    one-line summary."""
    from seg_by_interaction.core.node_params import check_node_parameters
    from seg_by_interaction.core.robot_config import load_robot_config

    path = pathlib.Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: {error}") from error
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{path}: expected a mapping of robot, bench or node sections")
    if "robot" in data:
        return f"robot config '{load_robot_config(str(path)).name}'"
    if "bench" in data:
        from seg_by_interaction.benchmarks.paper_plan import load_bench_config
        return f"benchmark plan on '{load_bench_config(path).robot}'"
    return check_node_parameters(path, data)
