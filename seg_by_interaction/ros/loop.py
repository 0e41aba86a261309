"""The self-supervised loop's wiring: which nodes it is made of and the parameters each
gets for one run (robot, run directory, seed, budget, loss), for `sbi collect` and the
speed benchmark."""
from __future__ import annotations

import dataclasses
import os
import pathlib

from seg_by_interaction.core.robot_config import config_dir
from seg_by_interaction.ros.parameters import ros_arguments

LOOP_NODES = ("world_node", "hypothesis_server", "interaction_executor", "mask_labeler",
              "online_trainer", "collector")
DRAIN_TIMEOUT_S = 120.0
# Callbacks that wait on other nodes' answers (the executor on the world's motions) hold
# an executor thread each; a few more than the nodes keep every node responsive.
EXECUTOR_THREADS = 12
# Domains for runs that name none (the tests' isolated graphs use 1..101).
PRIVATE_DOMAINS = range(150, 230)


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


def loop_arguments(run: LoopRun) -> list[str]:
    """ROS arguments for the loop's nodes: the config files, then what the run fixes."""
    run_dir = str(run.run_dir.resolve())
    overrides = [
        f"world_node:robot:={run.robot}", f"world_node:seed:={run.seed}",
        f"hypothesis_server:robot:={run.robot}",
        f"hypothesis_server:checkpoint_dir:={run_dir}/checkpoints",
        f"interaction_executor:robot:={run.robot}", f"interaction_executor:run_dir:={run_dir}",
        f"interaction_executor:seed:={run.seed}", "interaction_executor:record_ground_truth:=true",
        f"mask_labeler:run_dir:={run_dir}",
        f"online_trainer:run_dir:={run_dir}", f"online_trainer:seed:={run.seed}",
        f"online_trainer:training.mask_loss:={run.loss}",
        f"collector:robot:={run.robot}", f"collector:run_dir:={run_dir}", f"collector:seed:={run.seed}",
        f"collector:interactions:={run.interactions}",
        "collector:reset_scene_service:=/world_node/reset_scene",
    ]
    if run.first_model_after is not None:
        overrides.append(f"online_trainer:first_model_after:={run.first_model_after}")
    files = [str(config_dir() / "sim_world.yaml"), str(config_dir() / "collect.yaml"), *run.params_files]
    return ros_arguments(files, overrides + list(run.overrides))


def use_private_domain() -> int:
    """The composed nodes answer each other by service and action names; two runs on one
    machine in the same ROS domain would answer each other's requests. Unless
    ROS_DOMAIN_ID is set, a run gets a domain of its own (printed, to attach tools)."""
    if "ROS_DOMAIN_ID" not in os.environ:
        os.environ["ROS_DOMAIN_ID"] = str(PRIVATE_DOMAINS[os.getpid() % len(PRIVATE_DOMAINS)])
        print(f"ROS_DOMAIN_ID={os.environ['ROS_DOMAIN_ID']} (set ROS_DOMAIN_ID to choose)")
    return int(os.environ["ROS_DOMAIN_ID"])
