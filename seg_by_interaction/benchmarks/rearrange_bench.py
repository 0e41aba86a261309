"""`sbi bench rearrange`: rearrangement episodes on test-split objects and tables, 1-3
objects displaced (as Pathak et al. 2018, section 6.3), the same scenes for each
segmenter, measured against the world's ground truth: episode success, the share of
displaced objects put back, final errors, interactions used, failures by cause.

Each episode's outcome is kept in the work directory as it finishes; a run started again
with the same work directory measures only what is missing."""
from __future__ import annotations

import dataclasses
import json
import pathlib
import time

from seg_by_interaction.core.evaluation.oracle import GroundTruthOracle
from seg_by_interaction.core.evaluation.rearrangement import episode_outcome, summary
from seg_by_interaction.core.files import write_json_atomic

SEGMENTER_ORDER = ("ground_truth", "model", "depth_clusters", "bottom_up")


@dataclasses.dataclass(frozen=True, kw_only=True)
class RearrangeBenchOptions:
    episodes: int
    segmenters: tuple[str, ...]
    work: pathlib.Path
    seed: int = 0
    objects: int = 0
    tolerance_px: float = 15.0
    budget: int = 10


def ground_truth_segmenter():
    """The world's ground-truth masks as a segmenter (view -> proposals), the upper bound
    handed to the rearrangement node: measurement only, through the guarded oracle."""
    return GroundTruthOracle(allow_ground_truth=True).segment


def episode_plan(options: RearrangeBenchOptions):
    """(segmenter, index, spec) of every episode: index i displaces 1 + i mod 3 objects of
    scene seed + i, for every segmenter alike."""
    from seg_by_interaction.ros.rearrange_driver import EpisodeSpec

    for index in range(options.episodes):
        for segmenter in options.segmenters:
            yield segmenter, index, EpisodeSpec(
                scene_seed=options.seed + index, displace=1 + index % 3, objects=options.objects,
                segmenter=segmenter, tolerance_px=options.tolerance_px,
                max_interactions=options.budget)


def outcome_path(options: RearrangeBenchOptions, segmenter: str, index: int) -> pathlib.Path:
    return options.work / "episodes" / f"{segmenter}_{index:03d}.json"


def missing(options: RearrangeBenchOptions) -> list:
    return [planned for planned in episode_plan(options)
            if not outcome_path(options, planned[0], planned[1]).exists()]


def run_missing(options: RearrangeBenchOptions, driver, progress=lambda line: None) -> None:
    """Measure and keep every episode not yet in the work directory."""
    for segmenter, index, spec in missing(options):
        start = time.monotonic()
        episode = driver.episode(spec)
        outcome = episode_outcome(episode.goal, episode.initial, episode.final, episode.result,
                                  options.tolerance_px)
        outcome.update(segmenter=segmenter, scene_seed=spec.scene_seed, displaced=episode.displaced,
                       wall_s=time.monotonic() - start, result=episode.result)
        write_json_atomic(outcome_path(options, segmenter, index), outcome)
        progress(f"{segmenter} episode {index}: {'success' if outcome['success'] else 'failure'} "
                 f"in {outcome['interactions']} interactions ({outcome['wall_s']:.0f} s)")


def figures(options: RearrangeBenchOptions) -> dict:
    """Each segmenter's summary over the episodes kept so far, under its name."""
    by_segmenter: dict[str, list[dict]] = {s: [] for s in options.segmenters}
    for segmenter, index, _ in episode_plan(options):
        path = outcome_path(options, segmenter, index)
        if path.exists():
            by_segmenter[segmenter].append(json.loads(path.read_text()))
    return {segmenter: {**summary(outcomes),
                        "mean_wall_s": (sum(o["wall_s"] for o in outcomes) / len(outcomes)
                                        if outcomes else None)}
            for segmenter, outcomes in by_segmenter.items()}


def figures_table(results: dict, segmenters: tuple[str, ...]) -> str:
    """A markdown table of the figures, one row per segmenter."""
    rows = ["| segmenter | episodes | success | objects fixed | final error px / cm | "
            "interactions | failures: lost / segmentation / matching / grasp / placement / "
            "not attempted |",
            "|---|---|---|---|---|---|---|"]
    for name in segmenters:
        f = results[name]
        causes = " / ".join(str(count) for count in f["failures_by_cause"].values())
        rows.append(f"| {name} | {f['episodes']} | {percent(f['success_rate'])} | "
                    f"{percent(f['objects_fixed_share'])} | {_number(f['mean_final_error_px'])} / "
                    f"{_number(f['mean_final_error_cm'])} | {_number(f['mean_interactions'])} | "
                    f"{causes} |")
    return "\n".join(rows)


def percent(value) -> str:
    return "-" if value is None else f"{100 * value:.0f} %"


def _number(value) -> str:
    return "-" if value is None else f"{value:.1f}"
