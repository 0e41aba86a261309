"""The loop under faults, for `sbi bench faults`: SIGKILL of each node at random moments
and resume (the nodes as separate processes, and `sbi collect` composed in one), a full
and a read-only run directory (a small tmpfs, which needs root), and a resumable soak
with each node's memory sampled.

Losses are counted from what the run directory holds at the end, once the labeler and
trainer have had time to catch up: records announced on interaction_records that are not
on disk and intact, records without labels, and stored labels missing from the memory bank.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pathlib
import signal
import subprocess
import time
from typing import Callable, Iterator

import numpy as np

from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.core.wiring import LoopRun, loop_wiring

# The loop at a pace this machine keeps: one segmentation scale, a first model after ten
# labelled interactions (so reloads happen), failures from killed servers never stop it.
FAST_LOOP = ("hypothesis_server:segmenter.scales:=[1.0]",
             "interaction_executor:max_consecutive_failures:=1000",
             "online_trainer:first_model_after:=10", "online_trainer:steps_per_example:=1.0",
             "collector:interaction_timeout_s:=60.0", "collector:new_scene_every:=10")
PROGRESS_TIMEOUT_S = 900.0      # for the loop to record its next interactions
SETTLE_TIMEOUT_S = 180.0        # for the labeler and trainer to catch up at the end
MEMORY_SAMPLE_S = 15.0
SOAK_WARM_UP = 200              # interactions before memory growth is measured
MOUNT_MB = 64
FULL_ROOM_BYTES = 2 ** 20       # left free to fill: less than a record needs


@contextlib.contextmanager
def private_graph(ros_home: pathlib.Path) -> Iterator[dict[str, str]]:
    """This process and the processes it starts in a ROS graph of their own."""
    from seg_by_interaction.benchmarks.speed_bench import private_ros_environment

    env = private_ros_environment(ros_home)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)


def loop_run(run_dir: pathlib.Path, interactions: int, seed: int) -> LoopRun:
    return LoopRun(run_dir=run_dir, interactions=interactions, seed=seed, overrides=FAST_LOOP)


def collect_command(run: LoopRun) -> list[str]:
    from seg_by_interaction.benchmarks.stages import sbi_executable

    return [sbi_executable(), "collect", "--interactions", str(run.interactions),
            "--out", str(run.run_dir), "--seed", str(run.seed),
            *[arg for override in run.overrides for arg in ("-p", override)]]


def announced_records(node) -> set[str]:
    """Ids of the records announced on interaction_records from now on."""
    from seg_by_interaction.msg import InteractionRecord
    from seg_by_interaction.ros import qos

    announced: set[str] = set()
    node.create_subscription(InteractionRecord, "interaction_records",
                             lambda msg: msg.record_id and announced.add(msg.record_id),
                             qos.INTERACTION_DATA)
    return announced


def interactions(store: RunStore) -> int:
    return store.count_interactions() if store.records_dir.is_dir() else 0


def wait_for_interactions(store: RunStore, count: int, timeout_s: float = PROGRESS_TIMEOUT_S,
                          finished: Callable[[], bool] = lambda: False) -> bool:
    """Until the run holds `count` interactions, or the collector `finished` its budget (it
    counts attempts the executor refused before any record)."""
    deadline = time.monotonic() + timeout_s
    while interactions(store) < count and not finished():
        if time.monotonic() > deadline:
            return False
        time.sleep(1.0)
    return True


def losses(store: RunStore, announced: set[str]) -> dict:
    """What the run directory lacks: announced records, labels, bank entries."""
    from seg_by_interaction.core.training.online import example_id, labelled_interactions

    on_disk = {record_id for record_id, _ in store.metas()}
    unlabelled = [r for r in on_disk if store.intact(store.read_labels, r) is None]
    stored = {example_id(record_id, label) for record_id, labels in labelled_interactions(store)
              for label in labels}
    banked = {path.stem for path in store.memory_bank_dir.glob("*.npz")}
    quarantine = store.root / "quarantine"
    return {"interactions_recorded": interactions(store), "records": len(on_disk),
            "records_lost": len(announced - on_disk), "records_unlabelled": len(unlabelled),
            "labels_stored": len(stored), "labels_not_banked": len(stored - banked),
            "labels_lost": len(unlabelled) + len(stored - banked),
            "files_quarantined": sorted(p.name for p in quarantine.iterdir())
            if quarantine.is_dir() else []}


def settled_losses(store: RunStore, announced: set[str]) -> dict:
    """Losses once the labeler has labelled and the trainer banked what they can."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        figures = losses(store, announced)
        if figures["labels_lost"] == 0 or time.monotonic() > deadline:
            return figures
        time.sleep(5.0)


# --- SIGKILL and resume --------------------------------------------------------------------

def kill_plan(nodes, kills_per_node: int, budget: int, rng) -> list[tuple[str, int, float]]:
    """(node, after this many interactions, and this many seconds more), in order."""
    plan = [(node, int(rng.integers(1, max(2, budget))), float(rng.uniform(0.0, 12.0)))
            for node in nodes for _ in range(kills_per_node)]
    return sorted(plan, key=lambda kill: kill[1:])


