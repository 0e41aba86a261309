"""Rearrangements measured against ground truth: per-object errors, the cause of each
failure, and the figures over episodes."""
import numpy as np
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.evaluation.rearrangement import episode_outcome, summary
from seg_by_interaction.core.robot_config import load_robot_config

CAMERA = load_robot_config("sawyer").camera()


def scene(*objects) -> RGBDView:
    """Objects as (instance, column, row) squares of 10 px on a table 1 m away."""
    truth = np.zeros((240, 320), np.uint16)
    for instance, u, v in objects:
        truth[v - 5:v + 5, u - 5:u + 5] = instance
    depth = np.where(truth > 0, 0.95, 1.0).astype(np.float32)
    return RGBDView(np.zeros((240, 320, 3), np.uint8), depth, CAMERA.intrinsics, CAMERA.pose,
                    ground_truth=truth)


GOAL = scene((1, 50, 50), (2, 150, 100), (3, 250, 200))


def result(matches=(), moves=(), goal_centroids=((50, 50), (150, 100), (250, 200))) -> dict:
    return {"moves_used": len(moves), "goal_centroids_px": [list(c) for c in goal_centroids],
            "matches": [{"goal_index": g, "current_centroid_px": list(uv)} for g, uv in matches],
            "moves": [{"goal_index": g, "outcome": o} for g, o in moves]}


def test_objects_back_in_place_make_a_success():
    initial = scene((1, 50, 50), (2, 200, 60), (3, 250, 200))
    outcome = episode_outcome(GOAL, initial, GOAL, result(moves=[(1, "OK")]), 15)
    assert outcome["success"] and outcome["interactions"] == 1
    displaced = [o for o in outcome["objects"] if o["displaced"]]
    assert [o["instance"] for o in displaced] == [2]
    assert displaced[0]["initial_error_px"] == pytest.approx(np.hypot(50, 40))
    assert displaced[0]["final_error_px"] == 0.0 and displaced[0]["final_error_m"] == pytest.approx(0.0)


def test_each_misplaced_object_is_given_its_cause():
    final = scene((1, 90, 50), (2, 200, 60), (3, 250, 150))
    outcome = episode_outcome(GOAL, final, final, result(
        matches=[(0, (90, 50)), (1, (200, 60))], moves=[(0, "NOTHING_GRASPED")],
        goal_centroids=((50, 50), (250, 200))), 15)
    causes = {o["instance"]: o["cause"] for o in outcome["objects"]}
    assert causes == {1: "grasp", 2: "segmentation", 3: "matching"}
    assert not outcome["success"]
    placed_off = episode_outcome(GOAL, final, final, result(
        matches=[(0, (90, 50))], moves=[(0, "OK")], goal_centroids=((50, 50),)), 15)
    assert placed_off["objects"][0]["cause"] == "placement"
    untouched = episode_outcome(GOAL, final, final, result(
        matches=[(0, (90, 50))], goal_centroids=((50, 50),)), 15)
    assert untouched["objects"][0]["cause"] == "not_attempted"
    knocked_off = scene((2, 150, 100), (3, 250, 200))
    lost = episode_outcome(GOAL, knocked_off, knocked_off, result(
        matches=[(1, (150, 100)), (2, (250, 200))], moves=[(0, "COLLISION")]), 15)
    assert [o["cause"] for o in lost["objects"]] == ["lost", None, None]


def test_the_summary_counts_displaced_objects_and_causes():
    initial = scene((1, 90, 50), (2, 200, 60), (3, 250, 200))
    good = episode_outcome(GOAL, initial, GOAL, result(moves=[(0, "OK"), (1, "OK")]), 15)
    bad = episode_outcome(GOAL, initial, initial, result(
        matches=[(0, (90, 50)), (1, (200, 60))], moves=[(0, "OK")]), 15)
    figures = summary([good, bad])
    assert figures["episodes"] == 2 and figures["success_rate"] == 0.5
    assert figures["objects_fixed_share"] == 0.5
    assert figures["mean_interactions"] == 1.5
    assert figures["failures_by_cause"] == {"lost": 0, "segmentation": 0, "matching": 0,
                                            "grasp": 0, "placement": 1, "not_attempted": 1}
    assert figures["mean_final_error_px"] == pytest.approx((0 + 0 + 40 + np.hypot(50, 40)) / 4)
    assert summary([])["success_rate"] is None
