"""The executor's ~/singulate action with the world, the motion server and the hypothesis
server (the depth baseline, for speed) as separate processes over DDS: goals that cannot
be met as given are refused with their reason before the arm moves, and one singulation
of a touching scene returns the masks before and after its push, measured against the
world's ground truth."""
import pytest
from ros_harness import node_command, wait_until
from sensor_msgs.msg import RegionOfInterest

from seg_by_interaction.action import Singulate
from seg_by_interaction.core.evaluation.singulation import touching_pairs
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.ros.singulate_driver import SingulateDriver, masks_of

WORLD = ["-p", "seed:=3", "-p", "split:=test", "-p", "arena.layout:=touching",
         "-p", "arena.min_objects:=3", "-p", "arena.max_objects:=3"]


@pytest.fixture
def driver(start_process, test_node, tmp_path):
    """The graph (the executor recording to tmp_path) and a driver in the test process;
    the executor's process is the driver's `executor_process`."""
    start_process(node_command("world_node", *WORLD))
    start_process(node_command("motion_server"))
    start_process(node_command("hypothesis_server", "-p", "bootstrap_method:=depth_clusters"))
    executor = start_process(node_command("interaction_executor", "-p", f"run_dir:={tmp_path}",
                                          "-p", "require_arming:=false"))
    driver = SingulateDriver(load_robot_config("sawyer"), context=test_node.context)
    driver.executor_process = executor
    test_node.executor.add_node(driver)
    yield driver
    test_node.executor.remove_node(driver)
    driver.destroy_node()


OFF_IMAGE = RegionOfInterest(x_offset=300, y_offset=0, width=40, height=10)


def wait_for_the_executors_frames(driver):
    """Until the executor, started last, has a camera frame (it checks the region then)."""
    wait_until(lambda: "leaves the" in driver.run_goal(Singulate.Goal(region=OFF_IMAGE)).reason,
               180, interval=1.0, what="the executor's first camera frame")


def test_goals_that_cannot_be_met_are_refused_before_the_arm_moves(driver, tmp_path):
    wait_for_the_executors_frames(driver)
    refusals = [
        (Singulate.Goal(max_pushes=0), "max_pushes is 0"),
        (Singulate.Goal(region=OFF_IMAGE), "leaves the 320x240 image"),
        (Singulate.Goal(region=RegionOfInterest(x_offset=0, y_offset=0, width=4, height=4)),
         "no object hypotheses in the region of interest"),
    ]
    for goal, reason in refusals:
        result = driver.run_goal(goal)
        assert not result.success and reason in result.reason, result.reason
        assert not result.pushes
    assert RunStore(tmp_path).count_interactions() == 0
    assert driver.executor_process.process.poll() is None


def test_a_touching_scene_is_singulated_with_masks_before_and_after(driver, tmp_path):
    feedback = []
    wait_for_the_executors_frames(driver)
    driver.new_scene("test", 3)
    before = driver.view_now()
    assert touching_pairs(before.ground_truth)
    result = driver.run_goal(Singulate.Goal(max_pushes=1), on_feedback=feedback.append)
    after = driver.view_now()
    assert result.before.hypotheses and result.after.hypotheses, result.reason
    assert result.uncertain_before >= 1, result.reason
    assert len(result.pushes) == 1 and len(result.push_outcomes) == len(result.cues) == 1
    assert result.cues[0] in ("overlap", "oversized", "concave", "touching", "low_score")
    assert [f.phase_name for f in feedback][:2] == ["segmenting", "pushing"]
    # the after masks are of a frame taken after the push, and the push moved something
    before_stamp, after_stamp = (a.header.stamp for a in (result.before, result.after))
    assert (after_stamp.sec, after_stamp.nanosec) > (before_stamp.sec, before_stamp.nanosec)
    if result.push_outcomes[0] == "OK":
        assert (before.ground_truth != after.ground_truth).any()
    assert len(masks_of(result.after)) == len(result.after.hypotheses)
    assert RunStore(tmp_path).count_interactions() == 1
