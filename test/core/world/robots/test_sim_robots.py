"""Simulated robots, every robot config with a simulation section: loading, the tool
centre point, limits, inverse kinematics, grasping by friction, cameras; the model table."""
import dataclasses
import math

import numpy as np
import pybullet
import pytest

from seg_by_interaction.core.geometry import pose_matrix, quaternion_to_matrix
from seg_by_interaction.core.robot_config import available_robots, config_dir, load_robot_config
from seg_by_interaction.core.validated import ConfigError
from seg_by_interaction.core.world.robots import RobotModelError, load_robot, robot_classes

ROBOTS = [name for name in available_robots() if load_robot_config(name).simulation]
STEP_S = 1.0 / 240.0   # PyBullet's default time step


@pytest.fixture(params=ROBOTS)
def world(request, sim_robot):
    return sim_robot(request.param)


def top_down(yaw):
    return np.array(pybullet.getQuaternionFromEuler([math.pi, 0.0, yaw]))


def table_centre(config):
    return np.array([*config.table_area.centre, config.table_height])


def test_every_simulation_model_of_the_configs_has_its_robot_class():
    models = {load_robot_config(name).simulation.model for name in ROBOTS}
    assert sorted(robot_classes()) == sorted(models)
    assert all(robot.model == model for model, robot in robot_classes().items())


def test_unknown_simulation_model_lists_the_available_ones():
    config = load_robot_config("sawyer")
    config = dataclasses.replace(config, simulation=dataclasses.replace(config.simulation,
                                                                        model="ur5_gazebo"))
    with pytest.raises(RobotModelError) as error:
        load_robot(-1, config)   # refused before it touches a client
    assert str(error.value) == (f"unknown simulation model 'ur5_gazebo'; "
                                f"available: {sorted(robot_classes())}")


def test_a_robot_without_simulation_is_refused_clearly():
    config = load_robot_config(str(config_dir() / "examples" / "ur5e.yaml"))
    with pytest.raises(ConfigError) as error:
        load_robot(-1, config)   # refused before it touches a client
    assert str(error.value) == "robot 'ur5e' has no simulation section; the embedded world cannot load it"


@pytest.mark.parametrize("tcp, message", [
    ({"parent_link": "right_wrist"}, "model 'sawyer_robosuite' has no link 'right_wrist' for the TCP"),
    ({"link": "right_l6"}, "model 'sawyer_robosuite' already has a link 'right_l6'"),
])
def test_a_tcp_that_does_not_fit_the_model_is_refused(tcp, message):
    config = load_robot_config("sawyer")
    config = dataclasses.replace(config, tcp=dataclasses.replace(config.tcp, **tcp))
    with pytest.raises(RobotModelError, match=message):
        load_robot(-1, config)   # refused before it touches a client


def test_robot_loads_with_base_frame_at_the_origin(world):
    position, orientation = world.link_pose(world.config.base_frame)
    assert np.allclose(position, 0.0, atol=1e-9)
    assert abs(abs(orientation[3]) - 1.0) < 1e-9
    assert len(world.arm_joint_indices) == 7
    assert world.ee_link_index in world.robot_link_ids()


def test_tcp_is_fixed_to_its_parent_link_at_the_configured_offset(world):
    tcp = world.config.tcp
    parent_from_tcp = np.linalg.inv(pose_matrix(*world.link_pose(tcp.parent_link))) @ \
        pose_matrix(*world.ee_pose())
    assert np.allclose(parent_from_tcp, tcp.offset.matrix(), atol=1e-5)   # float32 link states


def test_tcp_lies_between_the_finger_pads(world):
    """Midway between the pads along y, and within their length along the approach."""
    config = world.config
    world.reset_arm(world.inverse_kinematics([*table_centre(config)[:2], config.table_height + 0.15],
                                             top_down(0.0)))
    tcp_from_world = np.linalg.inv(pose_matrix(*world.ee_pose()))
    points = pybullet.getClosestPoints(world.body, world.body, 0.5, *world._pad_links,
                                       physicsClientId=world.client)
    nearest = min(points, key=lambda p: p[8])
    on_pads = [(tcp_from_world @ [*nearest[i], 1.0])[:3] for i in (5, 6)]
    assert on_pads[0][1] * on_pads[1][1] < 0
    assert abs(on_pads[0][1] + on_pads[1][1]) < 0.002
    for pad in world._pad_links:
        low, high = pybullet.getAABB(world.body, pad, physicsClientId=world.client)
        tcp_z = world.ee_pose()[0][2]   # the approach points down: pads from low[2] up
        assert low[2] < tcp_z < high[2]


