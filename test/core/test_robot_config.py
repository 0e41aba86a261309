"""Robot configs: every shipped robot loads; inconsistent ones are rejected clearly."""
import numpy as np
import pytest
import yaml

from seg_by_interaction.core.geometry import quaternion_to_matrix
from seg_by_interaction.core.robot_config import available_robots, config_dir, load_robot_config
from seg_by_interaction.core.validated import ConfigError


def test_shipped_robots_load():
    assert {"sawyer", "pr2", "panda"} <= set(available_robots())
    for name in available_robots():
        robot = load_robot_config(name)
        assert robot.name == name
        assert robot.workspace.contains(robot.workspace.min)


def test_a_config_without_simulation_validates():
    """A user's arm, written from its own description's names, needs no simulated model."""
    robot = load_robot_config(str(config_dir() / "examples" / "ur5e.yaml"))
    assert robot.simulation is None
    assert robot.arm_joints[0] == "shoulder_pan_joint" and len(robot.named_poses["home"]) == 6
    assert (robot.tcp.link, robot.tcp.parent_link) == ("sbi_tcp", "tool0")


@pytest.mark.parametrize("name", ["sawyer", "pr2", "panda"])
def test_configs_name_their_own_tcp_link_on_a_link_of_the_arm(name):
    tcp = load_robot_config(name).tcp
    assert tcp.link == "sbi_tcp" and tcp.parent_link not in ("", "sbi_tcp")


@pytest.mark.parametrize("name", ["sawyer", "pr2", "panda"])
def test_cameras_look_down_at_the_table_area(name):
    robot = load_robot_config(name)
    camera = robot.camera()
    view_axis = quaternion_to_matrix(camera.pose.orientation_xyzw)[:, 2]  # optical z
    assert view_axis[2] < -0.3, "camera should look down at the table"
    centre = np.array([*robot.table_area.centre, robot.table_height])
    to_centre = centre - np.array(camera.pose.position)
    cos_angle = view_axis @ to_centre / np.linalg.norm(to_centre)
    assert cos_angle > np.cos(np.radians(25)), "table centre should be near the image centre"


def edited_sawyer(tmp_path, edit):
    data = yaml.safe_load((config_dir() / "sawyer.yaml").read_text())
    edit(data["robot"])
    path = tmp_path / "robot.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["named_poses"].pop("out_of_view"), "named_poses lacks ['out_of_view']"),
    (lambda r: r["named_poses"].update(home=[0.0] * 6), "has 6 values for 7 arm joints"),
    (lambda r: r["workspace"].update(min=[2.0, -0.4, -0.1]), "must be below max"),
    (lambda r: r.update(table_height=5.0), "table_height 5.0 lies outside"),
    (lambda r: r["cameras"][0]["pose"].update(orientation_xyzw=[0, 0, 0, 0.5]), "not a unit quaternion"),
    (lambda r: r["cameras"].append(dict(r["cameras"][0])), "camera names must be unique"),
    (lambda r: r["gripper"].update(max_opening=-0.1), "below the minimum"),
    (lambda r: r["cameras"][0].update(depth_range=[3.0, 0.5]), "must be (near, far)"),
    (lambda r: r.update(end_effector="x"), "unknown key(s) ['end_effector']"),
    (lambda r: r["tcp"].update(link="right_hand"), "must be a link of its own"),
    (lambda r: r.pop("tcp"), "missing required key 'tcp'"),
])
def test_inconsistent_configs_are_rejected(tmp_path, edit, message):
    with pytest.raises(ConfigError) as error:
        load_robot_config(str(edited_sawyer(tmp_path, edit)))
    assert message in str(error.value)


def test_unknown_robot_lists_the_available_ones():
    with pytest.raises(ConfigError, match=r"unknown robot 'ur5'; available: \['panda', 'pr2', 'sawyer'\]"):
        load_robot_config("ur5")


def test_workspace_rejects_nan_points():
    workspace = load_robot_config("sawyer").workspace
    assert not workspace.contains([np.nan, 0.0, 0.0])
    assert not workspace.contains([5.0, 0.0, 0.0])
