"""Importing the package gives numpy's OpenBLAS one thread per process (its busy-waiting
workers slowed small products a hundredfold on a loaded machine), unless the
environment chose a number."""
import os
import subprocess
import sys

import pytest

PROBE = ("import seg_by_interaction, numpy, os; "
         "print(os.environ['OPENBLAS_NUM_THREADS'])")


@pytest.mark.parametrize("chosen, expected", [(None, "1"), ("2", "2")])
def test_openblas_threads_default_to_one(chosen, expected):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if chosen is not None:
        env["OPENBLAS_NUM_THREADS"] = chosen
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env=env, timeout=60, check=True)
    assert result.stdout.strip() == expected
