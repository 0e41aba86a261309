"""The stages of `make bench`: recorded runs on the mixed-clutter layout, evaluation
datasets per condition (mixed, touching, stacked, separated) and for the generalisation
matrix, the offline training runs of Table 1 over training seeds and recorded runs, the
curve of AP50 over training steps, the evaluations, the label-quality and speed figures."""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Iterator

import yaml

from seg_by_interaction.benchmarks.stages import Stage, up_to_date
from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.core.validated import ConfigError, from_dict, setting

# the conditions of Table 1, all on test objects and test tables; the first is the headline
CONDITIONS = ("mixed", "touching", "stacked", "separated")
# (objects, tables) of the generalisation matrix, on the mixed layout; the first is Table 1's
CELLS = (("test", "test"), ("train", "train"), ("train", "test"), ("test", "train"))
BASELINES = ("depth_clusters", "bottom_up")
TORCH_THREADS = 1          # of every training, evaluation and speed command
DEFAULT_ARCHITECTURE = "efficientnet_lite0_embedding"


@dataclasses.dataclass(frozen=True, kw_only=True)
class PaperBenchConfig:
    robot: str = setting("sawyer", "robot config of the simulated world")
    interactions: int = setting(500, "interactions of the main recorded run (run 0)", min=1)
    runs: int = setting(3, "recorded runs; run r is collected with seed collect_seed + r", min=1)
    run_interactions: int = setting(300, "interactions of the further runs; the spread over runs "
                                         "compares models trained on this many interactions of "
                                         "each run (run 0's first ones)", min=1)
    collect_seed: int = setting(0, "seed of run 0", min=0)
    collect_parameters: list[str] = setting(
        ["online_trainer:steps_per_example:=1.0", "world_node:arena.layout:=mixed",
         "collector:new_scene_every:=10", "interaction_executor:record_ground_truth:=true"],
        "NODE:NAME:=VALUE overrides of config/collect.yaml")
    test_scenes: int = setting(50, "scenes per evaluation dataset", min=1)
    test_seed: int = setting(10000, "scene i of dataset d uses this seed + d * test_scenes + i",
                             min=0)
    steps: int = setting(800, "SGD steps of every Table 1 training run", min=1)
    seeds: list[int] = setting([0, 1, 2], "training seeds of every Table 1 row (on run 0)")
    curve_steps: list[int] = setting([200, 400, 1600], "further step budgets of the default "
                                                       "model (seed 0, run 0) for the curve of "
                                                       "AP50 over steps")

    def __post_init__(self):
        if not self.seeds:
            raise ValueError("seeds: give at least one")
        if self.run_interactions > self.interactions:
            raise ValueError(f"run_interactions {self.run_interactions} exceeds interactions "
                             f"{self.interactions}: the spread over runs uses run 0's first ones")
        if any(steps < 1 for steps in self.curve_steps):
            raise ValueError(f"curve_steps {self.curve_steps}: budgets are at least 1 step")


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
class EvaluationSet:
    """A dataset of `sbi dataset make`: scenes of a layout, objects and table textures of
    the given splits."""
    layout: str
    objects: str = "test"
    tables: str = "test"

    @property
    def name(self) -> str:
        return f"{self.layout}_{self.objects}_objects_{self.tables}_tables"


MIXED = EvaluationSet("mixed")            # Table 1's headline set


def condition_sets() -> list[EvaluationSet]:
    return [EvaluationSet(layout) for layout in CONDITIONS]


def generalisation_sets() -> list[EvaluationSet]:
    return [EvaluationSet("mixed", objects, tables) for objects, tables in CELLS]


def evaluation_sets() -> list[EvaluationSet]:
    """Every dataset once: the conditions, then the generalisation matrix's other cells."""
    return list(dict.fromkeys(condition_sets() + generalisation_sets()))


@dataclasses.dataclass(frozen=True)
class BenchLayout:
    """Where the stages put things: `work` (large, not committed) and `out` (results)."""
    work: pathlib.Path
    out: pathlib.Path

    def run(self, number: int) -> pathlib.Path:
        return self.work / "runs" / f"run{number}"

    def dataset(self, evaluation_set: EvaluationSet) -> pathlib.Path:
        return self.work / "datasets" / evaluation_set.name

    def model(self, name: str) -> pathlib.Path:
        return self.work / "models" / name

    def checkpoint(self, name: str) -> pathlib.Path:
        return self.model(name) / "checkpoints" / "model_v000001.pt"

    def evaluation(self, method: str, evaluation_set: EvaluationSet = MIXED) -> pathlib.Path:
        return self.out / "evaluations" / f"{method}__{evaluation_set.name}.json"

    def grid(self, method: str, evaluation_set: EvaluationSet = MIXED) -> pathlib.Path:
        """The evaluation's picture of predictions beside ground truth (kept in `work`)."""
        return self.work / "grids" / self.evaluation(method, evaluation_set).with_suffix(".png").name

    @property
    def label_quality(self) -> pathlib.Path:
        return self.out / "label_quality.json"

    @property
    def speed(self) -> pathlib.Path:
        return self.out / "speed.json"


