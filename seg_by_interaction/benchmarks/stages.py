"""Resumable regeneration in stages: each stage is an `sbi` command with the output it
produces; a stage whose output is complete is skipped, so an interrupted regeneration
re-run with the same command carries on where it stopped. Neighbouring stages of one
`batch` (e.g. training runs, none needing another's output) may run side by side, each
a process with its own torch thread, their output in a log file per stage."""
from __future__ import annotations

import dataclasses
import itertools
import pathlib
import re
import shlex
import subprocess
import sys
import time
from typing import Callable, Iterable

POLL_S = 1.0


@dataclasses.dataclass(frozen=True)
class Stage:
    name: str
    command: tuple[str, ...]              # arguments of `sbi`
    done: Callable[[], bool]              # the stage's output is complete
    batch: str = ""                       # neighbours of the same batch run side by side


def up_to_date(output: pathlib.Path, *inputs: pathlib.Path) -> Callable[[], bool]:
    """A stage's `done`, decided as make does: `output` exists and is no older than any
    of `inputs`. Results committed with the repository therefore do not count as done
    once the run or the models they were made from are made again."""
    def done() -> bool:
        if not output.is_file():
            return False
        made = [path.stat().st_mtime for path in inputs if path.exists()]
        return output.stat().st_mtime >= max(made, default=0.0)
    return done


class StageFailed(RuntimeError):
    pass


def sbi_executable() -> str:
    return str(pathlib.Path(sys.executable).with_name("sbi"))


def run_stages(stages: Iterable[Stage], log: Callable[[str], None] = print, jobs: int = 1,
               log_dir: pathlib.Path | None = None) -> list[dict]:
    """Run every stage not yet done, in order, up to `jobs` neighbours of one batch at
    once (their output then goes to `log_dir`/<stage>.log); returns one entry per stage
    with its state (cached / ran) and wall seconds. Raises StageFailed on the first
    failure, once the stages running beside it have ended."""
    timings: list[dict] = []
    numbered = enumerate(stages, 1)
    for _, batch in itertools.groupby(numbered, key=lambda item: item[1].batch or object()):
        pending = []
        for number, stage in batch:
            if stage.done():
                log(f"[{number}] {stage.name}: cached")
                timings.append({"stage": stage.name, "state": "cached", "seconds": 0.0})
            else:
                pending.append((number, stage))
        side_by_side = len(pending) > 1 and jobs > 1 and log_dir is not None
        timings += _run_side_by_side(pending, jobs if side_by_side else 1, log, log_dir)
    return timings


def _run_side_by_side(pending: list[tuple[int, Stage]], jobs: int, log: Callable[[str], None],
                      log_dir: pathlib.Path | None) -> list[dict]:
    timings, running, failed = [], [], []
    queue = iter(pending)
    while True:
        while len(running) < jobs and not failed and (item := next(queue, None)) is not None:
            running.append(_start(*item, log, log_dir if jobs > 1 else None))
        if not running:
            break
        try:
            running[0].process.wait(timeout=POLL_S)
        except subprocess.TimeoutExpired:
            pass
        for started in [r for r in running if r.process.poll() is not None]:
            running.remove(started)
            if started.process.returncode != 0 or not started.stage.done():
                failed.append(started)
                continue
            seconds = time.monotonic() - started.start
            log(f"[{started.number}] {started.stage.name}: done in {seconds / 60:.1f} min")
            timings.append({"stage": started.stage.name, "state": "ran", "seconds": seconds})
    if failed:
        stage = failed[0].stage
        where = f" (its output: {failed[0].log_file})" if failed[0].log_file else ""
        raise StageFailed(f"stage {stage.name} failed: {shlex.join(['sbi', *stage.command])}"
                          f"{where}; fix the cause and re-run to carry on from this stage")
    return timings


@dataclasses.dataclass
class _Started:
    number: int
    stage: Stage
    process: subprocess.Popen
    start: float
    log_file: pathlib.Path | None


def _start(number: int, stage: Stage, log: Callable[[str], None],
           log_dir: pathlib.Path | None) -> _Started:
    command = [sbi_executable(), *stage.command]
    log_file = None if log_dir is None else log_dir / f"{_file_name(stage.name)}.log"
    log(f"[{number}] {stage.name}: {shlex.join(['sbi', *stage.command])}"
        + (f" (output: {log_file})" if log_file else ""))
    if log_file is None:
        return _Started(number, stage, subprocess.Popen(command), time.monotonic(), None)
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_file, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    return _Started(number, stage, process, time.monotonic(), log_file)


def _file_name(stage_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stage_name).strip("_")
