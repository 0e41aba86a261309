"""What a run did and learned, for people: interaction and label counts, label quality
against the simulated world's ground truth (measurement only), pictures of the
hypotheses acted on over time and of labels beside ground truth, and the learning curve."""
from __future__ import annotations

import collections
import json
import pathlib

import numpy as np

from seg_by_interaction.core.evaluation.label_quality import (LabelQuality, judge_stored_labels,
                                                              labelled_objects)
from seg_by_interaction.core.labelers.base import CARRIED_PREFIX
from seg_by_interaction.core.run_store import RunStore, StoredRecord
from seg_by_interaction.core.visualize import colourise_instances, side_by_side


def run_summary(store: RunStore) -> dict:
    """Counts by primitive and outcome, label counts and, where the records hold ground
    truth, the label-quality figures."""
    outcomes = collections.Counter()
    labels = collections.Counter()
    quality = LabelQuality()
    for record_id, meta in store.metas():
        outcomes[f"{meta.primitive}:{meta.outcome.name}"] += 1
        stored = store.intact(store.read_labels, record_id) or []
        for label in stored:
            labels[f"{_pair_kind(label['frame_pair'])}:"
                   f"{'positive' if label['positive'] else 'negative'}"] += 1
        if stored and meta.is_interaction:
            truth = _ground_truth(store, record_id)
            for judgement in judge_stored_labels(truth, stored):
                quality.add(judgement)
            if "before" in truth:
                quality.add_coverage(*labelled_objects(truth["before"], stored))
    summary = {"records": len(store.record_ids()), "interactions": store.count_interactions(),
               "outcomes": dict(sorted(outcomes.items())), "labels": dict(sorted(labels.items()))}
    if quality.judgements:
        summary["label_quality"] = quality.figures()
    return summary


def _pair_kind(frame_pair: str) -> str:
    """The frame pair, or 'carried' for every label carried forward."""
    return "carried" if frame_pair.startswith(CARRIED_PREFIX) else frame_pair


def _ground_truth(store: RunStore, record_id: str) -> dict[str, np.ndarray]:
    directory = store.record_dir(record_id)
    has_truth = any(directory.glob("ground_truth_*.png"))
    record = store.intact(store.read_record, record_id) if has_truth else None
    if record is None:
        return {}
    return {name: view.ground_truth for name, view in record.views.items() if view.ground_truth is not None}


def labels_picture(store: RunStore, rows: int = 8) -> np.ndarray | None:
    """Rows evenly over the run: the before frame with the hypothesis acted on, each
    label's mask on its frame, and the ground-truth instances of the labelled frame."""
    labelled = [record_id for record_id, meta in store.metas()
                if meta.is_interaction and store.intact(store.read_labels, record_id)]
    if not labelled:
        return None
    chosen = [labelled[int(i)] for i in np.linspace(0, len(labelled) - 1, min(rows, len(labelled)))]
    records = [store.intact(store.read_record, record_id) for record_id in chosen]
    pictures = [_label_row(store, record) for record in records if record is not None]
    if not pictures:
        return None
    width = max(p.shape[1] for p in pictures)
    return np.vstack([np.pad(p, ((0, 4), (0, width - p.shape[1]), (0, 0)), constant_values=255)
                      for p in pictures])


def _label_row(store: RunStore, record: StoredRecord) -> np.ndarray:
    record_id = record.record_id
    before = record.views["before"].rgb.copy()
    if record.hypothesis_mask is not None:
        before[record.hypothesis_mask] = (0.5 * before[record.hypothesis_mask] + [0, 127, 0]).astype(np.uint8)
    source = record.meta.hypothesis.source if record.meta.hypothesis is not None else "?"
    panels, captions = [before], [f"{record_id} {record.meta.primitive} ({source})"]
    for label in store.read_labels(record_id):
        frame = record.views[label["labelled_frame"]].rgb.copy()
        tint = [0, 0, 160] if label["positive"] else [160, 0, 0]
        frame[label["mask"]] = (0.4 * frame[label["mask"]] + tint).astype(np.uint8)
        panels.append(frame)
        captions.append(f"{label['frame_pair']}: {'+' if label['positive'] else '-'}")
        truth = record.views[label["labelled_frame"]].ground_truth
        if truth is not None:
            panels.append(colourise_instances(truth.astype(np.int32)))
            captions.append("ground truth")
    return side_by_side(panels, captions)


def read_trainer_log(store: RunStore) -> list[dict]:
    path = store.trainer_log
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue                 # a line torn by a kill
    return entries


