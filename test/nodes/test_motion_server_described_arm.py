"""A user's ros2_control arm without MoveIt and without a `simulation` section in its
robot config: the motion server's embedded backend plans on the arm's description, the
/robot_description the arm publishes (here the world node, playing the Panda's
hardware) or a URDF file whose package:// meshes are mapped by a parameter, and moves
the tool where it is told; a description lacking the config's TCP link stops it at
start-up with a message naming the link, and so does a gripper action named in the
config where control_msgs is not installed (as here)."""
import time

import numpy as np
import pytest
import yaml
from rclpy.action import ActionClient
from ros_harness import node_command, wait_until
from sensor_msgs.msg import JointState
from std_msgs.msg import Header
from test_motion_server import WORLD, nanoseconds, send_motion

from seg_by_interaction.action import Motion
from seg_by_interaction.core.interaction.motion import Outcome, ToolPose
from seg_by_interaction.core.robot_config import config_dir, load_robot_config
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.robots.panda import URDF
from seg_by_interaction.core.world.robots.urdf import model_file
from seg_by_interaction.ros import poses, qos

TARGET = (0.5, -0.1, 0.25)
BASE = "panda_link0"
TCP_LINK = """<link name="sbi_tcp"/>
<joint name="sbi_tcp_joint" type="fixed"><parent link="panda_hand"/><child link="sbi_tcp"/>
<origin xyz="0 0 0.1034" rpy="0 0 0"/></joint></robot>"""


def config_without_simulation(tmp_path, **robot_changes) -> str:
    """config/panda.yaml with its `simulation` section removed (and `robot_changes`), as a
    user writes one for a real arm."""
    data = yaml.safe_load((config_dir() / "panda.yaml").read_text())
    del data["robot"]["simulation"]
    data["robot"].update(robot_changes)
    path = tmp_path / "my_arm.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_robot_config(str(path)).simulation is None
    return str(path)


def description_file_arguments(tmp_path) -> list[str]:
    """pybullet_data's Panda URDF with the TCP link, its package://meshes/ mapped."""
    path = tmp_path / "panda.urdf"
    path.write_text(model_file(*URDF).read_text().replace("</robot>", TCP_LINK))
    meshes = model_file(*URDF).parent / "meshes"
    return ["-p", f"embedded.robot_description_file:={path}",
            "-p", f"embedded.mesh_package_dirs:=['meshes={meshes}']"]


def tool_position(joint_state: JointState) -> np.ndarray:
    """The TCP for `joint_state`, by the simulated Panda's kinematics."""
    arena = Arena(load_robot_config("panda"))
    try:
        positions = dict(zip(joint_state.name, joint_state.position))
        arena.robot.reset_arm([positions[name] for name in arena.robot_config.arm_joints])
        return arena.robot.ee_pose()[0]
    finally:
        arena.close()


@pytest.mark.parametrize("source", ["topic", "file"])
def test_the_embedded_backend_moves_an_arm_without_a_simulation_section(
        start_process, test_node, tmp_path, source):
    joints = []
    test_node.create_subscription(JointState, "/joint_states", joints.append, qos.SENSOR_DATA)
    started = time.monotonic()
    start_process(node_command("world_node", *WORLD, "-p", "robot:=panda"))
    description = description_file_arguments(tmp_path) if source == "file" else []
    server = start_process(node_command("motion_server", "-p",
                                        f"robot:={config_without_simulation(tmp_path)}",
                                        *description))
    motion = ActionClient(test_node, Motion, "motion")
    assert motion.wait_for_server(timeout_sec=120.0)
    ready = time.monotonic()
    wait_until(lambda: "motion server ready: panda, embedded backend" in server.output(), 30,
               what="the motion server's start-up message")

    goal = poses.to_pose_stamped(ToolPose.top_down(TARGET, 0.0), Header(frame_id=BASE))
    result = send_motion(motion, Motion.Goal(command=Motion.Goal.MOVE_TO, poses=[goal]))
    moved = time.monotonic()
    assert result.outcome == Outcome.OK, result.reason
    assert np.linalg.norm(poses.from_pose_stamped(result.tool_pose, BASE).position
                          - TARGET) < 0.01
    ended = nanoseconds(result.tool_pose.header.stamp)
    after = wait_until(lambda: next((m for m in reversed(joints)
                                     if nanoseconds(m.header.stamp) >= ended), None), 10,
                       what="a joint state from the motion's end")
    assert np.linalg.norm(tool_position(after) - TARGET) < 0.01
    print(f"description from the {source}: world and motion server up in {ready - started:.1f} s, the move took "
          f"{moved - ready:.1f} s (wall)")
    assert server.stop() == 0


def test_a_description_lacking_the_tcp_link_stops_the_server_naming_it(
        start_process, test_node, tmp_path):
    tcp = {"link": "my_tcp", "parent_link": "panda_hand",
           "offset": {"position": [0.0, 0.0, 0.1034], "orientation_xyzw": [0.0, 0.0, 0.0, 1.0]}}
    start_process(node_command("world_node", *WORLD, "-p", "robot:=panda"))
    server = start_process(node_command("motion_server", "-p",
                                        f"robot:={config_without_simulation(tmp_path, tcp=tcp)}"))
    assert server.wait(timeout=120) == 2
    assert "lacks the TCP link 'my_tcp'" in server.output()


def test_a_gripper_action_without_control_msgs_stops_the_server_saying_so(start_process, tmp_path):
    controllers = {"gripper_action": "/gripper_controller/gripper_cmd"}
    server = start_process(node_command(
        "motion_server", "-p", f"robot:={config_without_simulation(tmp_path, controllers=controllers)}"))
    assert server.wait(timeout=120) == 2
    assert "names the gripper action '/gripper_controller/gripper_cmd', but control_msgs is " \
           "not installed" in server.output()
