"""The papers' tables from the stages' results: Table 1 (AP, AP50, AP75, AP@0.3 of the
baselines, the self-supervised runs over seeds and the supervised bound), AP versus
interactions, hypothesis recall over time (Pathak Fig. 3b), the generalisation matrix
(§6.2), label quality and speed, as one JSON, PNG plots and a Markdown table."""
from __future__ import annotations

import json
import pathlib

import numpy as np

from seg_by_interaction.benchmarks.paper_plan import (BASELINES, CELLS, BenchLayout, PaperBenchConfig,
                                                      curve_models, dataset_name,
                                                      generalisation_model, online_checkpoints,
                                                      table_models)

AP_FIGURES = ("ap", "ap50", "ap75", "ap30")
RECALL_FIGURE = "recall50_top10"
AP50_SHARE_OF_BOUND_TARGET = 0.7
BASELINE_NAMES = {"bottom_up": "bottom-up (RGB, stand-in for GOP)",
                  "depth_clusters": "depth clusters (uses depth)"}


def read_json(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


def build_tables(config: PaperBenchConfig, layout: BenchLayout) -> dict:
    table = _table1(config, layout)
    return {
        "table1": table,
        "ap50_share_of_bound": _share_of_bound(table),
        "ap_vs_interactions": _ap_vs_interactions(config, layout),
        "recall_over_time": _recall_over_time(layout),
        "generalisation": _generalisation(config, layout),
        "label_quality": _without_provenance(read_json(layout.label_quality)),
        "speed": _without_provenance(read_json(layout.speed)) if layout.speed.is_file() else {},
    }


def _table1(config: PaperBenchConfig, layout: BenchLayout) -> list[dict]:
    rows = [{"row": BASELINE_NAMES[m], "models": [m], **_mean_std([read_json(layout.evaluation(m))])}
            for m in BASELINES]
    for row, models in table_models(config).items():
        rows.append({"row": row, "models": [m.name for m in models], "steps": models[0].steps,
                     **_mean_std([read_json(layout.evaluation(m.name)) for m in models])})
    return rows


def _mean_std(evaluations: list[dict]) -> dict:
    return {figure: {"mean": float(np.mean(values)), "std": float(np.std(values)),
                     "seeds": values}
            for figure in AP_FIGURES
            for values in [[e[figure] for e in evaluations]]}


def _share_of_bound(table: list[dict]) -> dict:
    """AP50 of each self-supervised row over the supervised bound's, at the same budget."""
    bound = next(r for r in table if r["row"].startswith("supervised bound"))
    return {r["row"]: r["ap50"]["mean"] / bound["ap50"]["mean"] if bound["ap50"]["mean"] else 0.0
            for r in table if r["row"].startswith("self-supervised") and r["steps"] == bound["steps"]}


def _ap_vs_interactions(config: PaperBenchConfig, layout: BenchLayout) -> dict:
    offline = [{"interactions": n, "model": model.name,
                **{f: read_json(layout.evaluation(model.name))[f] for f in AP_FIGURES}}
               for n, model in curve_models(config).items()]
    return {"offline": offline, "online": _online_points(layout, AP_FIGURES)}


def _recall_over_time(layout: BenchLayout) -> dict:
    figures = ("recall30_top10", "recall50_top10", "recall50_top50")
    bottom_up = read_json(layout.evaluation("bottom_up"))
    return {"online": _online_points(layout, figures),
            "bottom_up": {f: bottom_up[f] for f in figures}}


def _online_points(layout: BenchLayout, figures: tuple[str, ...]) -> list[dict]:
    points = []
    for path in online_checkpoints(layout):
        evaluation = read_json(layout.evaluation(f"online_{path.stem}"))
        points.append({"interactions": evaluation["checkpoint"]["interactions_seen"],
                       "step": evaluation["checkpoint"]["step"], "model": path.stem,
                       **{f: evaluation[f] for f in figures}})
    return points


def _generalisation(config: PaperBenchConfig, layout: BenchLayout) -> list[dict]:
    model = generalisation_model(config).name
    return [{"objects": objects, "tables": tables, "dataset": dataset_name(objects, tables),
             "model": model,
             **{f"model_{f}": read_json(layout.evaluation(model, objects, tables))[f] for f in AP_FIGURES},
             **{f"bottom_up_{f}": read_json(layout.evaluation("bottom_up", objects, tables))[f]
                for f in AP_FIGURES}}
            for objects, tables in CELLS]


def _without_provenance(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k not in ("command", "commit", "date")}


# --- Markdown --------------------------------------------------------------------------

def table1_markdown(tables: dict) -> str:
    lines = ["| method | AP | AP50 | AP75 | AP@0.3 |", "|---|---|---|---|---|"]
    for row in tables["table1"]:
        cells = [_mean_std_text(row[f]) for f in AP_FIGURES]
        lines.append(f"| {row['row']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _mean_std_text(figure: dict) -> str:
    if len(figure["seeds"]) == 1:
        return f"{figure['mean']:.3f}"
    return f"{figure['mean']:.3f} ± {figure['std']:.3f}"


def generalisation_markdown(tables: dict) -> str:
    lines = ["| objects \\ tables | model AP@0.3 (AP50) | bottom-up AP@0.3 (AP50) |", "|---|---|---|"]
    for cell in tables["generalisation"]:
        lines.append(f"| {cell['objects']} objects, {cell['tables']} tables | "
                     f"{cell['model_ap30']:.3f} ({cell['model_ap50']:.3f}) | "
                     f"{cell['bottom_up_ap30']:.3f} ({cell['bottom_up_ap50']:.3f}) |")
    return "\n".join(lines)


SPEED_ROWS = (
    ("interactions per minute, nodes as separate processes", "interactions_per_min_separate_processes", "{:.1f}"),
    ("interactions per minute, nodes composed", "interactions_per_min_composed", "{:.1f}"),
    ("trainer: share of a CPU (separate processes) / of wall time in steps (composed)",
     "trainer_cpu_share_separate_processes", "{:.0%}", "trainer_busy_share_composed"),
    ("segmentation p50 / p95 ms, 320x240 single-scale", "segment_latency_ms_p50_320x240_single_scale",
     "{:.0f}", "segment_latency_ms_p95_320x240_single_scale"),
    ("segmentation p50 / p95 ms, 320x240 multi-scale", "segment_latency_ms_p50_320x240_multiscale",
     "{:.0f}", "segment_latency_ms_p95_320x240_multiscale"),
    ("segmentation p50 / p95 ms, 640x480 single-scale", "segment_latency_ms_p50_640x480_single_scale",
     "{:.0f}", "segment_latency_ms_p95_640x480_single_scale"),
    ("segmentation p50 / p95 ms, 640x480 multi-scale", "segment_latency_ms_p50_640x480_multiscale",
     "{:.0f}", "segment_latency_ms_p95_640x480_multiscale"),
    ("labeler p50 / p95 ms", "labeler_latency_ms_p50", "{:.1f}", "labeler_latency_ms_p95"),
    ("trainer examples (windows or frames) per second", "trainer_examples_per_s", "{:.1f}"),
    ("camera images between processes, p50 / p95 ms", "camera_image_latency_ms_p50", "{:.1f}",
     "camera_image_latency_ms_p95"),
    ("peak memory MB: world / hypotheses / executor / labeler / trainer / collector",
     "peak_memory_mb_world_node", "{:.0f}", "peak_memory_mb_hypothesis_server",
     "peak_memory_mb_interaction_executor", "peak_memory_mb_mask_labeler", "peak_memory_mb_online_trainer",
     "peak_memory_mb_collector"),
    ("peak memory MB, composed", "peak_memory_mb_composed", "{:.0f}"),
)


def speed_markdown(tables: dict) -> str:
    """The speed figures with the issue's targets; figures not measured are left out."""
    from seg_by_interaction.benchmarks.speed_bench import TARGETS

    speed = tables["speed"]
    lines = ["| figure | measured | target |", "|---|---|---|"]
    for label, first, style, *more in SPEED_ROWS:
        if first not in speed:
            continue
        value = " / ".join(style.format(speed[key]) for key in (first, *more) if key in speed)
        target = TARGETS.get(first)
        lines.append(f"| {label} | {value} | {f'{target[0]} {target[1]:g}' if target else ''} |")
    lines.append(f"\nTorch threads {speed.get('torch_threads')}, {speed.get('cpu_count')} CPUs; "
                 f"segmentation with {speed.get('checkpoint')}.")
    return "\n".join(lines)


def label_quality_markdown(tables: dict) -> str:
    """The issue's label-quality targets and the run's outcomes."""
    run = tables["label_quality"]
    quality = run["label_quality"]
    lines = ["| figure | measured | target |", "|---|---|---|",
             f"| positives with IoU ≥ 0.5 with an object that really moved | "
             f"{quality['positives_good_share']:.1%} | ≥ 80 % |",
             f"| mean IoU of positives | {quality['positives_mean_iou']:.2f} | ≥ 0.7 |",
             f"| object-moving interactions labelled positive | "
             f"{quality['moving_labelled_positive_share']:.1%} | ≥ 70 % |",
             "", f"{quality['labels']} labels of {run['interactions']} interactions; outcomes: " +
             ", ".join(f"{k} {v}" for k, v in run["outcomes"].items()) + "."]
    return "\n".join(lines)


def replace_between_markers(text: str, marker: str, content: str) -> str:
    """The text with what lies between `<!-- marker -->` and `<!-- /marker -->` replaced."""
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    if start not in text or end not in text:
        raise ValueError(f"markers {start} ... {end} not found")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{content}\n{end}{tail}"


# --- plots ------------------------------------------------------------------------------

def write_plots(tables: dict, out: pathlib.Path, source: dict) -> list[pathlib.Path]:
    """The three plots, each with the command, commit and date of `source` in a footer
    and in the PNG's metadata."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made_by = f"{source['command']} at {source['commit']}, {source['date']}"
    paths = []
    for name, draw in (("ap_vs_interactions.png", _plot_ap_vs_interactions),
                       ("recall_over_time.png", _plot_recall_over_time),
                       ("generalisation.png", _plot_generalisation)):
        figure, axes = plt.subplots(figsize=(5.5, 4.0))
        draw(axes, tables)
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        figure.text(0.01, 0.01, made_by, fontsize=6, color="grey")
        figure.savefig(out / name, dpi=100, metadata={"Source": made_by})
        plt.close(figure)
        paths.append(out / name)
    return paths


def _plot_ap_vs_interactions(axes, tables: dict) -> None:
    curve = tables["ap_vs_interactions"]
    for figure, style in (("ap30", "-o"), ("ap50", "--o")):
        offline = [(p["interactions"], p[figure]) for p in curve["offline"]]
        online = [(p["interactions"], p[figure]) for p in curve["online"]]
        axes.plot(*zip(*offline), style, label=f"{figure}, offline (fixed steps)")
        if online:
            axes.plot(*zip(*online), style, alpha=0.6, label=f"{figure}, online checkpoints")
    bottom_up = next(r for r in tables["table1"] if r["models"] == ["bottom_up"])
    axes.axhline(bottom_up["ap30"]["mean"], color="grey", ls=":", label="bottom-up AP@0.3")
    axes.set(xlabel="interactions", ylabel="AP (test split)", title="AP versus interactions")
    axes.legend(fontsize=7)


def _plot_recall_over_time(axes, tables: dict) -> None:
    recall = tables["recall_over_time"]
    points = recall["online"]
    for figure, label in (("recall50_top10", "IoU 0.5, top 10"), ("recall30_top10", "IoU 0.3, top 10")):
        if points:
            axes.plot([p["interactions"] for p in points], [p[figure] for p in points], "-o", label=label)
        axes.axhline(recall["bottom_up"][figure], ls=":", color="grey")
    axes.set(xlabel="interactions", ylabel="recall of test objects", ylim=(0, 1),
             title="hypothesis recall over time (dotted: bottom-up)")
    axes.legend(fontsize=7)


def _plot_generalisation(axes, tables: dict) -> None:
    cells = tables["generalisation"]
    grid = np.zeros((2, 2))
    for cell in cells:
        grid[("train", "test").index(cell["objects"]), ("train", "test").index(cell["tables"])] = cell["model_ap30"]
    image = axes.imshow(grid, cmap="viridis", vmin=0, vmax=max(grid.max(), 1e-3))
    for (row, column), value in np.ndenumerate(grid):
        axes.text(column, row, f"{value:.3f}", ha="center", va="center", color="white")
    axes.set_xticks([0, 1], ["train tables", "test tables"])
    axes.set_yticks([0, 1], ["train objects", "test objects"])
    axes.set_title(f"AP@0.3 of {cells[0]['model']}")
    axes.figure.colorbar(image, ax=axes)
