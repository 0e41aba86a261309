"""Blocking on rclpy futures from a worker thread while the executor spins elsewhere."""
from __future__ import annotations

import threading


def wait_for(future, timeout_s: float | None, what: str):
    """The future's result; TimeoutError naming `what` if it does not come in time."""
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    if not done.wait(timeout_s):
        raise TimeoutError(f"no answer for {what} within {timeout_s:.0f} s")
    return future.result()
