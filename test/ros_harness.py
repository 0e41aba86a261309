"""Start real node processes in an isolated ROS 2 graph and stop them by process group.

Each test gets its own ROS_DOMAIN_ID and ROS_HOME, so tests (and test runs on the same
machine) do not see each other's nodes.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import pathlib
import signal
import subprocess
import sys
import time

VENV_BIN = pathlib.Path(sys.executable).parent
_domain_counter = itertools.count()


def isolated_environment(ros_home: pathlib.Path) -> dict[str, str]:
    """The environment for one test's ROS graph: a domain ID no other test of this run
    uses (offset by PID across concurrent runs), a private ROS_HOME, localhost only.
    IDs stay within 1-101: higher ones put Fast DDS ports into the ephemeral range."""
    domain = 1 + (os.getpid() + next(_domain_counter)) % 101
    ros_home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(ROS_DOMAIN_ID=str(domain), ROS_HOME=str(ros_home),
               ROS_LOG_DIR=str(ros_home / "log"), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST",
               RMW_IMPLEMENTATION="rmw_fastrtps_cpp", FASTDDS_BUILTIN_TRANSPORTS="LARGE_DATA",
               PYTHONUNBUFFERED="1", RCUTILS_LOGGING_BUFFERED_STREAM="0")
    return env


class NodeProcess:
    """A node (or any ROS program) in its own process group, its output in a log file."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: pathlib.Path):
        self.command = command
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGINT the whole group (what Ctrl-C does), then SIGTERM, then SIGKILL."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        self._log.close()
        return self.process.returncode


def node_command(executable: str, *ros_args: str) -> list[str]:
    """Command line of an installed node executable (lib/seg_by_interaction/<name>)."""
    path = VENV_BIN.parent / "lib" / "seg_by_interaction" / executable
    return [str(path), "--ros-args", *ros_args]


def wait_until(condition, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def wait_for_node(node, name: str, timeout: float = 20.0):
    wait_until(lambda: name in node.get_node_names(), timeout, what=f"node '{name}' to appear")


def wait_for_message(received: list, timeout: float = 20.0, what: str = "a message"):
    return wait_until(lambda: received[0] if received else None, timeout, what=what)


def call_service(node, client, request, timeout: float = 20.0):
    """Call a service from a node spun in another thread and wait for the response."""
    if not client.wait_for_service(timeout_sec=timeout):
        raise TimeoutError(f"service {client.srv_name} did not appear within {timeout} s")
    future = client.call_async(request)
    wait_until(future.done, timeout, what=f"a response from {client.srv_name}")
    return future.result()
