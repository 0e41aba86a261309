"""Label quality on pushes (issue 19): the simulated arm pushes objects as the collector
would (through a hypothesis's point, away from its nearest neighbour), and each labeler,
with and without each superpixel refinement, labels the same before/after frames; every
label is judged against the world's instance masks (`evaluation.label_quality`).

Hypotheses are the world's ground-truth objects here (with their grasps and the
collector's push direction), so the figures measure the labelers, not a segmenter.
Pushes are grouped in scenes; each scene's judgements are kept in the work directory as
it finishes, so an interrupted run resumes at the next scene."""
from __future__ import annotations

import dataclasses
import json
import pathlib

import numpy as np

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.evaluation.label_quality import (LabelJudgement, LabelQuality,
                                                              judge_label, moved_between_frames)
from seg_by_interaction.core.files import write_bytes_atomic
from seg_by_interaction.core.hypotheses.hypothesis import hypotheses_from_proposals
from seg_by_interaction.core.interaction.collection import (away_from_nearest, grasp_over_table,
                                                            request_for)
from seg_by_interaction.core.interaction.executor import run_interaction
from seg_by_interaction.core.interaction.kinds import Aim
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.labelers import LABELERS
from seg_by_interaction.core.labelers.base import Interaction
from seg_by_interaction.core.labelers.object_split import ObjectSplitParams
from seg_by_interaction.core.labelers.optical_flow import OpticalFlowParams
from seg_by_interaction.core.labelers.refinement import REFINEMENTS, RefinementParams
from seg_by_interaction.core.masks import Proposal
from seg_by_interaction.core.robot_config import RobotConfig

# the optical-flow labeler as configured, and as Eitel et al. had it (no object split)
LABELER_NAMES = ("optical_flow", "optical_flow_unsplit", "frame_difference")
REFINEMENT_NAMES = ("none", "slic_ncut", "felzenszwalb")
MIN_OBJECT_PX = 50          # smaller ground-truth masks (mostly hidden objects) are not pushed


@dataclasses.dataclass(frozen=True)
class PushLabelOptions:
    robot: RobotConfig
    work: pathlib.Path
    layouts: tuple[str, ...] = ("separated", "mixed")
    pushes: int = 40                 # per layout
    pushes_per_scene: int = 4
    split: str = "test"
    seed: int = 0
    push_distance: float = 0.0       # past the hypothesis's point; 0 = the executor's default


def conditions() -> list[tuple[str, str]]:
    return [(labeler, refinement) for labeler in LABELER_NAMES for refinement in REFINEMENT_NAMES]


def scene_path(options: PushLabelOptions, layout: str, scene: int) -> pathlib.Path:
    return options.work / layout / f"scene_{scene:03d}.json"


