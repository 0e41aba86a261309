"""The papers' tables from the stages' results: Table 1 per condition (AP, AP50, AP75,
AP@0.3 of the baselines and of every trained row, mean ± std over training seeds and over
recorded runs), the figures named for the issue's targets, AP50 over training steps, the
online model over interactions (AP, hypothesis recall; Pathak Fig. 3b), the generalisation
matrix (§6.2), label quality and speed, as one JSON, PNG plots and Markdown tables."""
from __future__ import annotations

import json
import pathlib

import numpy as np

from seg_by_interaction.benchmarks.paper_plan import (BASELINES, CONDITIONS, DEFAULT_ROW, ROWS,
                                                      TORCH_THREADS, BenchLayout, PaperBenchConfig,
                                                      condition_sets, curve_models,
                                                      generalisation_sets, headline_model,
                                                      online_checkpoints, run_models, seed_models)

AP_FIGURES = ("ap", "ap50", "ap75", "ap30")
BASELINE_NAMES = {"bottom_up": "bottom-up (RGB, stand-in for GOP)",
                  "depth_clusters": "depth clusters (uses depth)"}
SPEED_FIGURE = "segment_latency_ms_p50_320x240"       # the default model, all scales
# the "Done means": (figure, comparison, target)
TARGETS = (("ap50_selfsup_mixed", ">=", 0.80),
           ("ap50_selfsup_lead_over_depth_clusters_touching", ">=", 0.05),
           ("ap50_selfsup_lead_over_depth_clusters_stacked", ">=", 0.05),
           ("ap50_share_of_bound", ">=", 0.90),
           ("ap50_std_over_runs", "<=", 0.03),
           ("ap50_rgb_only_over_bottom_up_mixed", ">=", 2.0),
           (SPEED_FIGURE, "<=", 100.0))


