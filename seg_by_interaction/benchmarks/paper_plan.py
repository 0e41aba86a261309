"""The stages of `make bench`: one recorded run, the evaluation datasets, the offline
training runs and the evaluations behind the papers' tables (Pathak et al. 2018 Table 1,
Fig. 3b and §6.2), the label-quality and speed figures."""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Iterator

import yaml

from seg_by_interaction.benchmarks.stages import Stage, up_to_date
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.core.training import MASK_LOSSES
from seg_by_interaction.core.training.online import offline_model_name as model_name
from seg_by_interaction.core.validated import ConfigError, from_dict, setting

# (objects, tables) of the generalisation matrix; the first is the test set of Table 1
CELLS = (("test", "test"), ("train", "train"), ("train", "test"), ("test", "train"))
BASELINES = ("bottom_up", "depth_clusters")


@dataclasses.dataclass(frozen=True, kw_only=True)
class PaperBenchConfig:
    robot: str = setting("sawyer", "robot config of the simulated world")
    interactions: int = setting(1000, "interactions of the recorded run", min=1)
    collect_seed: int = setting(0, "seed of the recorded run", min=0)
    collect_parameters: list[str] = setting(["online_trainer:steps_per_example:=1.0"],
                                            "NODE:NAME:=VALUE overrides of config/collect.yaml")
    test_scenes: int = setting(50, "scenes per evaluation dataset", min=1)
    test_seed: int = setting(10000, "scene i of a dataset uses this seed + i", min=0)
    steps: int = setting(400, "SGD steps of every offline training run", min=1)
    seeds: list[int] = setting([0, 1, 2], "seeds of the compared training runs")
    losses: list[str] = setting(["ce", "rsl"], "mask losses compared", choices=None)
    bootstrap_interactions: int = setting(100, "interactions of the bootstrap model", min=1)
    curve_interactions: list[int] = setting([100, 250, 500], "interaction budgets of the AP "
                                                             "versus interactions curve")
    curve_loss: str = MASK_LOSSES.choice("rsl", "loss of the curve's models")
    long_steps: int = setting(1500, "a longer budget for seed 0 of the bootstrap and "
                                    "self-supervised rows (0 = none)", min=0)
    bound_loss: str = MASK_LOSSES.choice("ce", "loss of the supervised bound (its labels are "
                                               "clean)")
    generalisation_loss: str = MASK_LOSSES.choice("ce", "loss of the generalisation matrix's "
                                                        "model")

    def __post_init__(self):
        unknown = set(self.losses) - set(MASK_LOSSES.names())
        if unknown:
            raise ValueError(f"losses: unknown {sorted(unknown)}; use any of "
                             f"{list(MASK_LOSSES.names())}")
        if not self.seeds:
            raise ValueError("seeds: give at least one")


