"""The rearrangement demo's report: initial | goal | final images, the matches drawn
between the goal and the final scene, the moves drawn on the initial scene, and tables
of per-object errors and moves. Reads the result as plain data
(ros/rearrange_msgs.result_dict)."""
from __future__ import annotations

import pathlib

import cv2
import numpy as np

from seg_by_interaction.core.files import write_bytes_atomic, write_json_atomic, write_png_atomic
from seg_by_interaction.core.visualize import side_by_side

CAPTION_PX, GAP_PX = 22, 4          # visualize.side_by_side's caption row and gap
MATCH_COLOUR, UNMATCHED_COLOUR = (40, 220, 40), (230, 30, 30)
MOVE_COLOURS = {"to_goal": (255, 220, 0), "aside": (0, 200, 255)}


def matches_picture(goal_rgb: np.ndarray, final_rgb: np.ndarray, result: dict) -> np.ndarray:
    """Goal | final scene, a line from each goal segment to its match (with the
    similarity), unmatched goal segments crossed out."""
    picture = side_by_side([goal_rgb, final_rgb], ["goal", "final (matches)"], GAP_PX)
    shift = np.array([goal_rgb.shape[1] + GAP_PX, 0])
    for match in result["matches"]:
        start = _on_panel(match["goal_centroid_px"])
        end = _on_panel(match["current_centroid_px"]) + shift
        cv2.line(picture, tuple(start), tuple(end), MATCH_COLOUR, 1, cv2.LINE_AA)
        for point in (start, end):
            cv2.circle(picture, tuple(point), 3, MATCH_COLOUR, -1)
        cv2.putText(picture, f"{match['goal_index']}:{match['similarity']:.2f}",
                    tuple(start + [4, -4]), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1,
                    cv2.LINE_AA)
    for index in result["unmatched_goal"]:
        cv2.drawMarker(picture, tuple(_on_panel(result["goal_centroids_px"][index])),
                       UNMATCHED_COLOUR, cv2.MARKER_TILTED_CROSS, 10, 2)
    return picture


def moves_picture(initial_rgb: np.ndarray, result: dict) -> np.ndarray:
    """The initial scene with an arrow per move, numbered in order."""
    picture = initial_rgb.copy()
    for number, move in enumerate(result["moves"], 1):
        start = tuple(np.round(move["from_px"]).astype(int))
        colour = MOVE_COLOURS.get(move["kind"], (255, 255, 255))
        if move["to_px"] is not None:
            cv2.arrowedLine(picture, start, tuple(np.round(move["to_px"]).astype(int)), colour, 1,
                            cv2.LINE_AA, tipLength=0.15)
        cv2.putText(picture, str(number), (start[0] + 3, start[1] - 3), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4, colour, 1, cv2.LINE_AA)
    return picture


def _on_panel(uv) -> np.ndarray:
    return np.round(np.asarray(uv)).astype(int) + [0, CAPTION_PX]


def write_report(out: pathlib.Path, title: str, images: dict[str, np.ndarray], result: dict,
                 measured: dict | None = None) -> pathlib.Path:
    """report.md with images {"initial", "goal", "final"} and the result (and, in
    simulation, the ground-truth outcome `measured`) beside it as result.json."""
    for name, image in images.items():
        write_png_atomic(out / f"{name}.png", image)
    write_png_atomic(out / "matches.png", matches_picture(images["goal"], images["final"], result))
    write_png_atomic(out / "moves.png", moves_picture(images["initial"], result))
    write_json_atomic(out / "result.json", {"result": result, "ground_truth": measured})
    lines = [f"# {title}", "",
             f"**{'Success' if result['success'] else 'Failure'}**: {result['reason']} "
             f"({result['moves_used']} interactions).", "",
             "| initial | goal | final |", "|---|---|---|",
             "| ![initial](initial.png) | ![goal](goal.png) | ![final](final.png) |", "",
             "Matches (goal segment : similarity; a cross marks a goal segment without a "
             "counterpart):", "", "![matches](matches.png)", "",
             "Moves on the initial scene (yellow: to the goal, blue: aside):", "",
             "![moves](moves.png)", "", *_errors_table(result), "", *_moves_table(result)]
    if measured is not None:
        lines += ["", *_truth_table(measured)]
    path = out / "report.md"
    write_bytes_atomic(path, ("\n".join(lines) + "\n").encode())
    return path


def _errors_table(result: dict) -> list[str]:
    rows = ["## Objects (segments of the goal)", "",
            "| goal segment | matched | similarity | final error px | final error cm |",
            "|---|---|---|---|---|"]
    matches = {m["goal_index"]: m for m in result["matches"]}
    for index in range(len(result["goal_centroids_px"])):
        match = matches.get(index)
        if match is None:
            rows.append(f"| {index} | no | | | |")
        else:
            rows.append(f"| {index} | {match['current_id']} | {match['similarity']:.2f} | "
                        f"{match['error_px']:.1f} | {match['error_m'] * 100:.1f} |")
    return rows


def _moves_table(result: dict) -> list[str]:
    rows = ["## Moves", "", "| # | kind | goal segment | outcome | reason |", "|---|---|---|---|---|"]
    rows += [f"| {n} | {m['kind']} | {m['goal_index']} | {m['outcome']} | {m['reason']} |"
             for n, m in enumerate(result["moves"], 1)]
    return rows


def _truth_table(measured: dict) -> list[str]:
    verdict = ("succeeded: every object is within tolerance of its goal" if measured["success"]
               else "failed: not every object is within tolerance of its goal")
    rows = ["## Against the world's ground truth", "", f"The episode {verdict}.", "",
            "| object | displaced | initial error px | final error px | final error cm | "
            "in place | cause |", "|---|---|---|---|---|---|---|"]
    for o in measured["objects"]:
        rows.append(f"| {o['instance']} | {'yes' if o['displaced'] else 'no'} | "
                    f"{_fmt(o['initial_error_px'])} | {_fmt(o['final_error_px'])} | "
                    f"{_fmt(o['final_error_m'], 100)} | {'yes' if o['in_place'] else 'no'} | "
                    f"{o['cause'] or ''} |")
    return rows


def _fmt(value: float | None, scale: float = 1.0) -> str:
    return "lost" if value is None else f"{value * scale:.1f}"
