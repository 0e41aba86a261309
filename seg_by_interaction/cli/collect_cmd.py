"""`sbi collect`: the self-supervised loop on the simulated world, every node composed in
one process with a multi-threaded executor (launch/sim_collect.launch.py starts the same
nodes as separate processes where `ros2 launch` exists). Re-running with the same --out
resumes: recorded interactions count toward the budget, the memory bank and the newest
checkpoint are reloaded."""
from __future__ import annotations

import argparse
import os
import pathlib
import time

LOOP_NODES = ("world_node", "hypothesis_server", "interaction_executor", "mask_labeler",
              "online_trainer", "collector")
DRAIN_TIMEOUT_S = 120.0
# Callbacks that wait on other nodes' answers (the executor on the world's motions) hold
# an executor thread each; a few more than the nodes keep every node responsive.
EXECUTOR_THREADS = 12
# Domains for runs that name none (the tests' isolated graphs use 1..101).
PRIVATE_DOMAINS = range(150, 230)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "collect", help="collect interactions, label them and train online, in the simulated world")
    parser.add_argument("--robot", default="sawyer", help="robot config name or path")
    parser.add_argument("--interactions", type=int, required=True, help="budget (sweeps not counted)")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="run directory")
    parser.add_argument("--loss", choices=("ce", "rsl"), default="rsl", help="mask loss")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-model-after", type=int, default=None,
                        help="interactions before the first model (default: config/collect.yaml)")
    parser.add_argument("--params-file", action="append", default=[], metavar="YAML",
                        help="more ROS 2 parameter files, applied after config/collect.yaml")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE:NAME:=VALUE",
                        help="one parameter override")
    parser.set_defaults(func=collect)


def loop_arguments(args: argparse.Namespace) -> list[str]:
    """ROS arguments for the composed loop: the config files, then what the command line
    fixes for this run."""
    from seg_by_interaction.cli.run_cmd import ros_arguments
    from seg_by_interaction.core.robot_config import config_dir

    run_dir = str(args.out.resolve())
    overrides = [
        f"world_node:robot:={args.robot}", f"world_node:seed:={args.seed}",
        f"hypothesis_server:robot:={args.robot}",
        f"hypothesis_server:checkpoint_dir:={run_dir}/checkpoints",
        f"interaction_executor:robot:={args.robot}", f"interaction_executor:run_dir:={run_dir}",
        f"interaction_executor:seed:={args.seed}", "interaction_executor:record_ground_truth:=true",
        f"mask_labeler:run_dir:={run_dir}",
        f"online_trainer:run_dir:={run_dir}", f"online_trainer:seed:={args.seed}",
        f"online_trainer:training.mask_loss:={args.loss}",
        f"collector:robot:={args.robot}", f"collector:run_dir:={run_dir}", f"collector:seed:={args.seed}",
        f"collector:interactions:={args.interactions}",
        "collector:reset_scene_service:=/world_node/reset_scene",
    ]
    if args.first_model_after is not None:
        overrides.append(f"online_trainer:first_model_after:={args.first_model_after}")
    files = [str(config_dir() / "sim_world.yaml"), str(config_dir() / "collect.yaml"), *args.params_file]
    return ros_arguments(files, overrides + args.param)


def use_private_domain() -> int:
    """The composed nodes answer each other by service and action names; two runs on one
    machine in the same ROS domain would answer each other's requests. Unless
    ROS_DOMAIN_ID is set, a run gets a domain of its own (printed, to attach tools)."""
    if "ROS_DOMAIN_ID" not in os.environ:
        os.environ["ROS_DOMAIN_ID"] = str(PRIVATE_DOMAINS[os.getpid() % len(PRIVATE_DOMAINS)])
        print(f"ROS_DOMAIN_ID={os.environ['ROS_DOMAIN_ID']} (set ROS_DOMAIN_ID to choose)")
    return int(os.environ["ROS_DOMAIN_ID"])


def collect(args: argparse.Namespace) -> int:
    from rclpy.executors import ExternalShutdownException

    from seg_by_interaction.cli.provenance import provenance
    from seg_by_interaction.core.run_store import RunStore
    from seg_by_interaction.nodes import node_class
    from seg_by_interaction.ros.node_main import STARTUP_ERRORS, composed

    domain = use_private_domain()
    RunStore(args.out).write_run_info({**provenance(), "robot": args.robot, "seed": args.seed,
                                       "loss": args.loss, "interactions": args.interactions,
                                       "ros_domain_id": domain})
    try:
        with composed([node_class(n) for n in LOOP_NODES], loop_arguments(args),
                      EXECUTOR_THREADS) as nodes:
            nodes_by_name = dict(zip(LOOP_NODES, nodes))
            _follow(nodes_by_name["collector"])
            _drain(nodes_by_name)
    except STARTUP_ERRORS as error:
        print(f"error: {error}")
        return 2
    except (KeyboardInterrupt, ExternalShutdownException):
        print(f"interrupted; run the same command again to resume in {args.out}")
        return 130
    print(f"run directory: {args.out}")
    return 0


def _follow(collector) -> None:
    """A progress bar until the collector has spent its budget."""
    from tqdm import tqdm

    schedule = collector.schedule
    with tqdm(total=collector.params.interactions, initial=schedule.done, unit="interaction",
              desc="collecting") as bar:
        while not collector.finished.wait(0.5):
            bar.update(schedule.done - bar.n)
            bar.set_postfix_str(collector.last_result[:40])
        bar.update(schedule.done - bar.n)


def _drain(nodes: dict) -> None:
    """Let the labeler finish the last records and the trainer write its final checkpoint."""
    collector, labeler = nodes["collector"], nodes["mask_labeler"]
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while labeler.processed < collector.published and time.monotonic() < deadline:
        time.sleep(0.2)
    nodes["online_trainer"].finish()
