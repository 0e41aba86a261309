"""Fixtures for node tests: an isolated ROS graph per test, node processes that are
always stopped, and an rclpy node in the test process that joins the same graph."""
from __future__ import annotations

import itertools
import pathlib

import pytest

from ros_harness import isolated_environment
from seg_by_interaction.ros.node_processes import node_processes
from seg_by_interaction.ros.spun_node import spun_node


@pytest.fixture
def ros_env(tmp_path, monkeypatch) -> dict[str, str]:
    env = isolated_environment(tmp_path / "ros_home")
    for key in ("ROS_DOMAIN_ID", "ROS_HOME", "ROS_LOG_DIR", "ROS_AUTOMATIC_DISCOVERY_RANGE",
                "RMW_IMPLEMENTATION", "FASTDDS_BUILTIN_TRANSPORTS"):
        monkeypatch.setenv(key, env[key])
    return env


LOG_TAIL_CHARS = 4000


@pytest.fixture
def start_process(ros_env, tmp_path, request):
    """start_process(command) -> NodeProcess, stopped at teardown whatever happens; a
    failing test's report ends with the tail of each process's log."""
    numbers = itertools.count()
    request.node.node_processes = started = []
    with node_processes(ros_env, tmp_path) as start:
        def start_numbered(command):
            started.append(start(f"process_{next(numbers)}", command))
            return started[-1]
        yield start_numbered


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.when == "call" and report.failed:
        for process in getattr(item, "node_processes", []):
            name = pathlib.Path(process.command[0]).name
            report.sections.append((f"log of {name} ({process.log_path.name})",
                                    process.output()[-LOG_TAIL_CHARS:]))


@pytest.fixture
def test_node(ros_env):
    """An rclpy node in the test process, spun in a background thread."""
    with spun_node("test_client", int(ros_env["ROS_DOMAIN_ID"])) as node:
        yield node
