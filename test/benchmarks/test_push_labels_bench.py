"""`sbi bench labels`: real pushes of the simulated arm, each labelled by every labeler and
refinement and judged against the world's ground truth, kept per scene so a rerun resumes."""
import json

from seg_by_interaction.benchmarks.push_labels_bench import (PushLabelOptions, conditions,
                                                             figures, figures_table, run_missing,
                                                             scene_path)
from seg_by_interaction.core.robot_config import load_robot_config


def test_pushes_are_judged_per_condition_and_a_rerun_resumes(tmp_path):
    options = PushLabelOptions(robot=load_robot_config("sawyer"), work=tmp_path, layouts=("separated",),
                               pushes=1, pushes_per_scene=1, push_distance=0.04)
    lines = []
    run_missing(options, progress=lines.append)
    kept = json.loads(scene_path(options, "separated", 0).read_text())
    assert len(kept) == 1 and len(lines) == 1
    judged = [push for push in kept if "skipped" not in push]
    assert judged, f"no push was judged: {kept}"
    for push in judged:
        assert {f"{labeler}/{refinement}" for labeler, refinement in conditions()} <= set(push)
        assert push["moved_objects"] >= 1 and push["optical_flow_reason"]
    run_missing(options, progress=lines.append)
    assert len(lines) == 1                            # the kept scene is not pushed again

    results = figures(options)
    flow = results["layouts"]["all"]["conditions"]["optical_flow/felzenszwalb"]  # as the loop runs
    assert results["refinement"] == "felzenszwalb"
    assert results["flow_label_precision"] == flow["precision"]
    assert results["flow_label_mean_iou"] == flow["mean_iou"]
    separated = results["layouts"]["separated"]["conditions"]["optical_flow/felzenszwalb"]
    assert results["flow_label_mean_iou_separated"] == separated["mean_iou"]
    assert flow["labels"] == len(judged) and 0.0 <= flow["mean_iou"] <= 1.0
    assert "| frame_difference | felzenszwalb |" in figures_table(results)
    assert "| optical_flow_unsplit | none |" in figures_table(results)
