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


# The node whose end (its budget spent) ends a launched run.
BUDGET_NODE = "collector"
# Seconds launch waits after SIGINT before SIGTERM: above the nodes' own grace
# (ros/node_main.py INTERRUPT_GRACE_S) and the trainer's final checkpoint.
SIGTERM_TIMEOUT_S = 30


class NodeEntry(typing.NamedTuple):
    node_class: str
    params_class: str


NODES = {
    "camera_node": NodeEntry("seg_by_interaction.nodes.camera_node:CameraNode",
                             "seg_by_interaction.core.camera.sources:CameraNodeParams"),
    "world_node": NodeEntry("seg_by_interaction.nodes.world_node:WorldNode",
                            "seg_by_interaction.core.world.params:WorldParams"),
    "motion_server": NodeEntry("seg_by_interaction.nodes.motion_server:MotionServer",
                               "seg_by_interaction.core.interaction.motion_server:"
                               "MotionServerParams"),
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
    simulated: bool = True                   # False: a real arm, no world node
    moveit_config: str = ""                  # a real arm's MoveIt config package ('' = embedded)
    exit_when_finished: bool = False         # the collector's process ends after the budget


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
    """The loop's nodes for `run`: the world's (in simulation), the motion server's and the
    loop's config files, then what the run fixes, then the run's overrides. In simulation
    the world plays the arm's hardware behind its ros2_control interfaces and the motion
    server drives them with the embedded backend, as on a real ros2_control arm; every
    node but the world (the clock's source) runs on its simulated time."""
    world_files = (str(config_dir() / "sim_world.yaml"),) if run.simulated else ()
    files = (*world_files, str(config_dir() / "motion_server.yaml"),
             str(config_dir() / "collect.yaml"), *run.params_files)
    parameters = _run_parameters(run) if run.simulated else _robot_parameters(run)
    parameters[BUDGET_NODE]["exit_when_finished"] = run.exit_when_finished
    return LoopWiring(files, _overridden(parameters, run.overrides))


@dataclasses.dataclass(frozen=True, kw_only=True)
class RearrangeRun:
    """What one rearrangement demo fixes on top of the config files: the world (for `sbi
    rearrange`; on a real robot the drivers stand in its place), the motion server, the
    executor and the rearrangement node."""
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
             str(config_dir() / "motion_server.yaml"), str(config_dir() / "rearrange.yaml"),
             *run.params_files)
    rearrangement = {"robot": run.robot, "segmenter": run.segmenter, "seed": run.seed,
                     "ground_truth_frames": run.ground_truth_frames}
    if run.checkpoint:
        rearrangement["checkpoint"] = run.checkpoint
    nodes = {"motion_server": {"robot": run.robot, "seed": run.seed, "backend": "embedded"},
             "interaction_executor": {"robot": run.robot, "seed": run.seed},
             "rearrangement": rearrangement}
    if run.with_world:
        for values in nodes.values():
            values["use_sim_time"] = True
        nodes["interaction_executor"]["require_arming"] = False
        nodes = {"world_node": {"robot": run.robot, "seed": run.seed, "split": run.split},
                 **nodes}
    return LoopWiring(files, _overridden(nodes, run.overrides))


@dataclasses.dataclass(frozen=True, kw_only=True)
class SingulateRun:
    """What one singulation benchmark run fixes on top of the config files: the world, the
    motion server, the hypothesis server (its model, or a baseline by name) and the
    executor, which serves ~/singulate."""
    robot: str = "sawyer"
    seed: int = 0
    layout: str = "touching"
    checkpoint: str = ""                     # '' = the hypothesis server's bootstrap method
    bootstrap_method: str = "bottom_up"
    overrides: tuple[str, ...] = ()          # NODE:NAME:=VALUE, applied last


SEGMENT_TIMEOUT_S = 300.0


def singulate_wiring(run: SingulateRun) -> LoopWiring:
    """The simulated graph `sbi bench singulate` composes, read as loop_wiring reads a
    loop's."""
    files = (str(config_dir() / "sim_world.yaml"), str(config_dir() / "motion_server.yaml"))
    # the bottom-up baseline took up to 2.5 min per image on this loaded machine
    hypotheses = {"robot": run.robot, "bootstrap_method": run.bootstrap_method,
                  "publish_overlay": False, "segment_timeout_s": SEGMENT_TIMEOUT_S}
    if run.checkpoint:
        hypotheses["checkpoint"] = run.checkpoint
    nodes = {"motion_server": {"robot": run.robot, "seed": run.seed, "backend": "embedded"},
             "hypothesis_server": hypotheses,
             "interaction_executor": {"robot": run.robot, "seed": run.seed,
                                      "require_arming": False,
                                      "segment_timeout_s": SEGMENT_TIMEOUT_S + 10}}
    for values in nodes.values():     # the world is the clock's source
        values["use_sim_time"] = True
    world = {"robot": run.robot, "seed": run.seed, "split": "test", "arena.layout": run.layout}
    return LoopWiring(files, _overridden({"world_node": world, **nodes}, run.overrides))


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
    """The simulated graph: the world, then the real arm's nodes on simulated time."""
    nodes = _robot_parameters(run)
    for values in nodes.values():
        values["use_sim_time"] = True
    nodes["interaction_executor"].update(record_ground_truth=True, require_arming=False)
    nodes["collector"]["reset_scene_service"] = "/world_node/reset_scene"
    return {"world_node": {"robot": run.robot, "seed": run.seed}, **nodes}


def _robot_parameters(run: LoopRun) -> dict[str, dict[str, typing.Any]]:
    """A real arm's graph: the motion server and the loop's nodes."""
    run_dir = str(run.run_dir.resolve())
    trainer = {"run_dir": run_dir, "seed": run.seed, "training.mask_loss": run.loss}
    if run.first_model_after is not None:
        trainer["first_model_after"] = run.first_model_after
    motion = {"robot": run.robot, "seed": run.seed, "backend": "embedded"}
    if run.moveit_config:
        motion.update({"backend": "moveit", "moveit.moveit_config_package": run.moveit_config})
    return {
        "motion_server": motion,
        "hypothesis_server": {"robot": run.robot, "checkpoint_dir": f"{run_dir}/checkpoints"},
        "interaction_executor": {"robot": run.robot, "run_dir": run_dir, "seed": run.seed},
        "mask_labeler": {"run_dir": run_dir},
        "online_trainer": trainer,
        "collector": {"robot": run.robot, "run_dir": run_dir, "seed": run.seed,
                      "interactions": run.interactions},
    }


def parse_override(override: str) -> tuple[str, str, str]:
    """NODE:NAME:=VALUE -> (NODE, NAME, VALUE)."""
    node, _, assignment = override.partition(":")
    name, assigns, value = assignment.partition(":=")
    if not (node and name and assigns):
        raise ConfigError(f"--param wants NODE:NAME:=VALUE, got '{override}'")
    return node, name, value
