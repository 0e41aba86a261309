"""An arm without a `simulation` section planned on its robot description: the Panda's
URDF text from pybullet_data (its meshes under a mapped package, its TCP added by the
README's snippet) becomes the embedded backend's model, which plans a move executed by
the simulated Panda; descriptions lacking the config's names, a mesh package or a
velocity limit are refused with errors naming what is missing."""
import dataclasses
import pathlib

import numpy as np
import pybullet
import pytest

from seg_by_interaction.core.interaction.motion import ToolPose
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.controllers import SimulatedArm, SimulatedController
from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend
from seg_by_interaction.core.world.params import EmbeddedMotionParams
from seg_by_interaction.core.world.robots.described import DescribedArm
from seg_by_interaction.core.world.robots.panda import URDF
from seg_by_interaction.core.world.robots.urdf import (RobotModelError, description_packages,
                                                       description_tree, model_file)

PANDA = load_robot_config("panda")
REAL_PANDA = dataclasses.replace(PANDA, simulation=None)
TCP_SNIPPET = """
  <link name="sbi_tcp"/>
  <joint name="sbi_tcp_joint" type="fixed">
    <parent link="panda_hand"/> <child link="sbi_tcp"/> <origin xyz="0 0 0.1034" rpy="0 0 0"/>
  </joint>
</robot>"""


def panda_description(text_edit=lambda text: text) -> str:
    text = model_file(*URDF).read_text()
    return text_edit(text.replace("</robot>", TCP_SNIPPET))


def package_dirs() -> dict[str, str]:
    return {"meshes": str(model_file(*URDF).parent / "meshes")}


@pytest.fixture
def client():
    client = pybullet.connect(pybullet.DIRECT)
    yield client
    pybullet.disconnect(physicsClientId=client)


def test_the_description_names_its_mesh_packages_and_they_resolve_to_files():
    text = panda_description()
    assert description_packages(text) == {"meshes"}
    tree = description_tree(text, package_dirs())
    meshes = [pathlib.Path(m.get("filename")) for m in tree.iter("mesh")]
    assert meshes and all(m.is_absolute() and m.is_file() for m in meshes)
    assert not list(tree.iter("visual"))


def test_a_missing_mesh_package_is_named():
    with pytest.raises(RobotModelError, match="package 'meshes'"):
        description_tree(panda_description(), {})


def test_mesh_package_folders_are_configured_as_package_equals_folder():
    params = EmbeddedMotionParams(mesh_package_dirs=["meshes = /opt/panda/meshes"])
    assert params.package_dirs() == {"meshes": "/opt/panda/meshes"}
    with pytest.raises(ValueError, match="package=folder"):
        EmbeddedMotionParams(mesh_package_dirs=["/opt/panda/meshes"])


def test_a_description_lacking_the_config_s_names_is_refused_naming_them(client):
    text = panda_description(lambda t: t.replace('"panda_joint7"', '"joint7"')
                             .replace('"sbi_tcp"', '"tcp"'))
    with pytest.raises(RobotModelError) as error:
        DescribedArm(client, REAL_PANDA, description_tree(text, package_dirs()))
    assert "arm joint 'panda_joint7'" in str(error.value)
    assert "TCP link 'sbi_tcp'" in str(error.value)
    base = dataclasses.replace(REAL_PANDA, base_frame="world")
    with pytest.raises(RobotModelError, match="base frame 'world'"):
        DescribedArm(client, base, description_tree(panda_description(), package_dirs()))


def test_an_arm_joint_without_a_velocity_limit_is_refused(client):
    text = panda_description(lambda t: t.replace('velocity="2.1750"', 'velocity="0"', 1))
    with pytest.raises(RobotModelError, match=r"no velocity limit .*\['panda_joint1'\]"):
        DescribedArm(client, REAL_PANDA, description_tree(text, package_dirs()))


def test_the_model_holds_the_fingers_open_and_scales_the_description_s_velocity_limits(client):
    arm = DescribedArm(client, REAL_PANDA, description_tree(panda_description(), package_dirs()))
    try:
        scaling = REAL_PANDA.speeds.velocity_scaling
        # panda.urdf: 2.175 rad/s for joints 1-4, 2.61 rad/s for joints 5-7
        assert np.allclose(arm.execution_velocity_limits(), np.repeat([2.175, 2.61], [4, 3]) * scaling)
        finger = pybullet.getJointState(arm.body, arm._joint("panda_finger_joint1"),
                                        physicsClientId=client)[0]
        assert finger == pytest.approx(REAL_PANDA.gripper.max_opening / 2)
        target = ToolPose.top_down((0.5, 0.1, 0.2), 0.0)
        q = arm.inverse_kinematics(target.position, target.orientation_xyzw)
        arm.reset_arm(q)
        assert np.linalg.norm(arm.ee_pose()[0] - target.position) < 0.01
    finally:
        arm.close()


def test_a_move_planned_on_the_description_is_executed_by_the_simulated_panda():
    arena = Arena(PANDA)
    arena.reset_scene("test", 0, num_objects=1)
    hardware = SimulatedArm(SimulatedController(arena))
    backend = EmbeddedMotionBackend(REAL_PANDA, hardware, description=description_tree(
        panda_description(), package_dirs()))
    try:
        assert isinstance(backend.robot, DescribedArm)
        backend.move_to_named("home")
        target = np.array([0.5, -0.1, 0.25])
        start = arena.sim_time
        backend.move_to(ToolPose.top_down(target, 0.0), 0.2)
        assert np.linalg.norm(arena.robot.ee_pose()[0] - target) < 0.01
        assert np.linalg.norm(backend.tool_pose().position - target) < 0.01
        assert arena.sim_time > start
    finally:
        backend.close()
        arena.close()
