"""Starting the self-supervised loop as core/wiring.py wires it: its nodes composed in
one process (`sbi collect`) or each in its own (the speed benchmark, the end-to-end
test), and the ROS graph a run uses."""
from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import pathlib
import tempfile
import typing

from seg_by_interaction.core.wiring import LoopWiring
from seg_by_interaction.ros.node_processes import node_command
from seg_by_interaction.ros.parameters import ros_arguments

DRAIN_TIMEOUT_S = 120.0
# Callbacks that wait on other nodes' answers (the executor on the world's motions) hold
# an executor thread each; a few more than the nodes keep every node responsive.
EXECUTOR_THREADS = 12
# Domains for runs that name none (the tests' isolated graphs use 1..101).
PRIVATE_DOMAINS = range(150, 230)
CLAIMS_DIR = pathlib.Path(tempfile.gettempdir()) / "seg_by_interaction_domains"
_held_claims = []      # a claim lasts as long as this process


def loop_arguments(wiring: LoopWiring) -> list[str]:
    """ROS arguments of every node of the loop, for one process that composes them."""
    return ros_arguments(list(wiring.params_files), [
        f"{node}:{name}:={_ros_text(value)}"
        for node, values in wiring.parameters.items() for name, value in values.items()])


def loop_commands(wiring: LoopWiring) -> dict[str, list[str]]:
    """Command line of each node of the loop in its own process, as `ros2 launch` starts
    them; each node reads its own parameters from the loop's arguments."""
    arguments = loop_arguments(wiring)[2:]     # without `sbi --ros-args`
    return {node: node_command(node, *arguments) for node in wiring.nodes}


def _ros_text(value) -> str:
    """Strings as they are (ROS reads the text), anything else in YAML's flow style."""
    return value if isinstance(value, str) else json.dumps(value)


def use_private_domain() -> int:
    """The composed nodes answer each other by service and action names; two runs on one
    machine in the same ROS domain would answer each other's requests (a collection took
    a rearrangement benchmark's motion results and camera frames so, and stopped). Unless
    ROS_DOMAIN_ID is set, a run gets a domain no other run on the machine holds (printed,
    to attach tools)."""
    if "ROS_DOMAIN_ID" not in os.environ:
        claim = claim_free_domain()
        _held_claims.append(claim)
        os.environ["ROS_DOMAIN_ID"] = str(claim.domain)
        print(f"ROS_DOMAIN_ID={os.environ['ROS_DOMAIN_ID']} (set ROS_DOMAIN_ID to choose)")
    return int(os.environ["ROS_DOMAIN_ID"])


@dataclasses.dataclass(frozen=True)
class DomainClaim:
    domain: int
    lock: typing.IO

    def release(self) -> None:
        self.lock.close()


def claim_free_domain(claims_dir: pathlib.Path = CLAIMS_DIR) -> DomainClaim:
    """A domain of PRIVATE_DOMAINS that no other run holds, held until the claim is
    released or the process ends: an exclusive flock on a file per domain, which the
    kernel releases however the process ends (killed included). A lock file this user
    cannot open is another user's claim. RuntimeError when every domain is held."""
    claims_dir.mkdir(parents=True, exist_ok=True)
    start = os.getpid() % len(PRIVATE_DOMAINS)
    for offset in range(len(PRIVATE_DOMAINS)):
        domain = PRIVATE_DOMAINS[(start + offset) % len(PRIVATE_DOMAINS)]
        try:
            lock = open(claims_dir / f"{domain}.lock", "a")
        except PermissionError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return DomainClaim(domain, lock)
    raise RuntimeError(f"every private ROS domain ({PRIVATE_DOMAINS.start}-"
                       f"{PRIVATE_DOMAINS.stop - 1}) is held by another run on this machine; "
                       "set ROS_DOMAIN_ID")
