"""`sbi bench singulate`: interactive singulation (Eitel et al. 2019, Fig. 4) on test-split
scenes of the `touching` layout, the same scenes for each segmenter: the share of touching
pairs the segmentation separates (each object matched by a segment of its own at IoU >=
0.5, against the world's ground truth) before and after one singulation push
(core/evaluation/singulation.py).

For each segmenter the world, the motion server, the hypothesis server (the model, or the
baseline by name) and the executor are composed in one process, and a driver sends one
Singulate goal per scene. Each scene's outcome is kept in the work directory as it
finishes; a run started again with the same work directory measures only what is missing.
Scenes are drawn from consecutive seeds until `scenes` of them show a touching pair."""
from __future__ import annotations

import dataclasses
import json
import pathlib
import time

from seg_by_interaction.benchmarks.rearrange_bench import percent
from seg_by_interaction.core.evaluation.singulation import scene_outcome, summary
from seg_by_interaction.core.files import write_json_atomic

MODEL = "model"
SEGMENTERS = (MODEL, "depth_clusters", "bottom_up")
SEEDS_PER_SCENE = 2          # seeds tried per scene wanted, for scenes without a pair


@dataclasses.dataclass(frozen=True, kw_only=True)
class SingulateBenchOptions:
    scenes: int
    segmenters: tuple[str, ...]
    work: pathlib.Path
    robot: str = "sawyer"
    seed: int = 0
    max_pushes: int = 1
    checkpoint: str = ""


def outcome_path(options: SingulateBenchOptions, segmenter: str, seed: int) -> pathlib.Path:
    return options.work / segmenter / f"scene_{seed:04d}.json"


def kept(options: SingulateBenchOptions, segmenter: str) -> list[dict]:
    """The outcomes kept for a segmenter, of scenes with a touching pair, up to `scenes`."""
    outcomes = []
    for seed in _seeds(options):
        path = outcome_path(options, segmenter, seed)
        if path.exists() and (outcome := json.loads(path.read_text()))["pairs"]:
            outcomes.append(outcome)
    return outcomes[:options.scenes]


def missing(options: SingulateBenchOptions, segmenter: str) -> int:
    return options.scenes - len(kept(options, segmenter))


def run_missing(options: SingulateBenchOptions, segmenter: str, driver, on_scene=lambda o: None) -> None:
    """Singulate scenes of consecutive seeds until `scenes` with a touching pair are kept."""
    for seed in _seeds(options):
        if not missing(options, segmenter):
            return
        path = outcome_path(options, segmenter, seed)
        if path.exists():
            continue
        start = time.monotonic()
        episode = driver.episode("test", seed, options.max_pushes)
        outcome = measured(episode)
        outcome.update(segmenter=segmenter, scene_seed=seed, wall_s=time.monotonic() - start)
        write_json_atomic(path, outcome)
        on_scene(outcome)


def measured(episode) -> dict:
    """A singulation episode against the ground truth, with what the action reported."""
    from seg_by_interaction.ros.singulate_driver import masks_of

    result = episode.result
    if not result.before.image_width:      # no segmentation to measure: not the segmenter's
        raise RuntimeError(f"the singulation did not segment the scene: {result.reason}")
    after = result.after if result.after.image_width else result.before
    return {**scene_outcome(episode.before.ground_truth, episode.after.ground_truth,
                            masks_of(result.before), masks_of(after)),
            "success": result.success, "reason": result.reason,
            "pushes": len(result.pushes), "push_outcomes": list(result.push_outcomes),
            "cues": list(result.cues), "resolved": [bool(r) for r in result.resolved],
            "uncertain_before": result.uncertain_before, "uncertain_after": result.uncertain_after}


def figures(options: SingulateBenchOptions) -> dict:
    """Each segmenter's summary over the scenes kept so far, under its name."""
    return {segmenter: summary(kept(options, segmenter)) for segmenter in options.segmenters}


def figures_table(results: dict, segmenters: tuple[str, ...]) -> str:
    """A markdown table of the figures, one row per segmenter."""
    rows = ["| segmenter | scenes | touching pairs | separated before | separated after | "
            "newly separated / joined | scenes pushed | push outcomes |",
            "|---|---|---|---|---|---|---|---|"]
    for name in segmenters:
        f = results[name]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(f["push_outcomes"].items())) or "-"
        rows.append(f"| {name} | {f['scenes']} | {f['pairs']} | {percent(f['separated_before'])} | "
                    f"{percent(f['separated_after'])} | {f['pairs_newly_separated']} / "
                    f"{f['pairs_newly_joined']} | {f['scenes_pushed']} | {outcomes} |")
    return "\n".join(rows)


def _seeds(options: SingulateBenchOptions) -> range:
    return range(options.seed, options.seed + SEEDS_PER_SCENE * options.scenes)

