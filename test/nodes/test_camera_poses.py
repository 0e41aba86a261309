"""A camera on a moving link (the PR2's head) over DDS: its pose at an image's time from
the world's /robot_description and the joint state nearest the image; a robot reporting
its head joints turns the pose with them; a joint state with a NaN position, or stamped
ahead of the node's clock, is refused."""
import numpy as np
import pytest
from builtin_interfaces.msg import Time as TimeMsg
from rclpy.time import Time
from ros_harness import node_command, wait_for_node, wait_until
from sensor_msgs.msg import JointState
from std_msgs.msg import Header, String

from seg_by_interaction.benchmarks import fault_fuzz
from seg_by_interaction.core.camera.kinematics import CameraKinematics
from seg_by_interaction.core.images import ImageError
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.ros import qos
from seg_by_interaction.ros.camera_poses import CameraPoses
from seg_by_interaction.ros.rejections import Rejections

PR2 = load_robot_config("pr2")
CAMERA = PR2.camera()
SECOND = 10**9


def pose_or_none(poses, stamp_ns):
    try:
        return poses.at(stamp_ns)
    except ImageError:
        return None


def test_a_head_camera_s_pose_follows_the_head(start_process, test_node):
    descriptions, states = [], []
    test_node.create_subscription(String, "/robot_description", descriptions.append, qos.LATCHED)
    test_node.create_subscription(JointState, PR2.controllers.joint_states_topic, states.append,
                                  qos.SENSOR_DATA)
    poses = CameraPoses(test_node, CAMERA, PR2, Rejections(test_node))
    counted = fault_fuzz.rejections_counted(test_node)
    with pytest.raises(ImageError, match="no robot description"):
        poses.at(0)
    world = start_process(node_command("world_node", "-p", "robot:=pr2", "-p", "arena.min_objects:=1",
                               "-p", "arena.max_objects:=1"))
    wait_for_node(test_node, "world_node", timeout=90)
    wait_until(lambda: descriptions and states, 60, what="the world's description and joints")
    newest = Time.from_msg(states[-1].header.stamp).nanoseconds
    at_reference = wait_until(lambda: pose_or_none(poses, newest), 30, what="the camera's pose")
    np.testing.assert_allclose(at_reference.position, CAMERA.pose.position, atol=1e-6)
    with pytest.raises(ImageError, match="no joint state on /joint_states within 100 ms"):
        poses.at(newest + 100 * SECOND)

    world.stop()                    # a robot that reports its head, on the description kept
    turned = {"head_pan_joint": 0.4, "head_tilt_joint": 0.7}
    later = (newest // SECOND + 2) * SECOND
    robot = test_node.create_publisher(JointState, PR2.controllers.joint_states_topic,
                                       qos.SENSOR_DATA)
    for stamp, head in ((later + SECOND, [np.nan, 0.0]), (later, list(turned.values()))):
        robot.publish(JointState(header=Header(stamp=TimeMsg(sec=stamp // SECOND)),
                                 name=list(turned), position=head))
    expected = CameraKinematics(descriptions[0].data, CAMERA, PR2.base_frame).pose(turned)
    pose = wait_until(lambda: pose_or_none(poses, later), 10, what="the turned head's pose")
    np.testing.assert_allclose(pose.position, expected.position, atol=1e-9)
    assert np.linalg.norm(np.subtract(pose.position, CAMERA.pose.position)) > 0.01
    with pytest.raises(ImageError, match="no joint state"):   # the NaN one, taken before, refused
        poses.at(later + SECOND)

    ahead = test_node.get_clock().now().nanoseconds + 100 * SECOND
    robot.publish(JointState(header=Header(stamp=TimeMsg(sec=ahead // SECOND)),
                             name=list(turned), position=[0.0, 0.0]))
    wait_until(lambda: counted.get(f"test_client: {PR2.controllers.joint_states_topic}") == 2, 10,
               what="the NaN and the future joint states refused")
    np.testing.assert_allclose(poses.at(later).position, expected.position, atol=1e-9)
