"""The world node as a real process over DDS: camera topics, ground truth, clock, scene
resets and motion requests (including refused and hostile ones, counted on /diagnostics)
while it keeps running."""
import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped, Vector3
from rclpy.action import ActionClient
from ros_harness import call_service, node_command, wait_for_message, wait_for_node, wait_until
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image, JointState

from seg_by_interaction.action import Motion
from seg_by_interaction.core.interaction.motion import Outcome, ToolPose
from seg_by_interaction.ros import images, poses, qos
from seg_by_interaction.srv import ResetScene


def send_motion(node, client, goal, timeout=60.0):
    assert client.wait_for_server(timeout_sec=20.0)
    future = client.send_goal_async(goal)
    wait_until(future.done, timeout, what="goal acceptance")
    result_future = future.result().get_result_async()
    wait_until(result_future.done, timeout, what="motion result")
    return result_future.result().result


def test_world_publishes_serves_resets_and_moves(start_process, test_node):
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
    bad = call_service(test_node, test_node.create_client(ResetScene, "/world_node/reset_scene"),
                       ResetScene.Request(split="holdout"))
    assert not bad.success and "unknown split 'holdout'" in bad.message

    motion = ActionClient(test_node, Motion, "motion")
    home = send_motion(test_node, motion, Motion.Goal(command=Motion.Goal.NAMED, named_pose="home"))
    assert home.outcome == Outcome.OK, home.reason
    far = poses.to_pose_stamped(ToolPose.top_down((2.0, 0.0, 0.1), 0.0), PoseStamped().header)
    far.header.frame_id = "base"
    refused = send_motion(test_node, motion, Motion.Goal(command=Motion.Goal.MOVE_TO, poses=[far]))
    assert refused.outcome == Outcome.OUTSIDE_WORKSPACE
    wrong_frame = send_motion(test_node, motion, Motion.Goal(command=Motion.Goal.LINEAR, poses=[
        poses.to_pose_stamped(ToolPose.top_down((0.6, 0.0, 0.1), 0.0), PoseStamped().header)]))
    assert wrong_frame.outcome == Outcome.INVALID_REQUEST and "planning frame" in wrong_frame.reason
    near = poses.to_pose_stamped(ToolPose.top_down((0.6, 0.0, 0.1), 0.0), PoseStamped().header)
    near.header.frame_id = "base"
    for hostile in (Motion.Goal(command=Motion.Goal.GRIPPER, gripper_opening=float("nan")),
                    Motion.Goal(command=Motion.Goal.ADD_BOX, poses=[near], obstacle_name="huge",
                                box_size=Vector3(x=50.0, y=50.0, z=1e30)),
                    Motion.Goal(command=Motion.Goal.MOVE_TO, poses=[near], speed=1e-6)):
        answer = send_motion(test_node, motion, hostile)
        assert answer.outcome == Outcome.INVALID_REQUEST and answer.reason
        assert np.all(np.isfinite(joints[-1].position))
    wait_until(lambda: any(s.name == "world_node: motion" and s.values[0].value == "4"
                           for msg in diagnostics for s in msg.status), 10,
               what="rejections counted")
    slow = send_motion(test_node, motion, Motion.Goal(command=Motion.Goal.NAMED,
                                                      named_pose="out_of_view", timeout=0.001))
    assert slow.outcome == Outcome.TIMEOUT
    back = send_motion(test_node, motion, Motion.Goal(command=Motion.Goal.NAMED, named_pose="out_of_view"))
    assert back.outcome == Outcome.OK and world.process.poll() is None
    assert world.stop() == 0 and "exception" not in world.output().lower()   # clean Ctrl-C


def test_bad_nested_parameter_stops_the_world_with_a_clear_error(start_process):
    world = start_process(node_command("world_node", "-p", "arena.depth_noise.base_std_m:=-1.0"))
    assert world.wait(timeout=60) == 2
    assert "world_node.arena.depth_noise.base_std_m: -1.0 is below the minimum 0.0" in world.output()
