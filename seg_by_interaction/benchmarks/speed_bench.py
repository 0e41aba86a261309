"""`sbi bench`: the speed figures of the stack, measured on this machine in one run.

- segmentation latency of the learned segmenter on rendered frames of the simulated
  world, at 320x240 and 640x480, multi-scale and single-scale, nothing else running;
- the frame-difference labeler's latency over a run's recorded interactions;
- the trainer's windows per second at its batch size;
- camera images between processes over DDS (the camera node, as `sbi check` does);
- interactions per minute of the whole loop, its nodes composed in one process
  (`sbi collect`) and as separate processes, with each process's share of a CPU (the
  trainer's busy share when composed) and peak memory.
"""
from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import pathlib
import shutil
import tempfile
import time
from typing import Callable, Iterable

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.core.wiring import LoopRun, LoopWiring, loop_wiring
from seg_by_interaction.ros.node_processes import node_processes

RESOLUTIONS = ((320, 240), (640, 480))
SCENES_PER_RESOLUTION = 3
TARGETS = {
    "segment_latency_ms_p50_320x240_single_scale": ("<=", 100.0),
    "segment_latency_ms_p50_320x240_multiscale": ("<=", 500.0),
    "labeler_latency_ms_p50": ("<=", 50.0),
    "interactions_per_min_separate_processes": (">=", 10.0),
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
Progress = Callable[[Iterable], Iterable]


@dataclasses.dataclass(frozen=True)
class SpeedOptions:
    robot: str = "sawyer"
    checkpoint: pathlib.Path | None = None   # the segmenter's weights (default: fresh ones)
    run: pathlib.Path | None = None          # records for the labeler and trainer figures
    samples: int = 20                        # timed calls per latency figure
    interactions: int = 20                   # per loop measurement
    threads: int = 0                         # torch threads (0 = torch's default)
    seed: int = 0


def percentiles(milliseconds: list[float], prefix: str, suffix: str = "") -> dict[str, float]:
    """{prefix_p50suffix, prefix_p95suffix}, e.g. segment_latency_ms_p50_320x240_multiscale."""
    return {f"{prefix}_p{q}{suffix}": float(np.percentile(milliseconds, q)) for q in (50, 95)}


def time_calls(function: Callable[[], object], samples: int, warm_up: int = 2,
               progress: Progress = lambda x: x) -> list[float]:
    """Milliseconds of `samples` calls after `warm_up` untimed ones."""
    for _ in range(warm_up):
        function()
    timings = []
    for _ in progress(range(samples)):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


# --- segmentation ------------------------------------------------------------------------

def segmentation_figures(options: SpeedOptions, progress: Progress) -> dict[str, float]:
    from seg_by_interaction.core.model.segmenter import SegmenterParams, make_segmenter, single_scale

    network = _network(options.checkpoint)
    figures = {}
    for width, height in RESOLUTIONS:
        frames = itertools.cycle(render_frames(options.robot, width, height, options.seed))
        for name, params in (("multiscale", SegmenterParams()), ("single_scale", single_scale(SegmenterParams()))):
            segmenter = make_segmenter(network, params)
            timings = time_calls(lambda: segmenter.segment(next(frames)), options.samples, progress=progress)
            figures.update(percentiles(timings, "segment_latency_ms", f"_{width}x{height}_{name}"))
    return figures


def _network(checkpoint: pathlib.Path | None):
    import torch

    from seg_by_interaction.core.model.build import build_network
    from seg_by_interaction.core.model.checkpoint import load_checkpoint
    from seg_by_interaction.core.model.spec import ModelSpec

    if checkpoint:
        return load_checkpoint(checkpoint)[0]
    torch.manual_seed(0)
    return build_network(ModelSpec(), pretrained=True)


def render_frames(robot_name: str, width: int, height: int, seed: int) -> list[RGBDView]:
    """Views of a few test-split scenes of the simulated world at the given resolution (the
    segmenter's time depends on how many objects it finds)."""
    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.core.world.arena import Arena
    from seg_by_interaction.core.world.params import ArenaConfig

    arena = Arena(load_robot_config(robot_name).with_image_size(width, height), ArenaConfig())
    try:
        return [_scene_view(arena, seed + scene) for scene in range(SCENES_PER_RESOLUTION)]
    finally:
        arena.close()


def _scene_view(arena, seed: int) -> RGBDView:
    arena.reset_scene("test", seed)
    observation = arena.observe()
    return RGBDView(observation.rgb, observation.depth, observation.intrinsics)


# --- labeler and trainer -------------------------------------------------------------------

def labeler_figures(store: RunStore, samples: int, progress: Progress) -> dict[str, float]:
    """The frame-difference labeler on the first `samples` recorded interactions that
    succeeded (the others are labelled negative without looking at the images)."""
    from seg_by_interaction.core.interaction.motion import Outcome
    from seg_by_interaction.core.labelers.frame_difference import FrameDifferenceLabeler
    from seg_by_interaction.core.labelers.labeling import interaction_from_record

    labeler, timings = FrameDifferenceLabeler(), []
    succeeded = [r for r in store.record_ids() if store.read_meta(r).outcome == Outcome.OK]
    for record_id in progress(succeeded[:samples]):
        interaction = interaction_from_record(store.read_record(record_id))
        if interaction is not None:
            timings += time_calls(lambda: labeler.label(interaction), 1, warm_up=0)
    if not timings:
        raise ValueError(f"{store.root}: no successful interaction to label")
    return {**percentiles(timings, "labeler_latency_ms"), "labeler_interactions": len(timings)}


def trainer_figures(store: RunStore, samples: int, progress: Progress) -> dict[str, float]:
    """Windows per second of training steps on the run's labels, at the default batch."""
    import torch

    from seg_by_interaction.core.training.memory_bank import MemoryBank
    from seg_by_interaction.core.training.online import examples_from_run, make_trainer
    from seg_by_interaction.core.training.trainer import TrainerParams

    bank = MemoryBank.in_memory(examples_from_run(store, max_interactions=100))
    params = dataclasses.replace(TrainerParams(), min_positives=1)   # speed, not learning
    trainer = make_trainer(_network(None), params, bank)
    if not trainer.ready():
        raise ValueError(f"{store.root}: no positive label to train on")
    timings = time_calls(trainer.step, samples, progress=progress)
    return {"trainer_examples_per_s": trainer.examples_per_step * 1000 / float(np.median(timings)),
            "trainer_examples_per_step": trainer.examples_per_step,
            "trainer_architecture": trainer.network.spec.architecture,
            "trainer_torch_threads": torch.get_num_threads()}


# --- camera images between processes -------------------------------------------------------

def camera_figures(robot_name: str, frames: int, work: pathlib.Path) -> dict[str, float]:
    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.ros.camera_probe import receive_from_camera_process

    latencies, _, _, _ = receive_from_camera_process(load_robot_config(robot_name), frames, 30.0, work)
    if len(latencies) < frames // 2:
        raise RuntimeError(f"only {len(latencies)} of {frames} camera images arrived")
    return percentiles(latencies, "camera_image_latency_ms")


# --- the loop ------------------------------------------------------------------------------

def loop_overrides(options: SpeedOptions) -> list[str]:
    """NODE:NAME:=VALUE settings of the measured loop on top of `sbi collect`'s: the trainer
    paced as in `make bench`; with a checkpoint, the hypothesis server segments with it
    from the start (the loop in its steady state, not the bottom-up bootstrap)."""
    overrides = ["online_trainer:steps_per_example:=1.0"]
    if options.checkpoint:
        overrides.append(f"hypothesis_server:checkpoint:={options.checkpoint.resolve()}")
    return overrides


def measured_loop(options: SpeedOptions, run_dir: pathlib.Path) -> LoopWiring:
    """The loop as `sbi collect` wires it, with the measured loop's settings."""
    return loop_wiring(LoopRun(run_dir=run_dir, interactions=options.interactions,
                               robot=options.robot, seed=options.seed,
                               overrides=tuple(loop_overrides(options))))


def private_ros_environment(ros_home: pathlib.Path) -> dict[str, str]:
    """A ROS graph of the benchmark's own: a domain no `sbi collect` of this machine
    picks by default, logs under `ros_home`, discovery on this host only."""
    from seg_by_interaction.ros.loop import PRIVATE_DOMAINS
    from seg_by_interaction.ros.node_processes import isolated_ros_environment

    return isolated_ros_environment(ros_home, PRIVATE_DOMAINS[(os.getpid() + 1) % len(PRIVATE_DOMAINS)])


def interactions_per_min(store: RunStore) -> float:
    """From the times the interactions were recorded, the first one (start-up) excluded."""
    times = sorted(meta.wall_time for meta in map(store.read_meta, store.record_ids())
                   if meta.is_interaction)
    if len(times) < 2:
        return 0.0
    return 60.0 * (len(times) - 1) / (times[-1] - times[0])


@dataclasses.dataclass
class ProcessWatch:
    """CPU seconds and peak memory of one process, sampled while it runs."""
    pid: int
    cpu_s: float = 0.0
    peak_mb: float = 0.0

    def sample(self) -> None:
        try:
            fields = pathlib.Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            status = pathlib.Path(f"/proc/{self.pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            return
        self.cpu_s = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS     # utime + stime
        peak = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "")
        if peak:
            self.peak_mb = int(peak.split()[1]) / 1024


def watch_until(store: RunStore, interactions: int, watches: dict[str, ProcessWatch],
                alive: Callable[[], bool], timeout_s: float, progress) -> dict[str, float]:
    """Sample the processes until the run holds `interactions`; the CPU seconds each
    spent between the first and the last interaction, and the wall seconds between them."""
    first: dict[str, float] | None = None
    first_time = 0.0
    deadline = time.monotonic() + timeout_s
    with progress(total=interactions, unit="interaction", desc="loop") as bar:
        while time.monotonic() < deadline:
            for watch in watches.values():
                watch.sample()
            done = store.count_interactions() if store.records_dir.is_dir() else 0
            bar.update(done - bar.n)
            if done >= 1 and first is None:
                first, first_time = {n: w.cpu_s for n, w in watches.items()}, time.monotonic()
            if done >= interactions:
                wall = time.monotonic() - first_time
                return {"wall_s": wall, **{n: w.cpu_s - first[n] for n, w in watches.items()}}
            if not alive():
                raise RuntimeError("a loop process ended before the budget was spent")
            time.sleep(1.0)
    raise TimeoutError(f"the loop did not reach {interactions} interactions in {timeout_s:.0f} s")


def composed_loop_figures(options: SpeedOptions, work: pathlib.Path, progress) -> dict[str, float]:
    """`sbi collect`: every node in one process."""
    from seg_by_interaction.benchmarks.stages import sbi_executable

    run_dir = work / "composed"
    collect = [sbi_executable(), "collect", "--robot", options.robot, "--interactions",
               str(options.interactions), "--out", str(run_dir), "--seed", str(options.seed),
               *[arg for override in loop_overrides(options) for arg in ("-p", override)]]
    with node_processes(private_ros_environment(work / "composed_ros"), work / "composed_ros") as start:
        process = start("composed", collect)
        watch = ProcessWatch(process.pid)
        spent = watch_until(RunStore(run_dir), options.interactions, {"composed": watch},
                            process.running, 60.0 * options.interactions, progress)
    training_s = training_seconds(RunStore(run_dir))
    return {"interactions_per_min_composed": interactions_per_min(RunStore(run_dir)),
            "cpu_share_composed": spent["composed"] / spent["wall_s"],
            "trainer_busy_share_composed": training_s / spent["wall_s"],
            "peak_memory_mb_composed": watch.peak_mb}


def separate_loop_figures(options: SpeedOptions, work: pathlib.Path, progress) -> dict[str, float]:
    """Every node in its own process, as `ros2 launch` starts them."""
    from seg_by_interaction.ros.loop import loop_commands

    run_dir = work / "separate"
    wiring = measured_loop(options, run_dir)
    with node_processes(private_ros_environment(work / "separate_ros"), work / "separate_ros") as start:
        processes = {node: start(node, command) for node, command in loop_commands(wiring).items()}
        watches = {node: ProcessWatch(p.pid) for node, p in processes.items()}
        spent = watch_until(RunStore(run_dir), options.interactions, watches,
                            lambda: all(p.running() for p in processes.values()),
                            60.0 * options.interactions, progress)
    return {"interactions_per_min_separate_processes": interactions_per_min(RunStore(run_dir)),
            "trainer_cpu_share_separate_processes": spent["online_trainer"] / spent["wall_s"],
            **{f"cpu_share_{node}": spent[node] / spent["wall_s"] for node in wiring.nodes},
            **{f"peak_memory_mb_{node}": watch.peak_mb for node, watch in watches.items()}}


def training_seconds(store: RunStore) -> float:
    """Wall seconds the trainer spent in steps: its steps times their median duration
    (the training log keeps every few steps' duration). Composed, threads share one
    process, so this is the trainer's busy time, not its CPU time."""
    from seg_by_interaction.core.evaluation.run_report import read_trainer_log

    entries = read_trainer_log(store)
    if not entries:
        return 0.0
    return entries[-1]["step"] * float(np.median([e["seconds"] for e in entries]))


# --- all of it -----------------------------------------------------------------------------

def run(options: SpeedOptions, skip_loop: bool = False, log=print) -> dict:
    import torch
    from tqdm import tqdm

    if options.threads:
        torch.set_num_threads(options.threads)
    figures = {"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
               "checkpoint": str(options.checkpoint or "fresh weights")}
    progress = functools.partial(tqdm, leave=False)
    work = pathlib.Path(tempfile.mkdtemp(prefix="sbi_bench_"))
    try:
        log("segmentation latency (nothing else running)")
        figures.update(segmentation_figures(options, progress))
        log("camera images between processes")
        figures.update(camera_figures(options.robot, 100, work))
        if not skip_loop:
            log(f"the loop composed, {options.interactions} interactions")
            figures.update(composed_loop_figures(options, work, tqdm))
            log(f"the loop as separate processes, {options.interactions} interactions")
            figures.update(separate_loop_figures(options, work, tqdm))
        store = RunStore(options.run) if options.run else RunStore(work / "separate")
        log(f"labeler and trainer on {store.root}")
        figures.update(labeler_figures(store, max(options.samples, 20), progress))
        figures.update(trainer_figures(store, options.samples, progress))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def figures_table(figures: dict) -> str:
    lines = [f"{'figure':<52}{'value':>12}   target"]
    for key, value in figures.items():
        if isinstance(value, float):
            target = TARGETS.get(key)
            mark = ""
            if target:
                met = value <= target[1] if target[0] == "<=" else value >= target[1]
                mark = f"{target[0]} {target[1]:g}  {'met' if met else 'MISSED'}"
            lines.append(f"{key:<52}{value:12.2f}   {mark}")
    return "\n".join(lines)