def kill_separate(work: pathlib.Path, budget: int, kills_per_node: int, seed: int, log) -> dict:
    """Each node of the loop, a separate process, SIGKILLed `kills_per_node` times at
    random moments and started again at once."""
    from seg_by_interaction.ros.loop import loop_commands
    from seg_by_interaction.ros.node_processes import node_processes
    from seg_by_interaction.ros.spun_node import spun_node

    run = loop_run(work / "run", budget, seed)
    commands = loop_commands(loop_wiring(run))
    plan = kill_plan(list(commands), kills_per_node, budget, np.random.default_rng(seed))
    store = RunStore(run.run_dir)
    with private_graph(work / "ros") as env, node_processes(env, work / "logs") as start, \
            spun_node("sbi_kills", int(env["ROS_DOMAIN_ID"])) as node:
        announced = announced_records(node)
        processes = {name: start(f"{name}_0", command) for name, command in commands.items()}

        def finished() -> bool:
            return "collection finished" in processes["collector"].output()
        for number, (name, after, delay) in enumerate(plan, 1):
            if not wait_for_interactions(store, after, finished=finished):
                return {"stalled_before_kill": number, **losses(store, announced)}
            time.sleep(delay)
            log(f"kill {number}/{len(plan)}: SIGKILL {name} after {interactions(store)} "
                "interactions")
            processes[name].signal_group(signal.SIGKILL)
            processes[name].wait(timeout=30)
            processes[name] = start(f"{name}_{number}", commands[name])
        done = wait_for_interactions(store, budget, finished=finished)
        figures = settled_losses(store, announced)
    return {"kills": len(plan), "budget": budget, "finished": done,
            "plan": [list(kill) for kill in plan], **figures}


def kill_composed(work: pathlib.Path, budget: int, kills: int, seed: int, log) -> dict:
    """`sbi collect` SIGKILLed `kills` times at random moments, each time run again with
    the same command, which resumes."""
    from seg_by_interaction.ros.node_processes import node_processes
    from seg_by_interaction.ros.spun_node import spun_node

    run = loop_run(work / "run", budget, seed)
    rng = np.random.default_rng(seed + 1)
    moments = sorted(int(rng.integers(1, max(2, budget))) for _ in range(kills))
    store = RunStore(run.run_dir)
    with private_graph(work / "ros") as env, node_processes(env, work / "logs") as start, \
            spun_node("sbi_kills", int(env["ROS_DOMAIN_ID"])) as node:
        announced = announced_records(node)
        for number, after in enumerate(moments, 1):
            process = start(f"collect_{number}", collect_command(run))
            if not wait_for_interactions(store, after):
                return {"stalled_before_kill": number, **losses(store, announced)}
            time.sleep(float(rng.uniform(0.0, 12.0)))
            log(f"kill {number}/{kills}: SIGKILL sbi collect after {interactions(store)} "
                "interactions")
            process.signal_group(signal.SIGKILL)
            process.wait(timeout=30)
        final = start("collect_final", collect_command(run))
        returncode = final.wait(timeout=PROGRESS_TIMEOUT_S + 60.0 * budget)
        figures = losses(store, announced)
    return {"kills": kills, "budget": budget, "final_exit_status": returncode,
            "finished": returncode == 0, **figures}


# --- full and read-only run directory --------------------------------------------------------

def _mount(*arguments: str) -> None:
    subprocess.run(["mount", *arguments], check=True, capture_output=True, text=True)


def _collect(run: LoopRun, env: dict, log_path: pathlib.Path, *overrides: str,
             meanwhile: Callable[[], None] = lambda: None) -> dict:
    """Run `sbi collect` to its end, doing `meanwhile` as it runs; its exit status and the
    lines that say why it stopped."""
    command = collect_command(run) + [arg for o in overrides for arg in ("-p", o)]
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            meanwhile()
            returncode = process.wait(timeout=PROGRESS_TIMEOUT_S + 60.0 * run.interactions)
        finally:
            if process.poll() is None:
                process.kill()
    text = log_path.read_text(errors="replace").replace("\r", "\n")     # progress bars
    said = [line.strip() for line in text.splitlines()
            if "error" in line.lower() or "MB free" in line][-3:]
    return {"exit_status": returncode, "said": said, "traceback": "Traceback" in text,
            "interactions_recorded": interactions(RunStore(run.run_dir))}


