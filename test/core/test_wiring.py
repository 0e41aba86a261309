"""The table of the package's nodes, and the one wiring of the loop that `sbi collect`, the
speed benchmark, the end-to-end test and launch/sim_collect.launch.py all start."""
import dataclasses
import pathlib

import pytest

from seg_by_interaction.core.node_params import params_class
from seg_by_interaction.core.robot_config import config_dir
from seg_by_interaction.core.validated import ConfigError
from seg_by_interaction.core.wiring import (NODES, LoopRun, RearrangeRun, loop_wiring, parse_override,
                                          rearrange_wiring)

LAUNCH_FILE = pathlib.Path(__file__).resolve().parents[2] / "launch" / "sim_collect.launch.py"


def test_every_node_has_a_parameter_dataclass():
    assert all(dataclasses.is_dataclass(params_class(name)) for name in NODES)


def test_a_run_wires_the_world_and_the_loop_s_nodes_after_the_config_files(tmp_path):
    wiring = loop_wiring(LoopRun(run_dir=tmp_path / "run", interactions=7, robot="pr2", seed=3,
                                 loss="ce", params_files=("more.yaml",)))
    assert wiring.nodes == ("world_node", "motion_server", "hypothesis_server",
                            "interaction_executor", "mask_labeler", "online_trainer", "collector")
    assert wiring.params_files == (str(config_dir() / "sim_world.yaml"),
                                   str(config_dir() / "motion_server.yaml"),
                                   str(config_dir() / "collect.yaml"), "more.yaml")
    run_dir = str(tmp_path / "run")
    assert wiring.parameters["world_node"] == {"robot": "pr2", "seed": 3}
    assert wiring.parameters["motion_server"] == {"robot": "pr2", "seed": 3, "backend": "embedded",
                                                  "use_sim_time": True}
    assert all(values["use_sim_time"] for node, values in wiring.parameters.items()
               if node != "world_node")                  # the world is the clock
    assert wiring.parameters["hypothesis_server"]["checkpoint_dir"] == f"{run_dir}/checkpoints"
    assert wiring.parameters["interaction_executor"]["record_ground_truth"] is True
    assert wiring.parameters["interaction_executor"]["require_arming"] is False
    assert wiring.parameters["online_trainer"] == {"run_dir": run_dir, "seed": 3,
                                                   "training.mask_loss": "ce", "use_sim_time": True}
    assert wiring.parameters["collector"]["interactions"] == 7
    assert wiring.parameters["collector"]["exit_when_finished"] is False


def test_a_real_arm_runs_the_same_graph_without_the_world(tmp_path):
    wiring = loop_wiring(LoopRun(run_dir=tmp_path, interactions=7, robot="ur5e.yaml",
                                 simulated=False, moveit_config="ur_moveit_config",
                                 exit_when_finished=True))
    assert wiring.nodes == ("motion_server", "hypothesis_server", "interaction_executor",
                            "mask_labeler", "online_trainer", "collector")
    assert wiring.params_files == (str(config_dir() / "motion_server.yaml"),
                                   str(config_dir() / "collect.yaml"))
    assert wiring.parameters["motion_server"]["backend"] == "moveit"
    assert wiring.parameters["motion_server"]["moveit.moveit_config_package"] == "ur_moveit_config"
    executor = wiring.parameters["interaction_executor"]
    # the executor's defaults: no ground truth recorded, arming required
    assert "record_ground_truth" not in executor and "require_arming" not in executor
    assert "reset_scene_service" not in wiring.parameters["collector"]
    assert wiring.parameters["collector"]["exit_when_finished"] is True
    assert not any("use_sim_time" in values for values in wiring.parameters.values())


def test_the_nodes_get_the_run_directory_as_an_absolute_path():
    wiring = loop_wiring(LoopRun(run_dir=pathlib.Path("relative"), interactions=1))
    assert wiring.parameters["mask_labeler"]["run_dir"] == str(pathlib.Path("relative").resolve())


def test_the_run_s_overrides_come_last():
    wiring = loop_wiring(LoopRun(run_dir=pathlib.Path("run"), interactions=1, first_model_after=5,
                                 overrides=("online_trainer:first_model_after:=9",
                                            "mask_labeler:labeler:=frame_difference")))
    assert wiring.parameters["online_trainer"]["first_model_after"] == "9"
    assert wiring.parameters["mask_labeler"]["labeler"] == "frame_difference"


@pytest.mark.parametrize("override, message", [
    ("camera_node:folder:=/x", "'camera_node' is not one of the run's nodes"),
    ("collector:interactions=3", "wants NODE:NAME:=VALUE"),
])
def test_an_override_the_loop_cannot_take_is_refused(override, message):
    with pytest.raises(ConfigError, match=message):
        loop_wiring(LoopRun(run_dir=pathlib.Path("run"), interactions=1, overrides=(override,)))


def test_an_override_names_its_node_parameter_and_value():
    assert parse_override("hypothesis_server:segmenter.scales:=[1.0]") == (
        "hypothesis_server", "segmenter.scales", "[1.0]")


def test_the_launch_file_starts_the_nodes_the_wiring_gives():
    source = LAUNCH_FILE.read_text()
    assert "loop_wiring(LoopRun(" in source and "OpaqueFunction(function=loop_nodes)" in source
    assert not any(f'"{name}"' in source for name in NODES)


def test_the_rearrangement_demo_wires_the_world_the_motion_server_the_executor_and_the_node():
    wiring = rearrange_wiring(RearrangeRun(robot="pr2", seed=4, segmenter="depth_clusters",
                                           overrides=("world_node:arena.layout:=touching",)))
    assert wiring.nodes == ("world_node", "motion_server", "interaction_executor", "rearrangement")
    assert wiring.params_files == (str(config_dir() / "sim_world.yaml"),
                                   str(config_dir() / "motion_server.yaml"),
                                   str(config_dir() / "rearrange.yaml"))
    assert wiring.parameters["world_node"] == {"robot": "pr2", "seed": 4, "split": "test",
                                               "arena.layout": "touching"}
    assert wiring.parameters["rearrangement"]["segmenter"] == "depth_clusters"
    assert all(wiring.parameters[node]["use_sim_time"] for node in wiring.nodes[1:])
    assert wiring.parameters["interaction_executor"]["require_arming"] is False
    assert "checkpoint" not in wiring.parameters["rearrangement"]
    real_arm = rearrange_wiring(RearrangeRun(with_world=False, checkpoint="/m.pt"))
    assert real_arm.nodes == ("motion_server", "interaction_executor", "rearrangement")
    assert "require_arming" not in real_arm.parameters["interaction_executor"]
    assert real_arm.parameters["rearrangement"]["checkpoint"] == "/m.pt"
    launch = (LAUNCH_FILE.parent / "rearrange.launch.py").read_text()
    assert "rearrange_wiring(RearrangeRun(" in launch
