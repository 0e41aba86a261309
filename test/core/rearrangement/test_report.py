"""The demo's report: images, matches and moves drawn, tables of errors and moves."""
import json

import cv2
import numpy as np

from seg_by_interaction.core.rearrangement.report import matches_picture, write_report

RESULT = {
    "success": False, "reason": "budget of 2 interactions spent", "moves_used": 2,
    "goal_centroids_px": [[40.0, 30.0], [100.0, 80.0]],
    "matches": [{"goal_index": 0, "current_id": "s1", "similarity": 0.91,
                 "goal_centroid_px": [40.0, 30.0], "current_centroid_px": [120.0, 60.0],
                 "error_px": 85.4, "error_m": 0.2}],
    "final_errors_px": [85.4, None], "final_errors_m": [0.2, None],
    "moves": [{"kind": "to_goal", "goal_index": 0, "from_px": [120.0, 60.0], "to_px": [40.0, 30.0],
               "outcome": "NOTHING_GRASPED", "reason": "closed on nothing"},
              {"kind": "aside", "goal_index": 1, "from_px": [100.0, 80.0], "to_px": None,
               "outcome": "NO_FREE_SPOT", "reason": "no free spot"}],
    "unmatched_goal": [1], "unmatched_current": 0,
}


def test_the_matches_are_drawn_from_the_goal_to_the_final_scene():
    goal, final = np.zeros((120, 160, 3), np.uint8), np.zeros((120, 160, 3), np.uint8)
    picture = matches_picture(goal, final, RESULT)
    assert picture.shape == (120 + 22, 160 + 4 + 160, 3)
    line = np.all(picture == (40, 220, 40), axis=2)
    assert line[22 + 30, 40] and line[22 + 60, 164 + 120]             # both ends marked
    assert np.all(picture[22 + 80, 100] == (230, 30, 30))              # unmatched: crossed


def test_the_report_holds_the_images_and_tables(tmp_path):
    images = {name: np.full((120, 160, 3), value, np.uint8)
              for name, value in (("initial", 10), ("goal", 20), ("final", 30))}
    measured = {"success": False, "objects": [
        {"instance": 1, "displaced": True, "initial_error_px": 90.0, "final_error_px": 85.0,
         "final_error_m": 0.2, "in_place": False, "cause": "grasp"}]}
    report = write_report(tmp_path, "demo", images, RESULT, measured).read_text()
    for name in ("initial", "goal", "final", "matches", "moves"):
        assert f"({name}.png)" in report and (tmp_path / f"{name}.png").exists()
    assert cv2.imread(str(tmp_path / "goal.png"))[0, 0].tolist() == [20, 20, 20]
    assert "| 0 | s1 | 0.91 | 85.4 | 20.0 |" in report and "| 1 | no |" in report
    assert "| 2 | aside | 1 | NO_FREE_SPOT | no free spot |" in report
    assert "| 1 | yes | 90.0 | 85.0 | 20.0 | no | grasp |" in report
    assert json.loads((tmp_path / "result.json").read_text())["result"] == RESULT
