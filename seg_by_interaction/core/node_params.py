"""Which parameter dataclass checks which node, and validation of whole YAML files.

A node parameter file has the standard ROS 2 layout that launch files pass to nodes:

    camera_node:
      ros__parameters:
        folder: /data/run1
"""
from __future__ import annotations

import pathlib

import yaml

from seg_by_interaction.core.registry import resolve
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.validated import ConfigError, from_dict

NODE_PARAMS = {
    "camera_node": "seg_by_interaction.core.camera_sources:CameraNodeParams",
    "world_node": "seg_by_interaction.core.world.params:WorldParams",
    "hypothesis_server": "seg_by_interaction.core.proposer:HypothesisServerParams",
    "interaction_executor": "seg_by_interaction.core.interaction:ExecutorParams",
    "mask_labeler": "seg_by_interaction.core.labeling:LabelerNodeParams",
    "online_trainer": "seg_by_interaction.core.online_training:OnlineTrainerParams",
    "collector": "seg_by_interaction.core.collection:CollectorParams",
}
# Parameters every rclpy node carries besides its own.
BUILTIN_PARAMETERS = ("use_sim_time", "start_type_description_service")


def params_class(node_name: str) -> type:
    try:
        return resolve(NODE_PARAMS, node_name, "node")
    except KeyError as error:
        raise ConfigError(error.args[0]) from None


def check_config_file(path: str | pathlib.Path) -> str:
    """Validate a robot config, a node parameter file or a benchmark plan; returns a
    one-line summary."""
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