def run_missing(options: PushLabelOptions, progress=print) -> None:
    """Push and label the scenes whose judgements are not in the work directory yet."""
    from seg_by_interaction.core.interaction.primitives import Primitives
    from seg_by_interaction.core.world.arena import Arena
    from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend

    scenes = -(-options.pushes // options.pushes_per_scene)
    missing = [(layout, scene) for layout in options.layouts for scene in range(scenes)
               if not scene_path(options, layout, scene).exists()]
    if not missing:
        return
    labelers = {"optical_flow": LABELERS.make("optical_flow"),
                "optical_flow_unsplit": LABELERS.make("optical_flow", OpticalFlowParams(
                    object_split=ObjectSplitParams(enabled=False))),
                "frame_difference": LABELERS.make("frame_difference")}
    refinements = {name: REFINEMENTS.make(name) for name in REFINEMENT_NAMES}
    arena = Arena(options.robot)
    try:
        primitives = Primitives(EmbeddedMotionBackend.in_world(arena, seed=options.seed),
                                options.robot, lambda label: arena.observe())
        for layout, scene in missing:
            arena.reset_scene(options.split, options.seed + scene, layout=layout)
            rng = np.random.default_rng([options.seed, scene])
            pushes = [_push_and_judge(arena, primitives, rng, labelers, refinements,
                                      options.push_distance)
                      for _ in range(options.pushes_per_scene)]
            path = scene_path(options, layout, scene)
            write_bytes_atomic(path, json.dumps(pushes, indent=1).encode())
            progress(f"{layout} scene {scene}: {_outcomes(pushes)}")
    finally:
        arena.close()


def _push_and_judge(arena, primitives, rng, labelers, refinements, push_distance: float) -> dict:
    """One push at a random object, as the collector aims it, and each condition's label
    of it judged; or why there was nothing to judge."""
    view = arena.observe()
    hypotheses = _ground_truth_hypotheses(view, arena.robot_config)
    if not hypotheses:
        return {"skipped": "no object with a grasp in view"}
    target = hypotheses[int(rng.integers(len(hypotheses)))]
    request = request_for("push", target, rng, Aim(away=away_from_nearest(target, hypotheses),
                                                   push_distance=push_distance))
    result = run_interaction(primitives, request, rng)
    if result.outcome != Outcome.OK or "after" not in result.frames:
        return {"skipped": f"push failed: {result.reason}"}
    before, after = result.frames["before"], result.frames["after"]
    moved = moved_between_frames(before.instance_mask, after.instance_mask)
    interaction = Interaction("push", True, True, RGBDView(before.rgb, before.depth), None,
                              RGBDView(after.rgb, after.depth), target.shape.centroid_px,
                              hypothesis_mask=target.mask)
    judged = {"moved_objects": len(moved)}
    for labeler_name, labeler in labelers.items():
        (label,) = labeler.label(interaction)
        judged[f"{labeler_name}_reason"] = label.reason
        for refinement_name, refinement in refinements.items():
            refined = refinement.refine(label)
            judgement = judge_label(refined.mask, refined.positive, before.instance_mask, moved)
            judged[f"{labeler_name}/{refinement_name}"] = dataclasses.asdict(judgement)
    return judged


def _ground_truth_hypotheses(view, robot: RobotConfig):
    """The world's objects in view as hypotheses with grasps over the table."""
    instances = [i for i in np.unique(view.instance_mask) if i]
    proposals = [Proposal(view.instance_mask == i, 1.0) for i in instances
                 if np.count_nonzero(view.instance_mask == i) >= MIN_OBJECT_PX]
    hypotheses = hypotheses_from_proposals(proposals, "ground_truth", view.depth, view.intrinsics,
                                           view.camera_pose, len(proposals))
    return [h for h in hypotheses if grasp_over_table(h, robot.table_area)]


def _outcomes(pushes: list[dict]) -> str:
    judged = [p for p in pushes if "skipped" not in p]
    flow = [p["optical_flow/none"] for p in judged]
    ious = ", ".join(f"{j['best_iou']:.2f}" for j in flow if j["positive"])
    return (f"{len(judged)} of {len(pushes)} pushes judged; flow labels positive "
            f"{sum(j['positive'] for j in flow)}, IoU {ious}")


def figures(options: PushLabelOptions) -> dict:
    """Per layout (and all layouts) and condition the label-quality figures, with the
    issue's named figures for the flow labeler as the loop runs it (with the default
    refinement), over all layouts and per layout."""
    kept = {layout: [push for path in sorted((options.work / layout).glob("scene_*.json"))
                     for push in json.loads(path.read_text())] for layout in options.layouts}
    kept["all"] = [push for layout in options.layouts for push in kept[layout]]
    results = {}
    for layout, pushes in kept.items():
        judged = [p for p in pushes if "skipped" not in p]
        per_condition = {}
        for labeler, refinement in conditions():
            quality = LabelQuality()
            for push in judged:
                quality.add(LabelJudgement(**push[f"{labeler}/{refinement}"]))
            per_condition[f"{labeler}/{refinement}"] = _named(quality.figures())
        results[layout] = {"pushes": len(pushes), "judged": len(judged),
                           "skipped": _reasons(pushes), "conditions": per_condition}
    default = RefinementParams().method           # the loop's refinement
    flow = {layout: results[layout]["conditions"][f"optical_flow/{default}"] for layout in results}
    return {"flow_label_precision": flow["all"]["precision"],
            "flow_label_mean_iou": flow["all"]["mean_iou"],
            **{f"flow_label_{figure}_{layout}": flow[layout][figure]
               for layout in options.layouts for figure in ("precision", "mean_iou")},
            "refinement": default, "layouts": results}


def _named(figures: dict) -> dict:
    return {"labels": figures["labels"],
            "positives": figures["true_positive"] + figures["false_positive"],
            "precision": figures["positives_good_share"], "mean_iou": figures["positives_mean_iou"],
            "moved_labelled_positive": figures["moving_labelled_positive_share"]}


def _reasons(pushes: list[dict]) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for push in pushes:
        if "skipped" in push:
            reason = push["skipped"].split(":")[0]
            reasons[reason] = reasons.get(reason, 0) + 1
    return reasons


def figures_table(results: dict) -> str:
    """Per labeler and refinement: precision / mean IoU of the positives, per layout."""
    layouts = results["layouts"]
    header = " | ".join(f"{layout} ({layouts[layout]['judged']} pushes)" for layout in layouts)
    lines = [f"| labeler | refinement | {header} |", "|---|---|" + "---|" * len(layouts)]
    for labeler, refinement in conditions():
        cells = " | ".join(_cell(layouts[layout]["conditions"][f"{labeler}/{refinement}"])
                           for layout in layouts)
        lines.append(f"| {labeler} | {refinement} | {cells} |")
    return "\n".join(lines)


def _cell(figure: dict) -> str:
    return (f"{figure['precision']:.2f} / {figure['mean_iou']:.2f} "
            f"({figure['positives']} of {figure['labels']} positive)")