def read_json(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


def build_tables(config: PaperBenchConfig, layout: BenchLayout) -> dict:
    table = _table1(config, layout)
    speed = _without_provenance(read_json(layout.speed)) if layout.speed.is_file() else {}
    figures = {**_condition_figures(table), **_spread_figures(table),
               SPEED_FIGURE: speed.get(f"{SPEED_FIGURE}_multiscale")}
    figures.update(_comparisons(figures))
    return {"torch_threads": TORCH_THREADS, **figures, "targets": _targets(figures),
            "table1": table, "ap50_over_steps": _ap50_over_steps(config, layout),
            "ap_vs_interactions": _online_points(layout, AP_FIGURES),
            "recall_over_time": _recall_over_time(layout),
            "generalisation": _generalisation(config, layout),
            "label_quality": _without_provenance(read_json(layout.label_quality)), "speed": speed}


def _table1(config: PaperBenchConfig, layout: BenchLayout) -> list[dict]:
    rows = [{"key": method, "row": BASELINE_NAMES[method], "models": [method],
             "conditions": _per_condition(layout, [method])} for method in BASELINES]
    for row in ROWS:
        seeds, runs = seed_models(config, row), run_models(config, row)
        rows.append({"key": row.key, "row": row.title, "architecture": row.architecture,
                     "inputs": row.inputs, "loss": row.loss, "labels": row.labels,
                     "steps": config.steps, "interactions": config.interactions, "seeds": config.seeds,
                     "models": [m.name for m in seeds],
                     "conditions": _per_condition(layout, [m.name for m in seeds]),
                     "over_runs": {"runs": config.runs, "interactions": config.run_interactions,
                                   "seed": config.seeds[0], "models": [m.name for m in runs],
                                   "mixed": _mean_std([read_json(layout.evaluation(m.name)) for m in runs])}})
    return rows


def _per_condition(layout: BenchLayout, methods: list[str]) -> dict:
    return {evaluation_set.layout: _mean_std([read_json(layout.evaluation(m, evaluation_set)) for m in methods])
            for evaluation_set in condition_sets()}


def _mean_std(evaluations: list[dict]) -> dict:
    return {figure: {"mean": float(np.mean(values)), "std": float(np.std(values)), "values": values}
            for figure in AP_FIGURES
            for values in [[e[figure] for e in evaluations]]}


def _condition_figures(table: list[dict]) -> dict:
    """ap50_<row>_<condition>: the mean AP50 of each row (over seeds) on each condition."""
    return {f"ap50_{row['key']}_{condition}": row["conditions"][condition]["ap50"]["mean"]
            for row in table for condition in CONDITIONS}


def _spread_figures(table: list[dict]) -> dict:
    """The default model's AP50 spread on the mixed split: over training seeds on run 0,
    and over recorded runs (None with a single run)."""
    default = next(row for row in table if row["key"] == DEFAULT_ROW.key)
    over_runs = default["over_runs"]
    return {"ap50_std_over_seeds": default["conditions"]["mixed"]["ap50"]["std"],
            "ap50_std_over_runs": over_runs["mixed"]["ap50"]["std"] if over_runs["runs"] > 1 else None,
            "ap50_selfsup_mixed_over_runs": over_runs["mixed"]["ap50"]["mean"]}


def _comparisons(figures: dict) -> dict:
    """The self-supervised default against the supervised bound and the depth baseline,
    and the RGB-only variant against the bottom-up baseline."""
    def ratio(numerator: float, denominator: float) -> float | None:
        return numerator / denominator if denominator else None

    return {"ap50_share_of_bound": ratio(figures["ap50_selfsup_mixed"], figures["ap50_bound_mixed"]),
            **{f"ap50_selfsup_lead_over_depth_clusters_{condition}":
               figures[f"ap50_selfsup_{condition}"] - figures[f"ap50_depth_clusters_{condition}"]
               for condition in CONDITIONS},
            "ap50_rgb_only_over_bottom_up_mixed": ratio(figures["ap50_rgb_only_mixed"],
                                                        figures["ap50_bottom_up_mixed"])}


def _targets(figures: dict) -> list[dict]:
    """Each target with its measured figure and whether it is met (None: not measured)."""
    def met(value, comparison: str, target: float) -> bool | None:
        if value is None:
            return None
        return value >= target if comparison == ">=" else value <= target

    return [{"figure": figure, "measured": figures[figure], "target": f"{comparison} {target:g}",
             "met": met(figures[figure], comparison, target)} for figure, comparison, target in TARGETS]


def _ap50_over_steps(config: PaperBenchConfig, layout: BenchLayout) -> list[dict]:
    """The default model (seed 0, run 0) at each step budget, on the mixed split."""
    return [{"steps": model.steps, "model": model.name,
             **{f: read_json(layout.evaluation(model.name))[f] for f in AP_FIGURES}}
            for model in curve_models(config)]


def _recall_over_time(layout: BenchLayout) -> dict:
    figures = ("recall30_top10", "recall50_top10", "recall50_top50")
    bottom_up = read_json(layout.evaluation("bottom_up"))
    return {"online": _online_points(layout, figures),
            "bottom_up": {f: bottom_up[f] for f in figures}}


def _online_points(layout: BenchLayout, figures: tuple[str, ...]) -> list[dict]:
    """The online model of run 0 at each checkpoint, on the mixed split."""
    points = []
    for path in online_checkpoints(layout):
        evaluation = read_json(layout.evaluation(f"online_{path.stem}"))
        points.append({"interactions": evaluation["checkpoint"]["interactions_seen"],
                       "step": evaluation["checkpoint"]["step"], "model": path.stem,
                       **{f: evaluation[f] for f in figures}})
    return points


def _generalisation(config: PaperBenchConfig, layout: BenchLayout) -> list[dict]:
    model = headline_model(config).name
    return [{"objects": cell.objects, "tables": cell.tables, "dataset": cell.name, "model": model,
             **{f"{prefix}_{figure}": read_json(layout.evaluation(method, cell))[figure]
                for prefix, method in (("model", model), *((m, m) for m in BASELINES))
                for figure in AP_FIGURES}}
            for cell in generalisation_sets()]


def _without_provenance(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k not in ("command", "commit", "date")}


# --- Markdown --------------------------------------------------------------------------

def table1_markdown(tables: dict) -> str:
    """AP50 per condition and AP, AP75 on the mixed split (mean ± std over training seeds),
    and mixed AP50 over recorded runs."""
    lines = ["| method | " + " | ".join(f"AP50 {c}" for c in CONDITIONS) +
             " | AP mixed | AP75 mixed | AP50 mixed over runs |",
             "|---" * (len(CONDITIONS) + 4) + "|"]
    for row in tables["table1"]:
        mixed = row["conditions"]["mixed"]
        cells = [_mean_std_text(row["conditions"][c]["ap50"]) for c in CONDITIONS]
        cells += [_mean_std_text(mixed["ap"]), _mean_std_text(mixed["ap75"])]
        cells.append(_mean_std_text(row["over_runs"]["mixed"]["ap50"]) if "over_runs" in row else "")
        lines.append(f"| {row['row']} | " + " | ".join(cells) + " |")
    default = next(row for row in tables["table1"] if row["key"] == DEFAULT_ROW.key)
    runs = default["over_runs"]
    lines.append(f"\n{default['steps']} SGD steps for every trained row. ± over training seeds "
                 f"{default['seeds']} on run 0 ({default['interactions']} interactions); over runs: "
                 f"seed {runs['seed']} trained on the first {runs['interactions']} interactions of "
                 f"each of {runs['runs']} recorded runs. Torch threads {tables['torch_threads']}.")
    return "\n".join(lines)


def _mean_std_text(figure: dict) -> str:
    if len(figure["values"]) == 1:
        return f"{figure['mean']:.3f}"
    return f"{figure['mean']:.3f} ± {figure['std']:.3f}"


def targets_markdown(tables: dict) -> str:
    lines = ["| figure | measured | target | met |", "|---|---|---|---|"]
    for target in tables["targets"]:
        measured = "–" if target["measured"] is None else f"{target['measured']:.3g}"
        met = {True: "yes", False: "**no**", None: "–"}[target["met"]]
        lines.append(f"| `{target['figure']}` | {measured} | {target['target']} | {met} |")
    curve = ", ".join(f"{point['steps']}: {point['ap50']:.3f}" for point in tables["ap50_over_steps"])
    lines.append(f"\nAP50 (mixed) of the default model over training steps: {curve}. "
                 f"Torch threads {tables['torch_threads']}.")
    return "\n".join(lines)


def generalisation_markdown(tables: dict) -> str:
    lines = ["| objects \\ tables (mixed layout) | model AP50 | depth clusters AP50 | bottom-up AP50 |",
             "|---|---|---|---|"]
    for cell in tables["generalisation"]:
        lines.append(f"| {cell['objects']} objects, {cell['tables']} tables | {cell['model_ap50']:.3f} | "
                     f"{cell['depth_clusters_ap50']:.3f} | {cell['bottom_up_ap50']:.3f} |")
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
    """The plots, each with the command, commit and date of `source` in a footer and in
    the PNG's metadata."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made_by = f"{source['command']} at {source['commit']}, {source['date']}"
    paths = []
    for name, draw in (("ap50_per_condition.png", _plot_conditions),
                       ("ap50_over_steps.png", _plot_ap50_over_steps),
                       ("ap_vs_interactions.png", _plot_ap_vs_interactions),
                       ("recall_over_time.png", _plot_recall_over_time),
                       ("generalisation.png", _plot_generalisation)):
        figure, axes = plt.subplots(figsize=(6.5, 4.0))
        draw(axes, tables)
        figure.tight_layout(rect=(0, 0.04, 1, 1))
        figure.text(0.01, 0.01, made_by, fontsize=6, color="grey")
        figure.savefig(out / name, dpi=100, metadata={"Source": made_by})
        plt.close(figure)
        paths.append(out / name)
    return paths


def _baseline_lines(axes, tables: dict) -> None:
    """The baselines' mixed-split AP50 as dotted lines."""
    for method, colour in zip(BASELINES, ("black", "grey")):
        axes.axhline(tables[f"ap50_{method}_mixed"], color=colour, ls=":",
                     label=f"{BASELINE_NAMES[method]}")


def _plot_conditions(axes, tables: dict) -> None:
    rows = tables["table1"]
    width = 0.8 / len(rows)
    for number, row in enumerate(rows):
        means = [row["conditions"][c]["ap50"]["mean"] for c in CONDITIONS]
        stds = [row["conditions"][c]["ap50"]["std"] for c in CONDITIONS]
        axes.bar(np.arange(len(CONDITIONS)) + number * width, means, width, yerr=stds,
                 label=row["key"])
    axes.set_xticks(np.arange(len(CONDITIONS)) + 0.4 - width / 2, CONDITIONS)
    axes.set(ylabel="AP50 (test objects, test tables)", ylim=(0, 1),
             title=f"AP50 per condition (± over seeds; {tables['torch_threads']} torch thread)")
    axes.legend(fontsize=6, ncol=2)


def _plot_ap50_over_steps(axes, tables: dict) -> None:
    curve = tables["ap50_over_steps"]
    axes.plot([p["steps"] for p in curve], [p["ap50"] for p in curve], "-o", label="default model, seed 0")
    _baseline_lines(axes, tables)
    axes.set(xlabel="SGD steps", ylabel="AP50 (mixed split)", ylim=(0, 1),
             title="AP50 over training steps")
    axes.legend(fontsize=7)


def _plot_ap_vs_interactions(axes, tables: dict) -> None:
    online = tables["ap_vs_interactions"]
    for figure, style in (("ap30", "-o"), ("ap50", "--o")):
        if online:
            axes.plot([p["interactions"] for p in online], [p[figure] for p in online], style,
                      label=f"{figure}, online checkpoints")
    _baseline_lines(axes, tables)
    axes.set(xlabel="interactions", ylabel="AP (mixed split)", ylim=(0, 1),
             title="the online model of run 0 over interactions")
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
        grid[("train", "test").index(cell["objects"]), ("train", "test").index(cell["tables"])] = cell["model_ap50"]
    image = axes.imshow(grid, cmap="viridis", vmin=0, vmax=max(grid.max(), 1e-3))
    for (row, column), value in np.ndenumerate(grid):
        axes.text(column, row, f"{value:.3f}", ha="center", va="center", color="white")
    axes.set_xticks([0, 1], ["train tables", "test tables"])
    axes.set_yticks([0, 1], ["train objects", "test objects"])
    axes.set_title(f"AP50, mixed layout, of {cells[0]['model']}", fontsize=7)
    axes.figure.colorbar(image, ax=axes)