def test_named_poses_lie_within_joint_limits(world):
    lower, upper = world.arm_limits()
    for name, q in world.config.named_poses.items():
        assert np.all(np.array(q) >= lower) and np.all(np.array(q) <= upper), name
        world.reset_arm(q)
        assert np.allclose(world.arm_positions(), q)


def test_inverse_kinematics_round_trip_to_top_down_poses(world):
    config = world.config
    rng = np.random.default_rng(7)
    lower, upper = world.arm_limits()
    low = np.array([*config.table_area.min, config.table_height + 0.02])
    high = np.array([*config.table_area.max, config.table_height + 0.2])
    for _ in range(12):
        position = rng.uniform(low, high)
        orientation = top_down(rng.uniform(-math.pi, math.pi))
        q = world.inverse_kinematics(position, orientation)
        assert q is not None, f"no IK for {position}"
        assert np.all(q >= lower - 1e-9) and np.all(q <= upper + 1e-9)
        world.reset_arm(q)
        ee_position, ee_orientation = world.ee_pose()
        assert np.linalg.norm(ee_position - position) < 0.01
        assert quaternion_to_matrix(ee_orientation)[2, 2] < -math.cos(math.radians(5))
        dot = abs(float(np.dot(ee_orientation, orientation)))
        assert 2 * math.acos(min(1.0, dot)) < math.radians(5)


def test_inverse_kinematics_refuses_unreachable_poses(world):
    assert world.inverse_kinematics([3.0, 0.0, 1.0], top_down(0.0)) is None
    assert world.inverse_kinematics([np.nan, 0.0, 1.0], top_down(0.0)) is None


def assert_no_constraint_on(body, robot):
    """Grasps hold by contact and friction: the only constraints allowed are the robot's
    own gear couplings between its gripper joints."""
    client = robot.client
    for i in range(pybullet.getNumConstraints(physicsClientId=client)):
        info = pybullet.getConstraintInfo(pybullet.getConstraintUniqueId(i, physicsClientId=client),
                                          physicsClientId=client)
        assert info[0] == robot.body and info[2] == robot.body, info
        assert info[4] == pybullet.JOINT_GEAR, info
        assert body not in (info[0], info[2])


def pads_in_hand(robot):
    """Each finger pad's frame in the end-effector link's frame."""
    hand_from_world = np.linalg.inv(pose_matrix(*robot.ee_pose()))
    return [hand_from_world @ pose_matrix(*pybullet.getLinkState(
        robot.body, pad, computeForwardKinematics=True, physicsClientId=robot.client)[4:6])
        for pad in robot._pad_links]


def pad_tilts(robot, reference):
    """How far (radians) each pad has turned in the hand since `reference`: the pads
    stay parallel when they only translate."""
    tilts = []
    for before, now in zip(reference, pads_in_hand(robot)):
        rotation = before[:3, :3].T @ now[:3, :3]
        tilts.append(math.acos(np.clip((np.trace(rotation) - 1) / 2, -1.0, 1.0)))
    return tilts


def test_gripper_opening_follows_the_command_with_parallel_pads(world):
    config = world.config
    above = world.inverse_kinematics([*table_centre(config)[:2], config.table_height + 0.15],
                                     top_down(0.0))
    world.reset_arm(above)
    open_pads = pads_in_hand(world)
    for opening in (0.05, 0.02, config.gripper.max_opening, 0.05):
        world.set_gripper(opening)
        for _ in range(int(1.0 / STEP_S)):
            pybullet.stepSimulation(physicsClientId=world.client)
        assert abs(world.gripper_opening() - opening) < 0.005, opening
        assert max(pad_tilts(world, open_pads)) < 0.01, opening