@dataclasses.dataclass(frozen=True)
class PlannedModel:
    """One offline training run (`sbi train`): network, inputs, mask loss (DeepMask only),
    labels (the labeler's, or ground truth for the supervised bound), the recorded run and
    how many of its interactions, the step budget and the seed."""
    architecture: str
    inputs: str
    loss: str
    labels: str
    run: int
    interactions: int
    steps: int
    seed: int

    @property
    def name(self) -> str:
        kind = "truth" if self.labels == "ground_truth" else self.loss or "self"
        return (f"{self.architecture}_{self.inputs}_{kind}_r{self.run}_n{self.interactions}"
                f"_k{self.steps}_s{self.seed}")


@dataclasses.dataclass(frozen=True)
class Row:
    """A trained row of Table 1; `key` names its figures in tables.json."""
    key: str
    title: str
    architecture: str
    inputs: str
    loss: str = ""
    labels: str = "self"

    def model(self, run: int, interactions: int, steps: int, seed: int) -> PlannedModel:
        return PlannedModel(self.architecture, self.inputs, self.loss, self.labels, run,
                            interactions, steps, seed)


ROWS = (
    Row("selfsup", "self-supervised, new default (dense embeddings, ImageNet Lite0, RGB-D)",
        DEFAULT_ARCHITECTURE, "rgbd"),
    Row("rgb_only", "self-supervised, RGB only (dense embeddings, ImageNet Lite0)",
        DEFAULT_ARCHITECTURE, "rgb"),
    Row("deepmask_ce", "Pathak's setting: DeepMask, ResNet-18 from scratch, CE",
        "resnet18_deepmask", "rgb", "ce"),
    Row("deepmask_rsl", "Pathak's setting: DeepMask, ResNet-18 from scratch, RSL",
        "resnet18_deepmask", "rgb", "rsl"),
    Row("bound", "supervised bound: ground truth of every object of the same frames",
        DEFAULT_ARCHITECTURE, "rgbd", labels="ground_truth"),
)
DEFAULT_ROW = ROWS[0]


def seed_models(config: PaperBenchConfig, row: Row) -> list[PlannedModel]:
    """The row on run 0 at the full budget, one model per training seed."""
    return [row.model(0, config.interactions, config.steps, seed) for seed in config.seeds]


def run_models(config: PaperBenchConfig, row: Row) -> list[PlannedModel]:
    """The row on each recorded run's first `run_interactions`, seed 0: the spread over runs."""
    return [row.model(run, config.run_interactions, config.steps, config.seeds[0])
            for run in range(config.runs)]


def curve_models(config: PaperBenchConfig) -> list[PlannedModel]:
    """The default model at every step budget, the table's included, fewest steps first."""
    return [DEFAULT_ROW.model(0, config.interactions, steps, config.seeds[0])
            for steps in sorted({*config.curve_steps, config.steps})]


def headline_model(config: PaperBenchConfig) -> PlannedModel:
    """The default model, seed 0, run 0: the generalisation matrix's and the speed figures'."""
    return seed_models(config, DEFAULT_ROW)[0]


def collected_interactions(config: PaperBenchConfig, run: int) -> int:
    return config.interactions if run == 0 else config.run_interactions


def online_checkpoints(layout: BenchLayout) -> list[pathlib.Path]:
    """The checkpoints the online trainer wrote while collecting run 0."""
    return sorted((layout.run(0) / "checkpoints").glob("model_v*.pt"))


