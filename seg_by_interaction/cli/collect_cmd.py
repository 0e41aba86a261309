"""`sbi collect`: the self-supervised loop on the simulated world, every node composed in
one process with a multi-threaded executor, or with --processes each node in its own
process, as launch/sim_collect.launch.py starts them where `ros2 launch` exists (each
with its own log, and a node's failure does not take the others down). Re-running
with the same --out resumes: recorded interactions count toward the budget, the memory
bank and the newest checkpoint are reloaded."""
from __future__ import annotations

import argparse
import pathlib
import signal
import time

from seg_by_interaction.core.training import MASK_LOSSES

POLL_S = 1.0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "collect", help="collect interactions, label them and train online, in the simulated world")
    parser.add_argument("--robot", default="sawyer", help="robot config name or path")
    parser.add_argument("--interactions", type=int, required=True, help="budget (sweeps not counted)")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="run directory")
    parser.add_argument("--loss", choices=MASK_LOSSES.names(), default="rsl", help="mask loss")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-model-after", type=int, default=None,
                        help="interactions before the first model (default: config/collect.yaml)")
    parser.add_argument("--params-file", action="append", default=[], metavar="YAML",
                        help="more ROS 2 parameter files, applied after config/collect.yaml")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="NODE:NAME:=VALUE",
                        help="one parameter override")
    parser.add_argument("--processes", action="store_true",
                        help="each node in its own process (logs in OUT/logs) instead of all "
                             "composed in one")
    parser.set_defaults(func=collect)


def collect(args: argparse.Namespace) -> int:
    from rclpy.executors import ExternalShutdownException

    from seg_by_interaction.core.provenance import provenance
    from seg_by_interaction.core.run_store import RunStore
    from seg_by_interaction.core.wiring import loop_wiring
    from seg_by_interaction.nodes import node_class
    from seg_by_interaction.ros.loop import EXECUTOR_THREADS, loop_arguments, use_private_domain
    from seg_by_interaction.ros.node_main import STARTUP_ERRORS, composed

    domain = use_private_domain()
    try:
        RunStore(args.out).write_run_info({**provenance(), "robot": args.robot, "seed": args.seed,
                                           "loss": args.loss, "interactions": args.interactions,
                                           "ros_domain_id": domain})
        wiring = loop_wiring(loop_run(args))
        if args.processes:
            return _collect_in_processes(wiring, args.out, args.interactions)
        with composed([node_class(n) for n in wiring.nodes], loop_arguments(wiring),
                      EXECUTOR_THREADS) as nodes:
            nodes_by_name = dict(zip(wiring.nodes, nodes))
            _follow(nodes_by_name["collector"])
            _drain(nodes_by_name)
            stopped_by = nodes_by_name["collector"].error
    except STARTUP_ERRORS as error:
        print(f"error: {error}")
        return 2
    except (KeyboardInterrupt, ExternalShutdownException):
        print(f"interrupted; run the same command again to resume in {args.out}")
        return 130
    if stopped_by:
        print(f"error: collection stopped: {stopped_by}; run the same command again to resume "
              f"in {args.out}")
        return 1
    print(f"run directory: {args.out}")
    return 0


def loop_run(args: argparse.Namespace):
    from seg_by_interaction.core.wiring import LoopRun

    return LoopRun(run_dir=args.out, interactions=args.interactions, robot=args.robot,
                   seed=args.seed, loss=args.loss, first_model_after=args.first_model_after,
                   params_files=tuple(args.params_file), overrides=tuple(args.param),
                   exit_when_finished=args.processes)


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


def _collect_in_processes(wiring, run_dir: pathlib.Path, budget: int) -> int:
    """The nodes as separate processes until the budget is recorded and labelled; then all
    are stopped as Ctrl-C stops them under `ros2 launch` (the trainer writes its final
    checkpoint)."""
    from seg_by_interaction.core.run_store import RunStore
    from seg_by_interaction.core.wiring import BUDGET_NODE
    from seg_by_interaction.ros.loop import loop_commands
    from seg_by_interaction.ros.node_processes import node_processes

    store = RunStore(run_dir)
    for hang_up in (signal.SIGTERM, signal.SIGHUP):    # stop the nodes as Ctrl-C does
        signal.signal(hang_up, signal.default_int_handler)
    with node_processes(None, run_dir / "logs") as start:
        try:
            others = {node: start(node, command)
                      for node, command in loop_commands(wiring).items()}
            collector = others.pop(BUDGET_NODE)
            exited = (_follow_store(store, budget, collector, others)
                      or _drain_store(store, others) or _exited(others))
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)    # a second Ctrl-C: still stop them
            raise
    if exited:
        print(f"error: collection stopped: {exited}; run the same command again to resume in "
              f"{run_dir}")
        return 1
    print(f"run directory: {run_dir}")
    return 0


def _follow_store(store, budget: int, collector, others: dict) -> str:
    """A progress bar from the run directory until the collector's process ends (it does
    once its budget is spent); what went wrong if a node exited or the budget was not met."""
    from tqdm import tqdm

    from seg_by_interaction.core.interaction.collection import STOPPED

    with tqdm(total=budget, initial=store.count_interactions(), unit="interaction",
              desc="collecting") as bar:
        while collector.running():
            time.sleep(POLL_S)
            if exited := _exited(others):
                return exited
            _advance(bar, store.count_interactions())
        _advance(bar, store.count_interactions())
    if bar.n >= budget:
        return ""
    stopped = [line.split(STOPPED, 1)[1] for line in collector.output().splitlines()
               if STOPPED in line]
    return stopped[-1] if stopped else f"the collector exited (log: {collector.log_path})"


def _advance(bar, done: int) -> None:
    if done > bar.n:        # an update without progress would print the bar again
        bar.update(done - bar.n)


def _drain_store(store, others: dict) -> str:
    """Let the labeler finish the last records."""
    from seg_by_interaction.ros.loop import DRAIN_TIMEOUT_S

    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while unlabelled := store.unlabelled_interactions():
        if exited := _exited(others):
            return exited
        if time.monotonic() > deadline:
            print(f"warning: {len(unlabelled)} records still unlabelled after "
                  f"{DRAIN_TIMEOUT_S:.0f} s (e.g. {unlabelled[0]}); the labeler takes them up "
                  "when the run resumes")
            break
        time.sleep(POLL_S)
    return ""


def _exited(processes: dict) -> str:
    return next((f"{node} exited with status {process.process.returncode} (log: "
                 f"{process.log_path})" for node, process in processes.items()
                 if not process.running()), "")


def _drain(nodes: dict) -> None:
    """Let the labeler finish the last records and the trainer write its final checkpoint."""
    from seg_by_interaction.ros.loop import DRAIN_TIMEOUT_S

    collector, labeler = nodes["collector"], nodes["mask_labeler"]
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while labeler.processed < collector.published and time.monotonic() < deadline:
        time.sleep(0.2)
    nodes["online_trainer"].finish()
