"""A rearrangement measured against the simulated world's ground truth: where each object
ended up against where the goal shows it, and why a misplaced one failed (lost from
view, segmentation, matching, grasp, placement, not attempted). Reads the
rearrangement's result as plain data (ros/rearrange_msgs.result_dict); measurement only."""
from __future__ import annotations

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.hypotheses.grasp import top_down_grasp

CAUSES = ("lost", "segmentation", "matching", "grasp", "placement", "not_attempted")


def episode_outcome(goal: RGBDView, initial: RGBDView, final: RGBDView, result: dict,
                    tolerance_px: float) -> dict:
    """Per object of the goal: its initial and final error (pixels; final also in metres),
    whether it was displaced and is now in place, and the cause when it is not; the
    episode succeeded when every object is in place."""
    objects = []
    for instance in (int(i) for i in np.unique(goal.ground_truth) if i):
        initial_px = _error_px(goal, initial, instance)
        final_px = _error_px(goal, final, instance)
        in_place = final_px is not None and final_px <= tolerance_px
        objects.append({
            "instance": instance, "initial_error_px": initial_px, "final_error_px": final_px,
            "final_error_m": _error_m(goal, final, instance),
            "displaced": initial_px is None or initial_px > tolerance_px, "in_place": in_place,
            "cause": None if in_place else failure_cause(instance, goal, final, result)})
    return {"success": all(o["in_place"] for o in objects), "objects": objects,
            "interactions": result["moves_used"]}


def failure_cause(instance: int, goal: RGBDView, final: RGBDView, result: dict) -> str:
    """Why an object is not in place: it is nowhere in the final view (lost: knocked off
    the table, or hidden under another); no goal segment lies on it (segmentation); its
    goal segment found no counterpart or another object's (matching); no move served it
    (not_attempted: the budget ran out first, or its spot stayed taken by an object that
    could not be grasped); a pick-and-place for it failed (grasp); else it was put down
    off its goal (placement)."""
    if _centroid(final, instance) is None:
        return "lost"
    goal_index = next((index for index, uv in enumerate(result["goal_centroids_px"])
                       if _instance_at(goal, uv) == instance), None)
    if goal_index is None:
        return "segmentation"
    match = next((m for m in result["matches"] if m["goal_index"] == goal_index), None)
    if match is None or _instance_at(final, match["current_centroid_px"]) != instance:
        return "matching"
    outcomes = [m["outcome"] for m in result["moves"] if m["goal_index"] == goal_index]
    if not outcomes:
        return "not_attempted"
    return "placement" if all(outcome == "OK" for outcome in outcomes) else "grasp"


def _instance_at(view: RGBDView, uv) -> int:
    u, v = (int(round(c)) for c in uv)
    height, width = view.ground_truth.shape
    return int(view.ground_truth[v, u]) if 0 <= v < height and 0 <= u < width else 0


def _centroid(view: RGBDView, instance: int) -> np.ndarray | None:
    rows, cols = np.nonzero(view.ground_truth == instance)
    return np.array([cols.mean(), rows.mean()]) if len(rows) else None


def _error_px(goal: RGBDView, other: RGBDView, instance: int) -> float | None:
    there, here = _centroid(goal, instance), _centroid(other, instance)
    return None if there is None or here is None else float(np.linalg.norm(here - there))


def _error_m(goal: RGBDView, other: RGBDView, instance: int) -> float | None:
    grasps = [top_down_grasp(view.ground_truth == instance, view.depth, view.intrinsics,
                             view.camera_pose) for view in (goal, other)]
    if any(g is None for g in grasps):
        return None
    return float(np.linalg.norm(grasps[0].position[:2] - grasps[1].position[:2]))


def summary(outcomes: list[dict]) -> dict:
    """Figures over episodes: success rate, share of displaced objects put in place, mean
    final error of the displaced objects (px, cm), interactions used, failures by cause."""
    displaced = [o for outcome in outcomes for o in outcome["objects"] if o["displaced"]]
    errors_px = [o["final_error_px"] for o in displaced if o["final_error_px"] is not None]
    errors_m = [o["final_error_m"] for o in displaced if o["final_error_m"] is not None]
    misplaced = [o for outcome in outcomes for o in outcome["objects"] if not o["in_place"]]
    return {
        "episodes": len(outcomes),
        "success_rate": _mean([float(o["success"]) for o in outcomes]),
        "objects_fixed_share": _mean([float(o["in_place"]) for o in displaced]),
        "mean_final_error_px": _mean(errors_px),
        "mean_final_error_cm": _mean([e * 100 for e in errors_m]),
        "mean_interactions": _mean([float(o["interactions"]) for o in outcomes]),
        "failures_by_cause": {cause: sum(o["cause"] == cause for o in misplaced) for cause in CAUSES},
    }


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None