def disk_faults(work: pathlib.Path, budget: int, seed: int, log) -> dict:
    """On a tmpfs of MOUNT_MB: less free space than min_free_mb; the disk full while
    records are written; space back and resume; the file system made read-only while the
    loop runs, and read-only at start; writable again and resume. Each stop must exit
    non-zero with a clear message and no traceback, each resume finish its budget."""
    mount = work / "mnt"
    mount.mkdir(parents=True, exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", f"size={MOUNT_MB}m", "tmpfs", str(mount))
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        return {"skipped": f"cannot mount a tmpfs (needs root): {error}"}
    run = loop_run(mount / "run", budget, seed)
    more = dataclasses.replace(run, interactions=budget + 3)
    filler = mount / "filler"
    steps = {}

    def read_only_after_one_more() -> None:
        wait_for_interactions(RunStore(run.run_dir), budget + 1)
        try:
            _mount("-o", "remount,ro", str(mount))
        except subprocess.CalledProcessError as error:      # e.g. a file open for writing
            steps["remount_refused"] = error.stderr

    try:
        with private_graph(work / "ros") as env:
            def collect(step: str, loop: LoopRun, min_free_mb: float = 1.0, **kwargs) -> None:
                log(f"disk: {step}")
                steps[step] = _collect(loop, env, work / f"{step}.log",
                                       f"interaction_executor:min_free_mb:={min_free_mb}", **kwargs)

            collect("low_space", run, min_free_mb=2.0 * MOUNT_MB)
            free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
            filler.write_bytes(bytes(max(0, free - FULL_ROOM_BYTES)))
            collect("full", run, min_free_mb=0.0)
            filler.unlink()
            collect("space_back", run)
            collect("read_only_while_running", more, meanwhile=read_only_after_one_more)
            collect("read_only_at_start", more)
            _mount("-o", "remount,rw", str(mount))
            collect("writable_again", more)
            steps["at_end"] = settled_losses(RunStore(run.run_dir), set())
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    stops = [steps[name] for name in ("low_space", "full", "read_only_while_running",
                                      "read_only_at_start")]
    return {**steps,
            "stopped_clearly": all(s["exit_status"] != 0 and s["said"] and not s["traceback"]
                                   for s in stops),
            "resumed": all(steps[name]["exit_status"] == 0 for name in ("space_back",
                                                                       "writable_again"))}


# --- soak ----------------------------------------------------------------------------------

def rss_mb(pid: int) -> float | None:
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "")
    return int(line.split()[1]) / 1024 if line else None


def soak(work: pathlib.Path, budget: int, minutes: float, seed: int, log) -> dict:
    """The loop as separate processes toward `budget` interactions for at most `minutes`
    (0: until the budget), each node's RSS appended to memory.jsonl every MEMORY_SAMPLE_S.
    Resumable: run again, it carries on in the same run directory and memory log."""
    from seg_by_interaction.ros.loop import loop_commands
    from seg_by_interaction.ros.node_processes import node_processes

    run = loop_run(work / "run", budget, seed)
    store = RunStore(run.run_dir)
    samples_path = work / "memory.jsonl"
    deadline = time.monotonic() + 60.0 * minutes if minutes else float("inf")
    with private_graph(work / "ros") as env, node_processes(env, work / "logs") as start:
        processes = {name: start(f"{name}_{int(time.time())}", command)
                     for name, command in loop_commands(loop_wiring(run)).items()}
        with open(samples_path, "a") as samples:
            while interactions(store) < budget and time.monotonic() < deadline:
                if not all(p.running() for p in processes.values()):
                    log("soak: a node ended: " + ", ".join(n for n, p in processes.items()
                                                          if not p.running()))
                    break
                samples.write(json.dumps({"time": time.time(), "interactions": interactions(store),
                                          **{name: [p.pid, rss_mb(p.pid)]
                                             for name, p in processes.items()}}) + "\n")
                samples.flush()
                time.sleep(MEMORY_SAMPLE_S)
        exits = {name: p.process.returncode for name, p in processes.items() if not p.running()}
        processes["collector"].stop()        # the labeler and trainer catch up before the end
        figures = settled_losses(store, set())
    return {"budget": budget, "interactions": interactions(store), "process_exits": exits,
            **memory_growth(samples_path), **figures}


def memory_growth(samples_path: pathlib.Path) -> dict:
    """Per node, RSS of the process that was running last (a resumed soak restarts
    them): at its first sample SOAK_WARM_UP interactions after it started (half of those
    it saw, when fewer), and at the last sample."""
    lines = [json.loads(line) for line in samples_path.read_text().splitlines()] \
        if samples_path.is_file() else []
    if not lines:
        return {"rss_mb": {}}
    growth, last = {}, lines[-1]
    for name, (pid, rss) in ((k, v) for k, v in last.items() if isinstance(v, list)):
        same = [line for line in lines if line.get(name, [None])[0] == pid and line[name][1]]
        started = same[0]["interactions"]
        warm_up = started + min(SOAK_WARM_UP, (last["interactions"] - started) // 2)
        first = next(line for line in same if line["interactions"] >= warm_up)
        growth[name] = {"from_interaction": first["interactions"], "rss_mb_then": first[name][1],
                        "to_interaction": last["interactions"], "rss_mb_now": rss,
                        "growth_percent": 100.0 * (rss - first[name][1]) / first[name][1]}
    return {"rss_mb": growth}