def stages(config: PaperBenchConfig, layout: BenchLayout, speed: bool = True) -> Iterator[Stage]:
    """Every stage in order; a generator, so that stages depending on what run 0 produced
    (its online checkpoints) are listed once it exists."""
    for run in range(config.runs):
        yield _collect_stage(config, layout, run)
    for number, evaluation_set in enumerate(evaluation_sets()):
        yield _dataset_stage(config, layout, evaluation_set, config.test_seed + number * config.test_scenes)
    for model in all_models(config):
        yield _train_stage(layout, model)
    for method in BASELINES:
        for evaluation_set in evaluation_sets():
            yield _evaluate_stage(layout, method, evaluation_set)
    for model, evaluation_set in model_evaluations(config):
        yield _evaluate_stage(layout, model.name, evaluation_set, layout.checkpoint(model.name))
    for path in online_checkpoints(layout):
        yield _evaluate_stage(layout, f"online_{path.stem}", MIXED, path)
    records = layout.run(0) / "records"
    yield Stage("label quality", ("report", "--run", str(layout.run(0)), "--json", str(layout.label_quality)),
                up_to_date(layout.label_quality, records))
    if speed:
        model = layout.checkpoint(headline_model(config).name)
        yield Stage("speed", ("bench", "--checkpoint", str(model), "--run", str(layout.run(0)),
                              "--threads", str(TORCH_THREADS), "--json", str(layout.speed)),
                    up_to_date(layout.speed, model, records))


def all_models(config: PaperBenchConfig) -> list[PlannedModel]:
    """Every model trained, once each, in the order they are trained."""
    models = [model for row in ROWS for model in seed_models(config, row) + run_models(config, row)]
    return list(dict.fromkeys(models + curve_models(config)))


def model_evaluations(config: PaperBenchConfig) -> list[tuple[PlannedModel, EvaluationSet]]:
    """Table 1's models over seeds on every condition, over runs on the mixed split, the
    curve's on the mixed split, the headline model on the generalisation matrix; each
    pair once."""
    pairs = [(model, evaluation_set) for row in ROWS for model in seed_models(config, row)
             for evaluation_set in condition_sets()]
    pairs += [(model, MIXED) for row in ROWS for model in run_models(config, row)]
    pairs += [(model, MIXED) for model in curve_models(config)]
    pairs += [(headline_model(config), evaluation_set) for evaluation_set in generalisation_sets()]
    return list(dict.fromkeys(pairs))


def _collect_stage(config: PaperBenchConfig, layout: BenchLayout, run: int) -> Stage:
    interactions = collected_interactions(config, run)
    overrides = [arg for parameter in config.collect_parameters for arg in ("-p", parameter)]
    return Stage(f"collect run {run}: {interactions} interactions",
                 ("collect", "--robot", config.robot, "--interactions", str(interactions),
                  "--out", str(layout.run(run)), "--seed", str(config.collect_seed + run), *overrides),
                 lambda: _interactions(layout.run(run)) >= interactions, batch="collect")


def _interactions(run: pathlib.Path) -> int:
    return RunStore(run).count_interactions() if (run / "records").is_dir() else 0


def _dataset_stage(config: PaperBenchConfig, layout: BenchLayout, evaluation_set: EvaluationSet,
                   seed: int) -> Stage:
    folder = layout.dataset(evaluation_set)
    return Stage(f"dataset {evaluation_set.name}",
                 ("dataset", "make", "--robot", config.robot, "--layout", evaluation_set.layout,
                  "--split", evaluation_set.objects, "--texture-split", evaluation_set.tables,
                  "--scenes", str(config.test_scenes), "--seed", str(seed), "--out", str(folder)),
                 (folder / "annotations.json").is_file, batch="datasets")


def _train_stage(layout: BenchLayout, model: PlannedModel) -> Stage:
    loss = ("--loss", model.loss) if model.loss else ()
    return Stage(f"train {model.name}",
                 ("train", "--from", str(layout.run(model.run)), "--architecture", model.architecture,
                  "--inputs", model.inputs, *loss, "--labels", model.labels,
                  "--seed", str(model.seed), "--steps", str(model.steps),
                  "--interactions", str(model.interactions), "--threads", str(TORCH_THREADS),
                  "--out", str(layout.model(model.name))),
                 up_to_date(layout.checkpoint(model.name), layout.run(model.run) / "records"),
                 batch="train")


def _evaluate_stage(layout: BenchLayout, method: str, evaluation_set: EvaluationSet,
                    checkpoint: pathlib.Path | None = None) -> Stage:
    """A baseline `method`, or the model of `checkpoint` named `method` in the results."""
    json_path = layout.evaluation(method, evaluation_set)
    dataset = layout.dataset(evaluation_set)
    source = ("--checkpoint", str(checkpoint)) if checkpoint else ("--method", method)
    inputs = (dataset / "annotations.json", *([checkpoint] if checkpoint else []))
    return Stage(f"evaluate {method} on {evaluation_set.name}",
                 ("evaluate", *source, "--dataset", str(dataset), "--json", str(json_path),
                  "--grid", str(layout.grid(method, evaluation_set)), "--threads", str(TORCH_THREADS)),
                 up_to_date(json_path, *inputs), batch="evaluate")
