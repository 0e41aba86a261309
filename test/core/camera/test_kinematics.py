"""A camera on a moving link: its pose by forward kinematics of the robot's description
agrees with the simulator's, the head turned away from the reference."""
import xml.etree.ElementTree as ET

import numpy as np
import pybullet
import pytest

from seg_by_interaction.core.camera.kinematics import CameraKinematics
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.arena import Arena


@pytest.fixture(scope="module")
def pr2():
    arena = Arena(load_robot_config("pr2"))
    yield arena
    arena.close()


def kinematics(arena) -> CameraKinematics:
    urdf = ET.tostring(arena.robot.model_urdf(), encoding="unicode")
    return CameraKinematics(urdf, arena.robot_config.camera(), arena.robot_config.base_frame)


def test_at_the_reference_joints_the_configured_pose():
    arena = Arena(load_robot_config("pr2"))
    try:
        camera = arena.robot_config.camera()
        pose = kinematics(arena).pose({})
        np.testing.assert_allclose(pose.position, camera.pose.position, atol=1e-6)
        configured = np.divide(camera.pose.orientation_xyzw,
                               np.linalg.norm(camera.pose.orientation_xyzw))
        assert abs(np.dot(pose.orientation_xyzw, configured)) == pytest.approx(1.0, abs=1e-6)
    finally:
        arena.close()


@pytest.mark.parametrize("pan, tilt", [(0.3, 0.6), (-0.6, 1.1), (0.0, 0.9634)])
def test_the_head_turned_the_pose_the_simulator_shows(pr2, pan, tilt):
    robot = pr2.robot
    for name, value in (("head_pan_joint", pan), ("head_tilt_joint", tilt)):
        pybullet.resetJointState(robot.body, robot._joint(name), value, physicsClientId=pr2.client)
    position, orientation = robot.camera_pose(pr2.robot_config.camera())
    pose = kinematics(pr2).pose({"head_pan_joint": pan, "head_tilt_joint": tilt})
    np.testing.assert_allclose(pose.position, position, atol=1e-5)
    assert abs(np.dot(pose.orientation_xyzw, orientation)) == pytest.approx(1.0, abs=1e-6)


def test_a_description_that_is_no_urdf_or_lacks_the_link_is_refused():
    camera = load_robot_config("pr2").camera()
    with pytest.raises(ValueError, match="does not parse"):
        CameraKinematics("<robot name='x'><link", camera, "base_link")
    with pytest.raises(ValueError, match="head_tilt_link"):
        CameraKinematics("<robot name='x'><link name='base_link'/></robot>", camera, "base_link")
