"""Resumable regeneration in stages: each stage is an `sbi` command with the output it
produces; a stage whose output is complete is skipped, so an interrupted regeneration
re-run with the same command carries on where it stopped."""
from __future__ import annotations

import dataclasses
import pathlib
import shlex
import subprocess
import sys
import time
from typing import Callable, Iterable


@dataclasses.dataclass(frozen=True)
class Stage:
    name: str
    command: tuple[str, ...]              # arguments of `sbi`
    done: Callable[[], bool]              # the stage's output is complete


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


def run_stages(stages: Iterable[Stage], log: Callable[[str], None] = print) -> list[dict]:
    """Run every stage not yet done, in order; returns one entry per stage with its
    state (cached / ran) and wall seconds. Raises StageFailed on the first failure."""
    timings = []
    for number, stage in enumerate(stages, 1):
        if stage.done():
            log(f"[{number}] {stage.name}: cached")
            timings.append({"stage": stage.name, "state": "cached", "seconds": 0.0})
            continue
        command = [sbi_executable(), *stage.command]
        log(f"[{number}] {stage.name}: {shlex.join(['sbi', *stage.command])}")
        start = time.monotonic()
        if subprocess.run(command).returncode != 0 or not stage.done():
            raise StageFailed(f"stage {stage.name} failed: {shlex.join(['sbi', *stage.command])}; "
                              "fix the cause and re-run to carry on from this stage")
        seconds = time.monotonic() - start
        log(f"[{number}] {stage.name}: done in {seconds / 60:.1f} min")
        timings.append({"stage": stage.name, "state": "ran", "seconds": seconds})
    return timings
