"""The rearrangement demo's nodes as separate processes over DDS: goals that cannot be met
as given are refused with their reason before anything moves, one episode runs end to
end (one displaced object, the depth baseline for speed), measured against the world's
ground truth, and a rearrangement cancelled mid-move stops with its move. A goal snapshot
taken after a stamp shows a frame at or after it; one that cannot come is refused."""
import numpy as np
import pytest
from action_msgs.msg import GoalStatus, GoalStatusArray
from builtin_interfaces.msg import Time as TimeMsg
from rclpy.action import ActionClient
from rclpy.time import Time
from ros_harness import call_service, goal_result, node_command, send_goal, wait_until
from std_msgs.msg import Header

from seg_by_interaction.action import Rearrange
from seg_by_interaction.core.evaluation.rearrangement import episode_outcome
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.ros import images, qos
from seg_by_interaction.ros.rearrange_driver import EpisodeSpec, RearrangeDriver
from seg_by_interaction.srv import DisplaceObjects, SnapshotGoal

WORLD = ["-p", "seed:=7", "-p", "split:=test", "-p", "arena.min_objects:=3",
         "-p", "arena.max_objects:=3"]
REARRANGEMENT = ["-p", "segmenter:=depth_clusters"]


@pytest.fixture
def demo(start_process, test_node, tmp_path):
    """The world, the motion server, the executor (recording to tmp_path, armed from the
    start as in simulated runs) and the rearrangement node; the rearrangement node's
    process."""
    start_process(node_command("world_node", *WORLD))
    start_process(node_command("motion_server"))
    start_process(node_command("interaction_executor", "-p", f"run_dir:={tmp_path}",
                               "-p", "require_arming:=false"))
    return start_process(node_command("rearrangement", *REARRANGEMENT))


def send(client, goal, timeout=600.0):
    return goal_result(send_goal(client, goal), timeout).result


def test_goals_that_cannot_be_met_are_refused_before_anything_moves(demo, test_node, tmp_path):
    snapshot_client = test_node.create_client(SnapshotGoal, "/rearrangement/snapshot_goal")
    snapshot = wait_until(lambda: (r := call_service(test_node, snapshot_client,
                                                     SnapshotGoal.Request())).success and r,
                          120, interval=1.0, what="a goal snapshot")
    after = call_service(test_node, snapshot_client,
                         SnapshotGoal.Request(frame_after=snapshot.image.header.stamp))
    assert after.success and (Time.from_msg(after.image.header.stamp)
                              >= Time.from_msg(snapshot.image.header.stamp))
    never = call_service(test_node, snapshot_client,
                         SnapshotGoal.Request(frame_after=TimeMsg(sec=2 ** 31 - 1)))
    assert not never.success and "ahead of this node's clock" in never.message
    client = ActionClient(test_node, Rearrange, "rearrange")

    def from_snapshot(**changes) -> Rearrange.Goal:
        goal = Rearrange.Goal(goal_image=snapshot.image, goal_depth=snapshot.depth,
                              camera_info=snapshot.camera_info, camera_pose=snapshot.camera_pose,
                              segmenter="depth_clusters")
        for name, value in changes.items():
            setattr(goal, name, value)
        return goal

    header = Header(frame_id=snapshot.image.header.frame_id)
    moved_camera = from_snapshot()
    moved_camera.camera_pose.pose.position.x += 0.05
    refusals = [
        (from_snapshot(max_interactions=0), "budget of 0"),
        (from_snapshot(goal_image=images.to_msg(np.zeros((480, 640, 3), np.uint8), "rgb8", header),
                       goal_depth=images.to_msg(np.ones((480, 640), np.float32), "32FC1", header)),
         "differ from the camera's 320x240"),
        (from_snapshot(goal_image=images.to_msg(np.zeros((240, 320), np.uint8), "mono8", header)),
         "encoding 'mono8'"),
        (moved_camera, "another camera pose"),
        (Rearrange.Goal(goal_id="goal_99"), "no goal 'goal_99'"),
        (Rearrange.Goal(goal_id=snapshot.goal_id, segmenter="model"), "no model to segment with"),
        (Rearrange.Goal(goal_id=snapshot.goal_id, segmenter="ground_truth"),
         "only a benchmark offers it"),
    ]
    for goal, reason in refusals:
        result = send(client, goal)
        assert not result.success and reason in result.reason, result.reason
        assert result.moves_used == 0
    assert RunStore(tmp_path).count_interactions() == 0
    assert demo.process.poll() is None

    in_place = send(client, Rearrange.Goal(goal_id=snapshot.goal_id))     # nothing to do
    assert in_place.success and in_place.moves_used == 0, in_place.reason
    assert len(in_place.matches) == 3


def test_one_displaced_object_is_put_back_end_to_end(demo, test_node):
    driver = RearrangeDriver(load_robot_config("sawyer"), context=test_node.context)
    test_node.executor.add_node(driver)
    feedback = []
    spec = EpisodeSpec(scene_seed=11, displace=1, objects=3, segmenter="depth_clusters")
    episode = driver.episode(spec, on_feedback=feedback.append)
    result = episode.result
    outcome = episode_outcome(episode.goal, episode.initial, episode.final, result, spec.tolerance_px)
    assert len(episode.displaced) == 1
    assert feedback and feedback[0].moves_done == 0
    assert 1 <= result["moves_used"] <= spec.max_interactions
    displaced = [o for o in outcome["objects"] if o["displaced"]]
    assert len(displaced) == 1
    assert result["success"] and outcome["success"], (result, outcome)
    test_node.executor.remove_node(driver)
    driver.destroy_node()


def test_a_rearrangement_cancelled_mid_move_stops_it_and_the_node_serves_on(demo, test_node,
                                                                           tmp_path):
    executing = []
    test_node.create_subscription(
        GoalStatusArray, "/interact/_action/status",
        lambda m: executing.append(any(s.status == GoalStatus.STATUS_EXECUTING
                                       for s in m.status_list)), qos.LATCHED)
    snapshot_client = test_node.create_client(SnapshotGoal, "/rearrangement/snapshot_goal")
    snapshot = wait_until(lambda: (r := call_service(test_node, snapshot_client,
                                                     SnapshotGoal.Request())).success and r,
                          120, interval=1.0, what="a goal snapshot")
    displace = test_node.create_client(DisplaceObjects, "/world_node/displace_objects")
    assert call_service(test_node, displace, DisplaceObjects.Request(count=2, seed=5),
                        timeout=60).success
    client = ActionClient(test_node, Rearrange, "rearrange")
    handle = send_goal(client, Rearrange.Goal(goal_id=snapshot.goal_id,
                                              segmenter="depth_clusters"))
    wait_until(lambda: executing and executing[-1], 300, what="the first move under way")
    handle.cancel_goal_async()
    result = goal_result(handle, 60)
    assert result.status == GoalStatus.STATUS_CANCELED
    cancelled = result.result
    assert not cancelled.success and "cancel" in cancelled.reason and cancelled.moves_used <= 1
    wait_until(lambda: not executing[-1], 60, what="the executor's interaction ended")
    assert RunStore(tmp_path).count_interactions() <= 1      # none once cancelled before a frame
    refused = send(client, Rearrange.Goal(goal_id=snapshot.goal_id, max_interactions=0))
    assert not refused.success and "budget of 0" in refused.reason          # still serving
    assert demo.process.poll() is None