def test_gripper_opening_is_the_distance_between_the_pads(world):
    for opening in (0.02, 0.05, world.config.gripper.max_opening):
        world.set_gripper(opening)
        for _ in range(int(1.0 / STEP_S)):
            pybullet.stepSimulation(physicsClientId=world.client)
        points = pybullet.getClosestPoints(world.body, world.body, 0.5, *world._pad_links,
                                           physicsClientId=world.client)
        assert abs(world.gripper_opening() - min(p[8] for p in points)) < 0.001, opening


def test_gripper_lifts_a_box_by_friction(world):
    client, config = world.client, world.config
    centre = table_centre(config)
    table_shape = pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=[0.3, 0.4, 0.02],
                                                physicsClientId=client)
    pybullet.createMultiBody(0, table_shape, basePosition=[*centre[:2], config.table_height - 0.02],
                             physicsClientId=client)
    box_shape = pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=[0.02] * 3,
                                              physicsClientId=client)
    box_start = np.array([*centre[:2], config.table_height + 0.02])
    box = pybullet.createMultiBody(0.1, box_shape, basePosition=box_start.tolist(),
                                   physicsClientId=client)
    pybullet.changeDynamics(box, -1, lateralFriction=0.8, physicsClientId=client)
    assert_no_constraint_on(box, world)

    def step(seconds):
        for _ in range(int(seconds / STEP_S)):
            pybullet.stepSimulation(physicsClientId=client)

    def move_to(z, seconds=1.5):
        q = world.inverse_kinematics([*centre[:2], z], top_down(0.0), seed=world.arm_positions())
        assert q is not None
        world.command_arm(q, config.simulation.joint_velocity_limit)
        step(seconds)

    above = world.inverse_kinematics([*centre[:2], config.table_height + 0.12], top_down(0.0))
    world.reset_arm(above)
    open_pads = pads_in_hand(world)
    world.set_gripper(config.gripper.max_opening)
    step(0.5)
    assert world.gripper_opening() > config.gripper.max_opening - 0.005
    move_to(config.table_height + 0.025)
    world.set_gripper(0.0)
    step(1.0)
    assert world.finger_contacts(box) > 0
    assert abs(world.gripper_opening() - 0.04) < 0.004
    move_to(config.table_height + 0.125, seconds=2.0)
    box_position = np.array(pybullet.getBasePositionAndOrientation(box, physicsClientId=client)[0])
    assert box_position[2] > box_start[2] + 0.09, f"box at {box_position}, started {box_start}"
    assert world.finger_contacts(box) > 0
    assert abs(world.gripper_opening() - 0.04) < 0.004
    assert max(pad_tilts(world, open_pads)) < 0.06   # (nearly) parallel under load
    assert_no_constraint_on(box, world)


def test_out_of_view_pose_clears_the_table(world):
    config = world.config
    world.reset_arm(config.named_poses["out_of_view"])
    low, high = np.array(config.table_area.min), np.array(config.table_area.max)
    for link in world.moving_link_ids():
        name = pybullet.getJointInfo(world.body, link, physicsClientId=world.client)[12].decode()
        position = world.link_pose(name)[0]
        inside = np.all(position[:2] > low[:2] - 0.05) and np.all(position[:2] < high[:2] + 0.05)
        assert not (inside and position[2] > config.table_height - 0.05), \
            f"{name} at {position} is above the table in view"


def test_camera_pose_follows_the_config(world):
    camera = world.config.camera()
    position, orientation = world.camera_pose(camera)
    assert np.allclose(position, camera.pose.position, atol=1e-6)
    expected = pose_matrix(camera.pose.position, camera.pose.orientation_xyzw)
    assert np.allclose(pose_matrix(position, orientation), expected, atol=1e-6)
    view_axis = quaternion_to_matrix(orientation)[:, 2]
    to_centre = table_centre(world.config) - position
    assert view_axis @ to_centre / np.linalg.norm(to_centre) > math.cos(math.radians(5))