def load_bench_config(path: pathlib.Path) -> PaperBenchConfig:
    """The `bench` section of a YAML file (config/bench.yaml)."""
    try:
        data = yaml.safe_load(pathlib.Path(path).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: {error}") from error
    if not isinstance(data, dict) or "bench" not in data:
        raise ConfigError(f"{path}: expected a mapping with a 'bench' section")
    return from_dict(PaperBenchConfig, data["bench"] or {}, where=f"{pathlib.Path(path).name}: bench")


@dataclasses.dataclass(frozen=True)
class BenchLayout:
    """Where the stages put things: `work` (large, not committed) and `out` (results)."""
    work: pathlib.Path
    out: pathlib.Path

    @property
    def run(self) -> pathlib.Path:
        return self.work / "run"

    def dataset(self, objects: str, tables: str) -> pathlib.Path:
        return self.work / "datasets" / dataset_name(objects, tables)

    def model(self, name: str) -> pathlib.Path:
        return self.work / "models" / name

    def checkpoint(self, name: str) -> pathlib.Path:
        return self.model(name) / "checkpoints" / "model_v000001.pt"

    def evaluation(self, method: str, objects: str = "test", tables: str = "test") -> pathlib.Path:
        return self.out / "evaluations" / f"{method}__{dataset_name(objects, tables)}.json"

    def grid(self, method: str, objects: str = "test", tables: str = "test") -> pathlib.Path:
        """The evaluation's picture of predictions beside ground truth (kept in `work`)."""
        return self.work / "grids" / self.evaluation(method, objects, tables).with_suffix(".png").name

    @property
    def label_quality(self) -> pathlib.Path:
        return self.out / "label_quality.json"

    @property
    def speed(self) -> pathlib.Path:
        return self.out / "speed.json"


@dataclasses.dataclass(frozen=True)
class PlannedModel:
    """One offline training run: its mask loss, or 'truth' for the supervised bound's
    ground-truth labels; the interactions it learns from; its step budget and seed."""
    kind: str
    interactions: int
    steps: int
    seed: int

    @property
    def name(self) -> str:
        return model_name(self.kind, self.interactions, self.steps, self.seed)


def dataset_name(objects: str, tables: str) -> str:
    return f"{objects}_objects_{tables}_tables"


def table_models(config: PaperBenchConfig) -> dict[str, list[PlannedModel]]:
    """Table 1's trained rows: row name -> its models (one per seed)."""
    n, k, first = config.interactions, config.steps, config.seeds[0]
    bootstrap = config.bootstrap_interactions
    rows = {f"bootstrap model ({bootstrap} interactions, {config.curve_loss})":
            [PlannedModel(config.curve_loss, bootstrap, k, s) for s in config.seeds]}
    rows.update({f"self-supervised, {loss} ({n} interactions)": [PlannedModel(loss, n, k, s) for s in config.seeds]
                 for loss in config.losses})
    rows[f"supervised bound ({n} interactions, ground-truth masks)"] = \
        [PlannedModel("truth", n, k, s) for s in config.seeds]
    if config.long_steps:
        long = config.long_steps
        rows[f"bootstrap model, {long} steps"] = [PlannedModel(config.curve_loss, bootstrap, long, first)]
        rows.update({f"self-supervised, {loss}, {long} steps": [PlannedModel(loss, n, long, first)]
                     for loss in config.losses})
    return rows


def curve_models(config: PaperBenchConfig) -> dict[int, PlannedModel]:
    budgets = sorted({*config.curve_interactions, config.interactions})
    return {n: PlannedModel(config.curve_loss, n, config.steps, config.seeds[0]) for n in budgets}


def generalisation_model(config: PaperBenchConfig) -> PlannedModel:
    """Seed 0 of the generalisation loss at the longest budget."""
    return PlannedModel(config.generalisation_loss, config.interactions,
                        max(config.steps, config.long_steps), config.seeds[0])


def speed_model(config: PaperBenchConfig) -> PlannedModel:
    """The segmenter `sbi bench` times (latency does not depend on the weights)."""
    return PlannedModel(config.curve_loss, config.interactions, config.steps, config.seeds[0])


def online_checkpoints(layout: BenchLayout) -> list[pathlib.Path]:
    return sorted((layout.run / "checkpoints").glob("model_v*.pt"))


def stages(config: PaperBenchConfig, layout: BenchLayout, speed: bool = True) -> Iterator[Stage]:
    """Every stage in order; a generator, so that stages depending on what the run
    produced (its online checkpoints) are listed once it exists."""
    yield _collect_stage(config, layout)
    for cell, (objects, tables) in enumerate(CELLS):
        yield _dataset_stage(config, layout, objects, tables, config.test_seed + cell * config.test_scenes)
    for model in _all_models(config):
        yield _train_stage(config, layout, model)
    for method in BASELINES:
        yield _evaluate_stage(layout, method)
    for model in _all_models(config):
        yield _evaluate_stage(layout, model.name, layout.checkpoint(model.name))
    for objects, tables in CELLS[1:]:
        yield _evaluate_stage(layout, "bottom_up", None, objects, tables)
        name = generalisation_model(config).name
        yield _evaluate_stage(layout, name, layout.checkpoint(name), objects, tables)
    for path in online_checkpoints(layout):
        yield _evaluate_stage(layout, f"online_{path.stem}", path)
    records = layout.run / "records"
    yield Stage("label quality", ("report", "--run", str(layout.run), "--json", str(layout.label_quality)),
                up_to_date(layout.label_quality, records))
    if speed:
        model = layout.checkpoint(speed_model(config).name)
        yield Stage("speed", ("bench", "--checkpoint", str(model), "--run", str(layout.run),
                              "--json", str(layout.speed)), up_to_date(layout.speed, model, records))


def _all_models(config: PaperBenchConfig) -> list[PlannedModel]:
    models = [model for row in table_models(config).values() for model in row]
    models += curve_models(config).values()
    models.append(generalisation_model(config))
    return list(dict.fromkeys(models))


def _collect_stage(config: PaperBenchConfig, layout: BenchLayout) -> Stage:
    overrides = [arg for parameter in config.collect_parameters for arg in ("-p", parameter)]
    return Stage(f"collect {config.interactions} interactions",
                 ("collect", "--robot", config.robot, "--interactions", str(config.interactions),
                  "--out", str(layout.run), "--seed", str(config.collect_seed), *overrides),
                 lambda: _interactions(layout.run) >= config.interactions)


def _interactions(run: pathlib.Path) -> int:
    return RunStore(run).count_interactions() if (run / "records").is_dir() else 0


def _dataset_stage(config: PaperBenchConfig, layout: BenchLayout, objects: str, tables: str,
                   seed: int) -> Stage:
    folder = layout.dataset(objects, tables)
    return Stage(f"dataset {folder.name}",
                 ("dataset", "make", "--robot", config.robot, "--split", objects,
                  "--texture-split", tables, "--scenes", str(config.test_scenes),
                  "--seed", str(seed), "--out", str(folder)),
                 (folder / "annotations.json").is_file)


def _train_stage(config: PaperBenchConfig, layout: BenchLayout, model: PlannedModel) -> Stage:
    truth = model.kind == "truth"
    loss, labels = (config.bound_loss, "ground_truth") if truth else (model.kind, "self")
    return Stage(f"train {model.name}",
                 ("train", "--from", str(layout.run), "--loss", loss, "--labels", labels,
                  "--seed", str(model.seed), "--steps", str(model.steps),
                  "--interactions", str(model.interactions), "--out", str(layout.model(model.name))),
                 layout.checkpoint(model.name).is_file)


def _evaluate_stage(layout: BenchLayout, method: str, checkpoint: pathlib.Path | None = None,
                    objects: str = "test", tables: str = "test") -> Stage:
    """A baseline `method`, or the model of `checkpoint` named `method` in the results."""
    json_path = layout.evaluation(method, objects, tables)
    dataset = layout.dataset(objects, tables)
    source = ("--checkpoint", str(checkpoint)) if checkpoint else ("--method", method)
    inputs = (dataset / "annotations.json", *([checkpoint] if checkpoint else []))
    return Stage(f"evaluate {method} on {dataset.name}",
                 ("evaluate", *source, "--dataset", str(dataset), "--json", str(json_path),
                  "--grid", str(layout.grid(method, objects, tables))),
                 up_to_date(json_path, *inputs))
