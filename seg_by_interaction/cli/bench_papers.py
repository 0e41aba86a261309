"""`sbi bench papers` (what `make bench` runs): the papers' tables regenerated in
resumable stages, results under benchmarks/papers/ and the summary tables written into
the READMEs between their markers."""
from __future__ import annotations

import argparse
import pathlib

README_MARKERS = {"bench:table1": "table1_markdown", "bench:targets": "targets_markdown",
                  "bench:generalisation": "generalisation_markdown",
                  "bench:speed": "speed_markdown", "bench:label_quality": "label_quality_markdown"}


def add_parser(actions) -> None:
    from seg_by_interaction.core.robot_config import config_dir

    papers = actions.add_parser(
        "papers", help="the papers' tables, in resumable stages (recorded runs, datasets per "
                       "condition, training, evaluation, label quality, speed): JSON, PNG "
                       "plots, README tables")
    papers.add_argument("--config", type=pathlib.Path, default=config_dir() / "bench.yaml",
                        help="benchmark plan (default: config/bench.yaml)")
    papers.add_argument("--work", type=pathlib.Path, default=pathlib.Path("runs/bench"),
                        help="run, datasets and models (large; kept to resume)")
    papers.add_argument("--out", type=pathlib.Path, default=pathlib.Path("benchmarks/papers"),
                        help="results: JSON and PNG")
    papers.add_argument("--readme", type=pathlib.Path, nargs="*",
                        default=[pathlib.Path("README.md"), pathlib.Path("benchmarks/README.md")],
                        help="files whose <!-- bench:... --> sections get the tables")
    papers.add_argument("--jobs", type=int, default=2,
                        help="recorded runs, datasets, training runs and evaluations side by "
                             "side, each one process that keeps about one core busy (1 torch "
                             "thread; a collection's nodes share one interpreter); default 2, "
                             "this machine's cores; their output in <work>/logs/")
    papers.add_argument("--no-speed", action="store_true", help="skip the speed stage (`sbi bench`)")
    papers.set_defaults(func=papers_command)


def papers_command(args: argparse.Namespace) -> int:
    from seg_by_interaction.benchmarks import paper_tables
    from seg_by_interaction.benchmarks.paper_plan import BenchLayout, load_bench_config, stages
    from seg_by_interaction.benchmarks.stages import StageFailed, run_stages
    from seg_by_interaction.core.files import write_json_atomic
    from seg_by_interaction.core.provenance import provenance
    from seg_by_interaction.core.validated import ConfigError, to_dict

    if args.jobs < 1:
        raise SystemExit(f"error: --jobs {args.jobs}: at least 1")
    try:
        config = load_bench_config(args.config)
    except ConfigError as error:
        raise SystemExit(f"error: {error}") from None
    layout = BenchLayout(args.work, args.out)
    try:
        timings = run_stages(stages(config, layout, speed=not args.no_speed), jobs=args.jobs,
                             log_dir=layout.work / "logs")
    except StageFailed as error:
        raise SystemExit(f"error: {error}") from None
    tables = paper_tables.build_tables(config, layout)
    stage_minutes = _stage_minutes(layout.out / "stage_minutes.json", timings,
                                   [stage.name for stage in stages(config, layout)])
    source = provenance()
    write_json_atomic(layout.out / "tables.json", {**source, "config": to_dict(config),
                                                   "stage_minutes": stage_minutes, **tables})
    for path in [*paper_tables.write_plots(tables, layout.out, source), *_copy_headline_grids(layout, tables)]:
        print(f"picture: {path}")
    for readme in args.readme:
        update_marked_sections(readme, {marker: getattr(paper_tables, render)(tables)
                                        for marker, render in README_MARKERS.items()})
    print(paper_tables.table1_markdown(tables))
    print(paper_tables.targets_markdown(tables))
    print(f"stages took {sum(stage_minutes.values()):.0f} min in all; tables: {layout.out / 'tables.json'}")
    return 0


def _stage_minutes(path: pathlib.Path, timings: list[dict], plan: list[str]) -> dict[str, float]:
    """Minutes each stage of the plan took when it last ran, kept across resumed
    regenerations; stages that earlier plans had and this one has not are dropped."""
    import json

    from seg_by_interaction.core.files import write_json_atomic

    kept = json.loads(path.read_text()) if path.is_file() else {}
    minutes = {name: kept[name] for name in plan if name in kept}
    minutes.update({t["stage"]: round(t["seconds"] / 60, 2) for t in timings if t["state"] == "ran"})
    write_json_atomic(path, minutes)
    return minutes


def _copy_headline_grids(layout, tables: dict) -> list[pathlib.Path]:
    """Predictions beside ground truth on the mixed split of each Table 1 row's first model,
    into the results."""
    import shutil

    copies = []
    for row in tables["table1"]:
        source = layout.grid(row["models"][0])
        if source.is_file():
            copies.append(layout.out / "grids" / source.name)
            copies[-1].parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copies[-1])
    return copies


def update_marked_sections(path: pathlib.Path, sections: dict[str, str]) -> None:
    """Replace each `<!-- marker -->` section of the file at `path` (if it has one) with its
    content in `sections` (marker -> markdown)."""
    from seg_by_interaction.benchmarks import paper_tables
    from seg_by_interaction.core.files import write_bytes_atomic

    if not path.is_file():
        return
    text = original = path.read_text()
    for marker, content in sections.items():
        if f"<!-- {marker} -->" in text:
            text = paper_tables.replace_between_markers(text, marker, content)
    if text != original:
        write_bytes_atomic(path, text.encode())
        print(f"tables written into {path}")
