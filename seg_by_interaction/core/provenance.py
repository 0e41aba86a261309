"""Where a result came from: the command line, the commit and the time."""
from __future__ import annotations

import datetime
import pathlib
import shlex
import subprocess
import sys


def provenance() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=pathlib.Path(__file__).resolve().parent).stdout.strip()
    return {"command": "sbi " + shlex.join(sys.argv[1:]), "commit": commit or "unknown",
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
