"""The loop's wiring as ROS arguments: one list for the nodes composed in one process,
the same for each node's own process; and a ROS domain per run on one machine."""
import os

from seg_by_interaction.core.wiring import LoopRun, loop_wiring
from seg_by_interaction.ros import loop
from seg_by_interaction.ros.loop import PRIVATE_DOMAINS, claim_free_domain, loop_arguments, loop_commands
from seg_by_interaction.ros.node_processes import node_command


def wiring(run_dir):
    return loop_wiring(LoopRun(run_dir=run_dir, interactions=5, robot="pr2",
                               overrides=("hypothesis_server:segmenter.scales:=[1.0]",)))


def test_composed_nodes_read_the_files_then_each_node_s_values(tmp_path):
    loop = wiring(tmp_path)
    arguments = loop_arguments(loop)
    files = [arguments[i + 1] for i, arg in enumerate(arguments) if arg == "--params-file"]
    assert arguments[:2] == ["sbi", "--ros-args"] and files == list(loop.params_files)
    assignments = [arguments[i + 1] for i, arg in enumerate(arguments) if arg == "-p"]
    assert {"world_node:robot:=pr2", "collector:interactions:=5",
            "interaction_executor:record_ground_truth:=true",
            "hypothesis_server:segmenter.scales:=[1.0]"} <= set(assignments)
    assert arguments.index("--params-file") < arguments.index("-p")


def test_each_node_in_its_own_process_gets_the_same_arguments(tmp_path):
    loop = wiring(tmp_path)
    commands = loop_commands(loop)
    assert tuple(commands) == loop.nodes
    shared = loop_arguments(loop)[2:]
    assert all(command == node_command(node, *shared) for node, command in commands.items())



def test_concurrent_runs_claim_different_domains_until_they_end(tmp_path):
    first = claim_free_domain(tmp_path)
    second = claim_free_domain(tmp_path)          # another open file: as another run
    assert first.domain != second.domain
    assert {first.domain, second.domain} <= set(PRIVATE_DOMAINS)
    first.release()                               # the first run ends
    assert claim_free_domain(tmp_path).domain == first.domain


def test_a_domain_whose_lock_file_this_user_cannot_open_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "getpid", lambda: 0)      # the search starts at the first domain
    others = tmp_path / f"{PRIVATE_DOMAINS.start}.lock"

    def open_as_another_user(path, mode):
        if path == others:
            raise PermissionError(13, "Permission denied", str(path))
        return open(path, mode)

    monkeypatch.setattr(loop, "open", open_as_another_user, raising=False)
    assert claim_free_domain(tmp_path).domain == PRIVATE_DOMAINS.start + 1
