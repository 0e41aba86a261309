"""Installed node executables started as separate processes, the way `ros2 launch`
starts them: each in its own process group (stopping it stops whatever it started), its
output in a log file, in a ROS graph the caller chooses (domain, ROS_HOME, discovery on
this host only)."""
from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import time
from typing import Callable, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)   # Ctrl-C first


def node_command(node: str, *ros_arguments: str) -> list[str]:
    """Command line of an installed node executable (lib/seg_by_interaction/<node>)."""
    executable = pathlib.Path(sys.executable).parent.parent / "lib" / "seg_by_interaction" / node
    return [str(executable), "--ros-args", *ros_arguments]


def isolated_ros_environment(ros_home: pathlib.Path, domain: int) -> dict[str, str]:
    """This process's environment for a ROS graph of one's own: `domain`, logs under
    `ros_home`, discovery on this host only, large images delivered between processes."""
    ros_home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "ROS_DOMAIN_ID": str(domain), "ROS_HOME": str(ros_home),
            "ROS_LOG_DIR": str(ros_home / "log"), "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST",
            "RMW_IMPLEMENTATION": "rmw_fastrtps_cpp", "FASTDDS_BUILTIN_TRANSPORTS": "LARGE_DATA",
            "PYTHONUNBUFFERED": "1", "RCUTILS_LOGGING_BUFFERED_STREAM": "0"}


class NodeProcess:
    """A node (or any ROS program) in its own process group, its output in a log file."""

    def __init__(self, command: list[str], env: dict[str, str] | None, log_path: pathlib.Path):
        self.command = command
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGINT the whole group, then SIGTERM, then SIGKILL, each given `timeout`."""
        stop_all([self], timeout)
        return self.process.returncode

    def signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def close_log(self) -> None:
        self._log.close()


def stop_all(processes: list[NodeProcess], timeout: float = 10.0) -> None:
    """Stop the processes together, as `ros2 launch` does on Ctrl-C: SIGINT to every group,
    then SIGTERM to those still running after `timeout`, then SIGKILL. Together, because a
    node may wait on another one's answer while it shuts down."""
    for sig in STOP_SIGNALS:
        running = [process for process in processes if process.running()]
        for process in running:
            process.signal_group(sig)
        deadline = time.monotonic() + timeout
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        process.close_log()


@contextlib.contextmanager
def node_processes(env: dict[str, str] | None, log_dir: pathlib.Path
                   ) -> Iterator[Callable[[str, list[str]], NodeProcess]]:
    """start(name, command) -> NodeProcess logging to <log_dir>/<name>.log; every process
    started is stopped on leaving, whatever happened."""
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: list[NodeProcess] = []

    def start(name: str, command: list[str]) -> NodeProcess:
        processes.append(NodeProcess(command, env, log_dir / f"{name}.log"))
        return processes[-1]

    try:
        yield start
    finally:
        stop_all(processes)