def learning_curve_png(entries: list[dict], path: pathlib.Path, evaluations: list[dict] = ()) -> None:
    """Training loss over steps, and AP@0.3 over interactions when evaluations are given
    ({"interactions": n, "ap30": x, "label": name})."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2 if evaluations else 1, figsize=(10 if evaluations else 5, 3.5),
                                squeeze=False)
    steps = [e["step"] for e in entries]
    axes[0][0].plot(steps, [e["loss"] for e in entries], lw=0.8)
    axes[0][0].set(xlabel="training step", ylabel="loss", title="online training loss")
    if evaluations:
        ax = axes[0][1]
        for label in sorted({e["label"] for e in evaluations}):
            points = sorted((e["interactions"], e["ap30"]) for e in evaluations if e["label"] == label)
            ax.plot(*zip(*points), marker="o", label=label)
        ax.set(xlabel="interactions", ylabel="AP@0.3 (test split)", title="learning curve")
        ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def hypotheses_over_time(rgb: np.ndarray, stages: list[tuple[str, list]], limit: int = 5) -> np.ndarray:
    """The same image under each stage's proposals (name, proposals best first), side by
    side: how the hypotheses changed as the model learned."""
    from seg_by_interaction.core.hypotheses.grasp import mask_shape
    from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
    from seg_by_interaction.core.visualize import hypotheses_overlay

    def as_hypotheses(proposals):
        return [Hypothesis(f"h{i}", "", p.score, p.mask, mask_shape(p.mask), None)
                for i, p in enumerate([p for p in proposals if p.mask.any()][:limit])]
    return side_by_side([hypotheses_overlay(rgb, as_hypotheses(proposals), limit) for _, proposals in stages],
                        [name for name, _ in stages])


def write_report(store: RunStore, out_dir: pathlib.Path, evaluations: list[dict],
                 stages_picture: np.ndarray | None, title: str) -> pathlib.Path:
    """report.md with the run summary, label quality, evaluations and pictures."""
    from seg_by_interaction.core.files import write_bytes_atomic, write_png_atomic

    summary = run_summary(store)
    lines = [f"# {title}", "", f"Run directory: `{store.root}`", "",
             f"{summary['interactions']} interactions ({summary['records']} records with reset sweeps).", "",
             "| primitive:outcome | count |", "|---|---|",
             *[f"| {k} | {v} |" for k, v in summary["outcomes"].items()], "",
             "| labels (frame pair:decision) | count |", "|---|---|",
             *[f"| {k} | {v} |" for k, v in summary["labels"].items()], ""]
    quality = summary.get("label_quality")
    if quality:
        lines += ["Label quality against the simulated world's ground truth (measurement only; "
                  "nothing that learns sees it):", "",
                  f"- positives with IoU >= 0.5 with an object that really moved: "
                  f"{quality['positives_good_share']:.0%} (target >= 80 %)",
                  f"- mean IoU of positives: {quality['positives_mean_iou']:.2f} (target >= 0.7)",
                  f"- object-moving interactions labelled positive: "
                  f"{quality['moving_labelled_positive_share']:.0%} (target >= 70 %)",
                  f"- labels carried forward to later frames of objects that had not moved: "
                  f"{quality['carried_labels']}, {quality['carried_good_share']:.0%} with IoU >= "
                  f"0.5 with an object of their frame (mean IoU {quality['carried_mean_iou']:.2f})",
                  ""]
    if evaluations:
        lines += ["Evaluation on the test split (novel objects and table textures):", "",
                  "| model | interactions | AP | AP50 | AP75 | AP@0.3 |", "|---|---|---|---|---|---|",
                  *[f"| {e['name']} | {e['interactions']} | {e['ap']:.3f} | {e['ap50']:.3f} | "
                    f"{e['ap75']:.3f} | {e['ap30']:.3f} |" for e in evaluations], ""]
    entries = read_trainer_log(store)
    if entries:
        learning_curve_png(entries, out_dir / "learning_curve.png",
                           [e for e in evaluations if e["label"] == "model"])
        lines += ["![learning curve](learning_curve.png)", ""]
    if stages_picture is not None:
        write_png_atomic(out_dir / "hypotheses_over_time.png", stages_picture)
        lines += ["Hypotheses on one test image as the model learned (top 5, rank:score):", "",
                  "![hypotheses over time](hypotheses_over_time.png)", ""]
    picture = labels_picture(store)
    if picture is not None:
        write_png_atomic(out_dir / "labels.png", picture)
        lines += ["Interactions over the run: the hypothesis acted on (green), each label "
                  "(blue positive, red negative) and the ground truth:", "", "![labels](labels.png)", ""]
    write_bytes_atomic(out_dir / "summary.json", (json.dumps(summary, indent=1) + "\n").encode())
    path = out_dir / "report.md"
    write_bytes_atomic(path, "\n".join(lines).encode())
    return path
