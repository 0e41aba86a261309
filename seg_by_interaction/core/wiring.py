"""The package's nodes, and how the self-supervised loop wires them for one run.

NODES is the one table of the nodes. A node is the module seg_by_interaction/nodes/<name>.py,
installed as the executable lib/seg_by_interaction/<name> (CMakeLists.txt finds the
modules); the table names its node class and the dataclass that declares and checks its
parameters, as "module:attribute" strings imported only when used, so that checking a
parameter file needs no rclpy.

`loop_wiring` gives the loop's nodes for one run with the parameter files and values each
starts with; `rearrange_wiring` likewise the rearrangement demo's (`sbi rearrange`, `sbi
bench rearrange`, launch/rearrange.launch.py). `sbi collect` (composed in one process), the speed benchmark and the
end-to-end test (separate processes) and launch/sim_collect.launch.py all start the loop
from it.
"""
from __future__ import annotations

import dataclasses
import pathlib
import typing

from seg_by_interaction.core.robot_config import config_dir
from seg_by_interaction.core.validated import ConfigError


class NodeEntry(typing.NamedTuple):
    node_class: str
    params_class: str


NODES = {
    "camera_node": NodeEntry("seg_by_interaction.nodes.camera_node:CameraNode",
                             "seg_by_interaction.core.camera.sources:CameraNodeParams"),
    "world_node": NodeEntry("seg_by_interaction.nodes.world_node:WorldNode",
                            "seg_by_interaction.core.world.params:WorldParams"),
    "hypothesis_server": NodeEntry(
        "seg_by_interaction.nodes.hypothesis_server:HypothesisServer",
        "seg_by_interaction.core.hypotheses.proposer:HypothesisServerParams"),
    "interaction_executor": NodeEntry(
        "seg_by_interaction.nodes.interaction_executor:InteractionExecutor",
        "seg_by_interaction.core.interaction.executor:ExecutorParams"),
    "mask_labeler": NodeEntry("seg_by_interaction.nodes.mask_labeler:MaskLabeler",
                              "seg_by_interaction.core.labelers.labeling:LabelerNodeParams"),
    "online_trainer": NodeEntry("seg_by_interaction.nodes.online_trainer:OnlineTrainer",
                                "seg_by_interaction.core.training.online:OnlineTrainerParams"),
    "collector": NodeEntry("seg_by_interaction.nodes.collector:Collector",
                           "seg_by_interaction.core.interaction.collection:CollectorParams"),
    "rearrangement": NodeEntry("seg_by_interaction.nodes.rearrangement:Rearrangement",
                               "seg_by_interaction.core.rearrangement.params:RearrangementParams"),
}


def node_locations(role: str) -> dict[str, str]:
    """Node name -> "module:attribute" of its `role` ("node_class" or "params_class")."""
    return {name: getattr(entry, role) for name, entry in NODES.items()}


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoopRun:
    """What one run of the loop fixes on top of the config files."""
    run_dir: pathlib.Path
    interactions: int
    robot: str = "sawyer"
    seed: int = 0
    loss: str = "rsl"
    first_model_after: int | None = None     # None: config/collect.yaml's
    params_files: tuple[str, ...] = ()       # applied after config/collect.yaml
    overrides: tuple[str, ...] = ()          # NODE:NAME:=VALUE, applied last


@dataclasses.dataclass(frozen=True)
class LoopWiring:
    """Every node reads `params_files` in order (each its own sections), then its own
    values; a string value is read as ROS reads `-p NAME:=VALUE` text."""
    params_files: tuple[str, ...]
    parameters: dict[str, dict[str, typing.Any]]     # node name, in start order -> values

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(self.parameters)


def loop_wiring(run: LoopRun) -> LoopWiring:
    """The loop's nodes for `run`: the world's and the loop's config files, then what the
    run fixes, then the run's overrides."""
    files = (str(config_dir() / "sim_world.yaml"), str(config_dir() / "collect.yaml"),
             *run.params_files)
    return LoopWiring(files, _overridden(_run_parameters(run), run.overrides))


@dataclasses.dataclass(frozen=True, kw_only=True)
class RearrangeRun:
    """What one rearrangement demo fixes on top of the config files: the world (for `sbi
    rearrange`; on a real robot the drivers stand in its place), the executor and the
    rearrangement node."""
    robot: str = "sawyer"
    seed: int = 0
    split: str = "test"
    segmenter: str = "model"
    checkpoint: str = ""                     # '' = the rearrangement node's configured one
    ground_truth_frames: bool = False        # measurement in simulation only
    with_world: bool = True
    params_files: tuple[str, ...] = ()       # applied after config/rearrange.yaml
    overrides: tuple[str, ...] = ()          # NODE:NAME:=VALUE, applied last


def rearrange_wiring(run: RearrangeRun) -> LoopWiring:
    """The rearrangement demo's nodes for `run`, read as loop_wiring reads a loop's."""
    files = (*((str(config_dir() / "sim_world.yaml"),) if run.with_world else ()),
             str(config_dir() / "rearrange.yaml"), *run.params_files)
    rearrangement = {"robot": run.robot, "segmenter": run.segmenter, "seed": run.seed,
                     "ground_truth_frames": run.ground_truth_frames}
    if run.checkpoint:
        rearrangement["checkpoint"] = run.checkpoint
    parameters = {
        **({"world_node": {"robot": run.robot, "seed": run.seed, "split": run.split}}
           if run.with_world else {}),
        "interaction_executor": {"robot": run.robot, "seed": run.seed},
        "rearrangement": rearrangement,
    }
    return LoopWiring(files, _overridden(parameters, run.overrides))


def _overridden(parameters: dict[str, dict[str, typing.Any]],
                overrides: tuple[str, ...]) -> dict[str, dict[str, typing.Any]]:
    for override in overrides:
        node, name, value = parse_override(override)
        if node not in parameters:
            raise ConfigError(f"'{override}': '{node}' is not one of the run's nodes "
                              f"{list(parameters)}")
        parameters[node][name] = value
    return parameters


def _run_parameters(run: LoopRun) -> dict[str, dict[str, typing.Any]]:
    run_dir = str(run.run_dir.resolve())
    trainer = {"run_dir": run_dir, "seed": run.seed, "training.mask_loss": run.loss}
    if run.first_model_after is not None:
        trainer["first_model_after"] = run.first_model_after
    return {
        "world_node": {"robot": run.robot, "seed": run.seed},
        "hypothesis_server": {"robot": run.robot, "checkpoint_dir": f"{run_dir}/checkpoints"},
        "interaction_executor": {"robot": run.robot, "run_dir": run_dir, "seed": run.seed,
                                 "record_ground_truth": True},
        "mask_labeler": {"run_dir": run_dir},
        "online_trainer": trainer,
        "collector": {"robot": run.robot, "run_dir": run_dir, "seed": run.seed,
                      "interactions": run.interactions,
                      "reset_scene_service": "/world_node/reset_scene"},
    }


def parse_override(override: str) -> tuple[str, str, str]:
    """NODE:NAME:=VALUE -> (NODE, NAME, VALUE)."""
    node, _, assignment = override.partition(":")
    name, assigns, value = assignment.partition(":=")
    if not (node and name and assigns):
        raise ConfigError(f"--param wants NODE:NAME:=VALUE, got '{override}'")
    return node, name, value
