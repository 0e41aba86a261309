"""The world node as a real process over DDS: camera topics, ground truth, clock, scene
resets, and the simulated arm's ros2_control interfaces (joint trajectories, gripper
commands, joint states; malformed commands counted on /diagnostics) while it keeps
running."""
import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from ros_harness import call_service, node_command, wait_for_message, wait_for_node, wait_until
from rclpy.time import Time
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float64MultiArray
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from seg_by_interaction.core.interaction.trajectory import JointTrajectory as JointTrajectoryCore
from seg_by_interaction.ros import images, qos
from seg_by_interaction.ros.controller_arm import trajectory_msg
from seg_by_interaction.srv import ResetScene


def stamp_ns(stamp) -> int:
    return Time.from_msg(stamp).nanoseconds


def test_world_publishes_resets_and_plays_the_arm_s_controllers(start_process, test_node):
    rgb, truth, clock, joints = [], [], [], []
    test_node.create_subscription(Image, "/table_camera/color/image_raw", rgb.append, qos.SENSOR_DATA)
    test_node.create_subscription(Image, "/table_camera/ground_truth/instances", truth.append,
                                  qos.SENSOR_DATA)
    test_node.create_subscription(Clock, "/clock", clock.append, 10)
    test_node.create_subscription(JointState, "/joint_states", joints.append, qos.SENSOR_DATA)
    diagnostics = []
    test_node.create_subscription(DiagnosticArray, "/diagnostics", diagnostics.append, 10)
    world = start_process(node_command("world_node", "-p", "split:=test", "-p", "seed:=3",
                                       "-p", "arena.min_objects:=2", "-p", "arena.max_objects:=2"))
    wait_for_node(test_node, "world_node", timeout=60)

    image = images.rgb_from_msg(wait_for_message(rgb, timeout=60, what="a camera image"))
    assert image.shape == (240, 320, 3)
    instances = images.to_array(wait_for_message(truth, what="ground truth"))
    assert len(np.unique(instances)) - 1 == 2        # nested parameters reached the arena
    assert wait_for_message(joints, what="joint states").name[0] == "right_j0"
    wait_until(lambda: len(clock) > 5, 20, what="/clock")

    reset = call_service(test_node, test_node.create_client(ResetScene, "/world_node/reset_scene"),
                         ResetScene.Request(split="val", seed=7, num_objects=5))
    assert reset.success and reset.scene_id == "val-7" and reset.num_objects == 5
    new_scene = wait_until(lambda: next((m for m in truth if stamp_ns(m.header.stamp)
                                         >= stamp_ns(reset.stamp)), None), 20, what="a new frame")
    assert len(np.unique(images.to_array(new_scene))) - 1 == 5     # its stamp starts the scene
    old_scene = [stamp_ns(m.header.stamp) for m in truth[:truth.index(new_scene)]]
    assert stamp_ns(reset.stamp) - max(old_scene) >= 0.05e9        # beyond any pairing slop
    bad = call_service(test_node, test_node.create_client(ResetScene, "/world_node/reset_scene"),
                       ResetScene.Request(split="holdout"))
    assert not bad.success and "unknown split 'holdout'" in bad.message

    # the hardware's interfaces: a joint trajectory followed, an empty one stops, a gripper
    trajectory = node_publisher(test_node, JointTrajectory, "/arm_controller/joint_trajectory")
    gripper = node_publisher(test_node, Float64MultiArray, "/gripper_controller/commands")
    start = np.array(joints[-1].position[:7])
    goal = start + [0.3, 0, 0, 0, 0, 0, 0]
    trajectory.publish(trajectory_msg(JointTrajectoryCore(
        tuple(joints[-1].name[:7]), np.array([start, goal]), np.array([0.0, 1.0]))))
    wait_until(lambda: abs(joints[-1].position[0] - goal[0]) < 0.01, 30, what="the arm at the goal")
    gripper.publish(Float64MultiArray(data=[0.01, 0.01]))
    wait_until(lambda: abs(joints[-1].position[7] - 0.01) < 0.002, 30,
               what="the fingers closed to 2 cm")
    for bad in (JointTrajectory(joint_names=["right_j0", "elbow"],
                                   points=[JointTrajectoryPoint(positions=[0.0, 0.0])]),
                JointTrajectory(joint_names=list(joints[-1].name[:7]),
                                   points=[JointTrajectoryPoint(positions=[0.0])])):
        trajectory.publish(bad)
    gripper.publish(Float64MultiArray(data=[float("nan"), 0.0]))
    wait_until(lambda: any(s.name.startswith("world_node: /") and s.values[0].value == "2"
                           for msg in diagnostics for s in msg.status), 10,
               what="malformed commands counted")
    assert np.all(np.isfinite(joints[-1].position)) and world.process.poll() is None
    assert world.stop() == 0 and "exception" not in world.output().lower()   # clean Ctrl-C


def node_publisher(node, message_type, topic):
    publisher = node.create_publisher(message_type, topic, qos.RELIABLE)
    wait_until(lambda: publisher.get_subscription_count() > 0, 20, what=f"a subscriber on {topic}")
    return publisher


def test_bad_nested_parameter_stops_the_world_with_a_clear_error(start_process):
    world = start_process(node_command("world_node", "-p", "arena.depth_noise.base_std_m:=-1.0"))
    assert world.wait(timeout=60) == 2
    assert "world_node.arena.depth_noise.base_std_m: -1.0 is below the minimum 0.0" in world.output()
