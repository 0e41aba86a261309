"""`sbi bench faults`: no message, file or fault takes a node down (issue 18).

Stages, each kept as <work>/<stage>.json and skipped when re-run (the soak carries on
toward its budget instead):
- fuzz: hostile messages, goals and requests against the nodes as separate processes
  (benchmarks/fault_fuzz.py);
- kill_separate, kill_composed: SIGKILL of each node at random moments, and of `sbi
  collect`, with resume (benchmarks/fault_loops.py);
- disk: a full and a read-only run directory, and resume once they take writes again;
- soak: the loop toward a large budget with each node's memory sampled.
The totals go to faults.json under fuzz_cases, process_exits, hangs, records_lost and
labels_lost.
"""
from __future__ import annotations

import dataclasses
import json
import pathlib
import time

STAGES = ("fuzz", "kill_separate", "kill_composed", "disk", "soak")


@dataclasses.dataclass(frozen=True)
class FaultOptions:
    work: pathlib.Path
    robot: str = "sawyer"
    stages: tuple[str, ...] = STAGES
    fuzz_cases: int = 3000
    kills_per_node: int = 5
    kill_interactions: int = 30
    disk_interactions: int = 6
    soak_interactions: int = 2000
    soak_minutes: float = 0.0         # 0: until the soak's budget
    seed: int = 0


def run_stage(name: str, options: FaultOptions, log) -> dict:
    from tqdm import tqdm

    from seg_by_interaction.benchmarks import fault_fuzz, fault_loops
    from seg_by_interaction.core.robot_config import load_robot_config

    work = options.work / name
    work.mkdir(parents=True, exist_ok=True)
    if name == "fuzz":
        return fault_fuzz.run_fuzz(load_robot_config(options.robot), work, options.fuzz_cases,
                                   options.seed, tqdm)
    if name == "kill_separate":
        return fault_loops.kill_separate(work, options.kill_interactions, options.kills_per_node,
                                         options.seed, log)
    if name == "kill_composed":
        return fault_loops.kill_composed(work, options.kill_interactions, options.kills_per_node,
                                         options.seed, log)
    if name == "disk":
        return fault_loops.disk_faults(work, options.disk_interactions, options.seed, log)
    return fault_loops.soak(work, options.soak_interactions, options.soak_minutes, options.seed,
                            log)


def run(options: FaultOptions, log=print) -> dict:
    """Every stage not yet done, then the totals over all stages done so far."""
    from seg_by_interaction.core.files import write_json_atomic
    from seg_by_interaction.core.provenance import provenance

    results = {}
    for name in STAGES:
        path = options.work / f"{name}.json"
        done = json.loads(path.read_text()) if path.is_file() else None
        if name in options.stages and (done is None or (name == "soak" and not _soak_done(done))):
            log(f"stage {name}")
            started = time.monotonic()
            done = {**provenance(), **run_stage(name, options, log),
                    "minutes": (time.monotonic() - started) / 60}
            write_json_atomic(path, done)
        if done is not None:
            results[name] = done
    return {**totals(results), "stages": results}


def _soak_done(soak: dict) -> bool:
    return soak["interactions"] >= soak["budget"]


def totals(results: dict) -> dict:
    """The figures the issue names, summed over the stages that produced them."""
    fuzz = results.get("fuzz", {})
    loops = [results[name] for name in ("kill_separate", "kill_composed", "soak")
             if name in results]
    disk = results.get("disk", {}).get("at_end")
    if disk:
        loops.append(disk)
    soak = results.get("soak", {})
    growth = [node["growth_percent"] for node in soak.get("rss_mb", {}).values()]
    return {"fuzz_cases": fuzz.get("fuzz_cases", 0),
            "process_exits": fuzz.get("process_exits", 0) + len(soak.get("process_exits", {})),
            "hangs": fuzz.get("hangs", 0), "clear_errors": fuzz.get("clear_errors", 0),
            "records_lost": sum(loop.get("records_lost", 0) for loop in loops),
            "labels_lost": sum(loop.get("labels_lost", 0) for loop in loops),
            "kills": sum(results.get(name, {}).get("kills", 0)
                         for name in ("kill_separate", "kill_composed")),
            "disk_stops_clear": results.get("disk", {}).get("stopped_clearly"),
            "disk_resumed": results.get("disk", {}).get("resumed"),
            "soak_interactions": soak.get("interactions", 0),
            "soak_max_rss_growth_percent": max(growth) if growth else None}


def table(figures: dict) -> str:
    rows = [("fuzzed messages, goals and requests", figures["fuzz_cases"]),
            ("process exits", figures["process_exits"]),
            (f"hangs (no answer within 10 s)", figures["hangs"]),
            ("refusals with a reason (services, actions)", figures["clear_errors"]),
            ("SIGKILLs with resume", figures["kills"]),
            ("records lost", figures["records_lost"]),
            ("labels lost (unlabelled records + labels not banked)", figures["labels_lost"]),
            ("full / read-only run directory: stopped with a clear message",
             figures["disk_stops_clear"]),
            ("... and resumed once writable", figures["disk_resumed"]),
            ("soak interactions", figures["soak_interactions"]),
            ("soak: largest RSS growth of a node, %", figures["soak_max_rss_growth_percent"])]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value if value is not None else 'n/a'}"
                     for name, value in rows)
