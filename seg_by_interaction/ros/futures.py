"""Blocking on rclpy futures from a worker thread while the executor spins elsewhere."""
from __future__ import annotations

import math
import threading
import time
import weakref

POLL_S = 0.1
ABANDON_GRACE_S = 2.0     # for a live server to answer a cancellation
DISCOVERY_SETTLE_S = 1.0

_settled_action_clients = weakref.WeakSet()


class Abandoned(TimeoutError):
    """The wait was given up: asked to (a cancellation, a shutdown) and no answer came."""


def wait_for(future, timeout_s: float | None, what: str, abandon: threading.Event | None = None):
    """The future's result; TimeoutError naming `what` if it does not come in time. Once
    `abandon` is set, the answer gets ABANDON_GRACE_S more (a server that is still there
    answers a cancellation within it), then Abandoned is raised: a server that is gone
    never answers."""
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    deadline = math.inf if timeout_s is None else time.monotonic() + timeout_s
    abandoning = False
    while not done.wait(POLL_S):
        now = time.monotonic()
        if now >= deadline:
            if abandoning:
                raise Abandoned(f"gave up waiting for {what}: no answer after the cancellation")
            raise TimeoutError(f"no answer for {what} within {timeout_s:.0f} s")
        if not abandoning and abandon is not None and abandon.is_set():
            abandoning, deadline = True, min(deadline, now + ABANDON_GRACE_S)
    return future.result()


def settle_before_first_goal(client) -> None:
    """`wait_for_server` shows that the action server is there, not that its answers and
    feedback can reach this client: discovery may match that direction later (CI runs lost
    a goal's response and a singulation's feedback so). Each client's first goal waits
    DISCOVERY_SETTLE_S more."""
    if client not in _settled_action_clients:
        time.sleep(DISCOVERY_SETTLE_S)
        _settled_action_clients.add(client)
