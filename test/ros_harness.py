"""Start real node processes in an isolated ROS 2 graph and stop them by process group.

Each test gets its own ROS_DOMAIN_ID and ROS_HOME, so tests (and test runs on the same
machine) do not see each other's nodes.
"""
from __future__ import annotations

import itertools
import os
import pathlib
import time

from seg_by_interaction.ros.futures import settle_before_first_goal
from seg_by_interaction.ros.node_processes import NodeProcess, isolated_ros_environment, node_command

__all__ = ["NodeProcess", "node_command", "isolated_environment", "wait_until", "wait_for_node",
           "wait_for_message", "call_service", "send_goal", "goal_result"]
_domain_counter = itertools.count()


def isolated_environment(ros_home: pathlib.Path) -> dict[str, str]:
    """The environment for one test's ROS graph: a domain ID no other test of this run
    uses (offset by PID across concurrent runs), a private ROS_HOME, localhost only.
    IDs stay within 1-101: higher ones put Fast DDS ports into the ephemeral range."""
    return isolated_ros_environment(ros_home, 1 + (os.getpid() + next(_domain_counter)) % 101)


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


def send_goal(client, goal, timeout: float = 30.0, server_timeout: float = 120.0,
              feedback_callback=None):
    """Send an action goal and wait for the server's answer; the goal handle."""
    if not client.wait_for_server(timeout_sec=server_timeout):
        raise TimeoutError(f"action server {client._action_name} did not appear within "
                           f"{server_timeout} s")
    settle_before_first_goal(client)
    future = client.send_goal_async(goal, feedback_callback=feedback_callback)
    wait_until(future.done, timeout, what="the goal's acceptance")
    return future.result()


def goal_result(handle, timeout: float):
    """The result response (status and result) of an accepted goal."""
    future = handle.get_result_async()
    wait_until(future.done, timeout, what="the goal's result")
    return future.result()
