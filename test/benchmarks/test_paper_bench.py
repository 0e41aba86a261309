"""`make bench` (`sbi bench papers`): the supervised bound labels the recorded frames
from ground truth, the plan lists every stage with the command that makes it (recorded
runs on the mixed layout, datasets per condition, Table 1's models over seeds and runs,
the curve over steps), cached stages are skipped, and the tables, the figures named for
the issue's targets, the plots and README sections come from the results."""
import dataclasses
import json
import os

import numpy as np
import PIL.Image
import pytest

from seg_by_interaction.benchmarks import paper_tables
from seg_by_interaction.benchmarks.paper_plan import (CONDITIONS, ROWS, BenchLayout, EvaluationSet,
                                                      PaperBenchConfig, condition_sets,
                                                      curve_models, evaluation_sets,
                                                      generalisation_sets, load_bench_config, run_models, seed_models,
                                                      stages)
from seg_by_interaction.benchmarks.stages import Stage, StageFailed, run_stages
from seg_by_interaction.benchmarks.supervised_bound import ground_truth_examples
from seg_by_interaction.cli.config_files import check_config_file
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.evaluation.oracle import GroundTruthOracle
from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.robot_config import config_dir
from seg_by_interaction.core.run_store import RecordMeta, RunStore
from seg_by_interaction.core.validated import ConfigError

SMALL = PaperBenchConfig(interactions=20, runs=2, run_interactions=10, seeds=[0, 1], steps=3,
                         curve_steps=[1, 6], test_scenes=2)
DEFAULT = "efficientnet_lite0_embedding"


def instances(*boxes):
    image = np.zeros((48, 64), np.uint16)
    for instance, (top, left) in enumerate(boxes, 1):
        image[top:top + 10, left:left + 10] = instance
    return image


def view(truth):
    return RGBDView(rgb=np.full((48, 64, 3), 128, np.uint8), depth=np.ones((48, 64), np.float32),
                    camera_pose=Pose(position=(0.0, 0.0, 0.0)), ground_truth=truth)


def label(action_px, mask):
    return {"frame_pair": "before_mid", "labelled_frame": "before", "positive": True, "confidence": 0.6,
            "action_px": list(action_px), "reason": "", "quality": {}, "mask": mask}


def test_the_oracle_labels_a_frame_pair_from_its_instance_masks():
    oracle = GroundTruthOracle(allow_ground_truth=True)
    before, after = instances((5, 5), (20, 30)), instances((5, 5), (30, 45))
    mask, positive = oracle.label_frames((35, 25), before, after)
    assert positive and np.array_equal(mask, before == 2)
    mask, positive = oracle.label_frames((9, 9), before, after)        # object 1 stayed
    assert not positive and not mask.any()


def test_the_supervised_bound_labels_every_object_of_the_same_frames(tmp_path):
    store = RunStore(tmp_path / "run")
    before, mid = instances((5, 5), (20, 30)), instances((5, 5))
    sloppy = np.zeros((48, 64), bool)
    sloppy[18:34, 28:44] = True
    tried = np.zeros((48, 64), bool)
    tried[5:15, 5:15] = True
    for record_id, action, mask in (("r000001", (35, 25), sloppy), ("r000002", (9, 9), tried)):
        store.write_record(record_id, RecordMeta(primitive="pick_place", outcome=Outcome.OK),
                           {"before": view(before), "mid": view(mid)})
        decision = label(action, mask)
        store.write_labels(record_id, [{k: v for k, v in decision.items() if k != "mask"}],
                           {"before_mid": mask})
    examples = {e.example_id: e for e in ground_truth_examples(store)}
    assert sorted(examples) == ["r000001_before_object1", "r000001_before_object2",
                                "r000002_before_mid", "r000002_before_object1",
                                "r000002_before_object2"]
    for record_id in ("r000001", "r000002"):      # every object of the labelled frame
        for instance in (1, 2):
            example = examples[f"{record_id}_before_object{instance}"]
            assert example.positive and example.confidence == 1.0
            assert np.array_equal(example.mask, before == instance)
            assert example.frame_key == f"{record_id}/before"
    stayed = examples["r000002_before_mid"]                   # the oracle's negative
    assert not stayed.positive and np.array_equal(stayed.mask, tried)     # sizes the failed window
    assert {e.record_id for e in ground_truth_examples(store, max_interactions=1)} == {"r000001"}


def test_the_supervised_bound_needs_ground_truth(tmp_path):
    store = RunStore(tmp_path / "run")
    store.write_record("r000001", RecordMeta(primitive="pick_place", outcome=Outcome.OK),
                       {"before": view(None), "mid": view(None)})
    mask = np.ones((48, 64), bool)
    store.write_labels("r000001", [{k: v for k, v in label((9, 9), mask).items() if k != "mask"}],
                       {"before_mid": mask})
    with pytest.raises(ValueError, match="no ground-truth masks.*simulated run"):
        list(ground_truth_examples(store))


def test_the_shipped_plan_validates_and_bad_keys_are_named(tmp_path):
    config = load_bench_config(config_dir() / "bench.yaml")
    assert (config.interactions, config.runs, config.run_interactions) == (500, 3, 300)
    assert config.seeds == [0, 1, 2]
    assert {"world_node:arena.layout:=mixed",
            "interaction_executor:record_ground_truth:=true"} <= set(config.collect_parameters)
    assert check_config_file(config_dir() / "bench.yaml") == "benchmark plan on 'sawyer'"
    rehearsal = load_bench_config(config_dir() / "bench_smoke.yaml")
    assert (rehearsal.runs, rehearsal.seeds, rehearsal.steps) == (1, [0], 3)
    bad = tmp_path / "bench.yaml"
    bad.write_text("bench:\n  step: 10\n")
    with pytest.raises(ConfigError, match="unknown key.*'step'.*did you mean 'steps'"):
        load_bench_config(bad)
    bad.write_text("bench:\n  interactions: 100\n  run_interactions: 500\n")
    with pytest.raises(ConfigError, match="run_interactions 500 exceeds interactions 100"):
        load_bench_config(bad)


def plan_commands(config, layout, **options):
    plan = list(stages(config, layout, **options))
    assert len({stage.name for stage in plan}) == len(plan), "a stage is listed twice"
    return plan, {stage.name: stage.command for stage in plan}


def option(command, name):
    return command[command.index(name) + 1]


def test_runs_are_collected_on_the_mixed_layout_with_ground_truth_each_with_its_seed(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    _, commands = plan_commands(SMALL, layout)
    runs = {name: command for name, command in commands.items() if command[0] == "collect"}
    assert list(runs) == ["collect run 0: 20 interactions", "collect run 1: 10 interactions"]
    for number, command in enumerate(runs.values()):
        assert option(command, "--seed") == str(number) and option(command, "--out") == str(layout.run(number))
        assert "world_node:arena.layout:=mixed" in command
        assert "interaction_executor:record_ground_truth:=true" in command


def test_datasets_cover_every_condition_and_the_generalisation_matrix_on_mixed_scenes(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    _, commands = plan_commands(SMALL, layout)
    datasets = {name[len("dataset "):]: command for name, command in commands.items()
                if command[0] == "dataset"}
    assert list(datasets) == ["mixed_test_objects_test_tables", "touching_test_objects_test_tables",
                              "stacked_test_objects_test_tables", "separated_test_objects_test_tables",
                              "mixed_train_objects_train_tables", "mixed_train_objects_test_tables",
                              "mixed_test_objects_train_tables"]
    command = datasets["mixed_train_objects_test_tables"]
    assert (option(command, "--layout"), option(command, "--split"), option(command, "--texture-split"),
            option(command, "--scenes")) == ("mixed", "train", "test", "2")
    assert [option(c, "--seed") for c in datasets.values()] == [str(10000 + 2 * d) for d in range(7)]


def test_table_models_are_named_for_their_fields_and_trained_as_planned(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    _, commands = plan_commands(SMALL, layout)
    trained = [name[len("train "):] for name, command in commands.items() if command[0] == "train"]
    default_rgbd = [f"{DEFAULT}_rgbd_self_r0_n20_k3_s0", f"{DEFAULT}_rgbd_self_r0_n20_k3_s1",
                    f"{DEFAULT}_rgbd_self_r0_n10_k3_s0", f"{DEFAULT}_rgbd_self_r1_n10_k3_s0"]
    assert trained[:4] == default_rgbd                  # seeds on run 0, then the runs
    assert trained[-2:] == [f"{DEFAULT}_rgbd_self_r0_n20_k1_s0", f"{DEFAULT}_rgbd_self_r0_n20_k6_s0"]
    assert len(trained) == 5 * 4 + 2
    assert {f"{DEFAULT}_rgb_self_r1_n10_k3_s0", "resnet18_deepmask_rgb_ce_r0_n20_k3_s1",
            "resnet18_deepmask_rgb_rsl_r1_n10_k3_s0", f"{DEFAULT}_rgbd_truth_r0_n20_k3_s1"} <= set(trained)

    deepmask = commands["train resnet18_deepmask_rgb_rsl_r1_n10_k3_s0"]
    assert (option(deepmask, "--from"), option(deepmask, "--architecture"), option(deepmask, "--inputs"),
            option(deepmask, "--loss"), option(deepmask, "--labels"), option(deepmask, "--interactions"),
            option(deepmask, "--threads")) == (str(layout.run(1)), "resnet18_deepmask", "rgb", "rsl",
                                                "self", "10", "1")
    bound = commands[f"train {DEFAULT}_rgbd_truth_r0_n20_k3_s1"]
    assert option(bound, "--labels") == "ground_truth" and "--loss" not in bound     # dense: no mask loss
    assert option(bound, "--seed") == "1" and option(bound, "--steps") == "3"


def test_every_model_is_evaluated_where_its_table_needs_it(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    plan, commands = plan_commands(SMALL, layout)
    evaluated = {}
    for name, command in commands.items():
        if command[0] == "evaluate":
            method, dataset = name[len("evaluate "):].split(" on ")
            evaluated.setdefault(method, []).append(dataset)
            assert option(command, "--threads") == "1"
    conditions = [s.name for s in condition_sets()]
    assert evaluated["depth_clusters"] == evaluated["bottom_up"] == [s.name for s in evaluation_sets()]
    assert evaluated["resnet18_deepmask_rgb_ce_r0_n20_k3_s1"] == conditions
    assert evaluated["resnet18_deepmask_rgb_ce_r1_n10_k3_s0"] == ["mixed_test_objects_test_tables"]
    assert evaluated[f"{DEFAULT}_rgbd_self_r0_n20_k6_s0"] == ["mixed_test_objects_test_tables"]
    assert evaluated[f"{DEFAULT}_rgbd_self_r0_n20_k3_s0"] == \
        conditions + ["mixed_train_objects_train_tables", "mixed_train_objects_test_tables",
                      "mixed_test_objects_train_tables"]
    assert len(evaluated) == 2 + 5 * 4 + 2
    evaluation = commands[f"evaluate {DEFAULT}_rgb_self_r0_n20_k3_s1 on stacked_test_objects_test_tables"]
    assert option(evaluation, "--checkpoint") == str(layout.checkpoint(f"{DEFAULT}_rgb_self_r0_n20_k3_s1"))
    assert str(tmp_path / "work" / "grids") in option(evaluation, "--grid")
    speed = plan[-1].command
    assert speed[0] == "bench" and option(speed, "--threads") == "1" and option(speed, "--json") == str(layout.speed)
    assert option(speed, "--checkpoint") == str(layout.checkpoint(f"{DEFAULT}_rgbd_self_r0_n20_k3_s0"))
    assert not any(stage.done() for stage in plan)


def test_online_checkpoints_of_run_zero_are_evaluated_once_it_has_them(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    (layout.run(0) / "checkpoints").mkdir(parents=True)
    for version in (1, 2):
        (layout.run(0) / "checkpoints" / f"model_v{version:06d}.pt").write_bytes(b"")
    names = [stage.name for stage in stages(SMALL, layout, speed=False)]
    assert "evaluate online_model_v000002 on mixed_test_objects_test_tables" in names
    assert names[-1] == "label quality"


def test_stages_that_are_done_are_skipped_and_a_failure_says_how_to_resume(tmp_path):
    checks = []

    def done_once_run():
        checks.append(True)
        return len(checks) > 1

    ran = run_stages([Stage("cached", ("no-such-command",), lambda: True),
                      Stage("list robots", ("config", "list"), done_once_run)], log=lambda line: None)
    assert [(t["stage"], t["state"]) for t in ran] == [("cached", "cached"), ("list robots", "ran")]
    with pytest.raises(StageFailed, match="stage broken failed.*re-run to carry on"):
        run_stages([Stage("broken", ("no-such-command",), lambda: False)], log=lambda line: None)


def test_neighbours_of_one_batch_run_side_by_side_with_their_output_in_logs(tmp_path):
    runs = []

    def done_once_run():
        runs.append(True)
        return len(runs) > 2               # both were checked before they ran

    lines = []
    batch = [Stage(f"list robots {i}", ("config", "list"), done_once_run, batch="b") for i in (1, 2)]
    ran = run_stages(batch, log=lines.append, jobs=2, log_dir=tmp_path)
    assert [t["state"] for t in ran] == ["ran", "ran"]
    assert [line.split(":")[0] for line in lines[:2]] == ["[1] list robots 1", "[2] list robots 2"]
    assert all("done in" in line for line in lines[2:])     # both started before either ended
    assert "sawyer" in (tmp_path / "list_robots_1.log").read_text()
    runs.clear()
    broken = [Stage("broken", ("no-such-command",), lambda: False, batch="b"),
              Stage("fine", ("config", "list"), lambda: bool(runs) or runs.append(True), batch="b")]
    with pytest.raises(StageFailed, match=r"stage broken failed.*output: .*broken\.log"):
        run_stages(broken, log=lines.append, jobs=2, log_dir=tmp_path)
    assert "fine: done in" in lines[-1]        # the stage beside the failed one ended first
    alone = [Stage("alone", ("config", "list"), lambda: bool(runs) or runs.append(True), batch="c")]
    runs.clear()
    run_stages(alone, log=lines.append, jobs=2, log_dir=tmp_path)
    assert not (tmp_path / "alone.log").exists()      # in the foreground, with its progress


def test_results_are_redone_once_what_they_were_made_from_is_made_again(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    name = f"{DEFAULT}_rgbd_self_r1_n10_k3_s0"
    plan = {stage.name: stage for stage in stages(SMALL, layout, speed=False)}
    evaluate, train = plan[f"evaluate {name} on mixed_test_objects_test_tables"], plan[f"train {name}"]
    records, checkpoint = layout.run(1) / "records", layout.checkpoint(name)
    result = layout.evaluation(name, EvaluationSet("mixed"))
    for path in (checkpoint, result):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    records.mkdir(parents=True)
    for path, made in ((records, 1000), (checkpoint, 2000), (result, 3000)):
        os.utime(path, (made, made))
    assert train.done() and evaluate.done(), "each was made from what is there now"
    os.utime(checkpoint, (4000, 4000))
    assert not evaluate.done(), "the model was trained again after the result"
    os.utime(records, (5000, 5000))
    assert not train.done(), "run 1 was collected again after the model"


# --- the tables, from synthetic evaluation results ---------------------------------------------

# AP50 of each method on each condition; trained rows add 0.01 per seed and 0.02 per run
BASELINE_AP50 = {"depth_clusters": {"mixed": 0.7, "touching": 0.6, "stacked": 0.5, "separated": 0.95},
                 "bottom_up": {"mixed": 0.1, "touching": 0.1, "stacked": 0.1, "separated": 0.2}}
ROW_AP50 = {"selfsup": 0.8, "rgb_only": 0.3, "deepmask_ce": 0.2, "deepmask_rsl": 0.15, "bound": 0.85}
CONDITION_OFFSET = {"mixed": 0.0, "touching": 0.0, "stacked": -0.1, "separated": 0.1}


def write_evaluation(layout, method, evaluation_set, ap50, **extra):
    path = layout.evaluation(method, evaluation_set)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ap": ap50 / 2, "ap50": ap50, "ap75": ap50 / 4, "ap30": ap50, "recall30_top10": 0.5,
                                "recall50_top10": 0.4, "recall50_top50": 0.6, "command": "sbi evaluate", **extra}))


def write_results(layout: BenchLayout, config: PaperBenchConfig):
    for method, ap50 in BASELINE_AP50.items():
        for evaluation_set in evaluation_sets():
            write_evaluation(layout, method, evaluation_set, ap50.get(evaluation_set.layout, 0.0))
    for row in ROWS:
        for model in seed_models(config, row):
            for evaluation_set in condition_sets():
                write_evaluation(layout, model.name, evaluation_set,
                                 ROW_AP50[row.key] + 0.01 * model.seed + CONDITION_OFFSET[evaluation_set.layout])
        for model in run_models(config, row):
            write_evaluation(layout, model.name, EvaluationSet("mixed"), ROW_AP50[row.key] + 0.02 * model.run)
    for model in curve_models(config):
        write_evaluation(layout, model.name, EvaluationSet("mixed"), 0.8 * min(model.steps, 3) / 3)
    for number, evaluation_set in enumerate(generalisation_sets()[1:]):
        write_evaluation(layout, seed_models(config, ROWS[0])[0].name, evaluation_set, 0.5 + 0.1 * number)
    write_evaluation(layout, "online_model_v000001", EvaluationSet("mixed"), 0.4,
                     checkpoint={"interactions_seen": 7, "step": 9})
    layout.label_quality.write_text(json.dumps({
        "command": "sbi report", "interactions": 20, "outcomes": {"pick_place:OK": 20},
        "label_quality": {"labels": 40, "positives_good_share": 0.95, "positives_mean_iou": 0.9,
                          "moving_labelled_positive_share": 0.8}}))
    layout.speed.write_text(json.dumps({"command": "sbi bench", "torch_threads": 1, "cpu_count": 2,
                                        "segment_latency_ms_p50_320x240_multiscale": 80.0,
                                        "segment_latency_ms_p50_320x240_single_scale": 30.0}))


@pytest.fixture
def tables(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    (layout.run(0) / "checkpoints").mkdir(parents=True)
    (layout.run(0) / "checkpoints" / "model_v000001.pt").write_bytes(b"")
    write_results(layout, SMALL)
    return paper_tables.build_tables(SMALL, layout)


def test_the_figures_named_for_the_targets_come_from_the_evaluations(tables):
    assert tables["ap50_selfsup_mixed"] == pytest.approx(0.805)             # seeds 0 and 1 on run 0
    assert tables["ap50_depth_clusters_mixed"] == pytest.approx(0.7)
    assert tables["ap50_selfsup_touching"] == pytest.approx(0.805)
    assert tables["ap50_depth_clusters_touching"] == pytest.approx(0.6)
    assert tables["ap50_selfsup_stacked"] == pytest.approx(0.705)
    assert tables["ap50_depth_clusters_separated"] == pytest.approx(0.95)
    assert tables["ap50_rgb_only_mixed"] == pytest.approx(0.305)
    assert tables["ap50_bottom_up_mixed"] == pytest.approx(0.1)
    assert tables["ap50_deepmask_ce_separated"] == pytest.approx(0.305)
    assert tables["ap50_deepmask_rsl_mixed"] == pytest.approx(0.155)
    assert tables["ap50_share_of_bound"] == pytest.approx(0.805 / 0.855)
    assert tables["ap50_std_over_seeds"] == pytest.approx(0.005)
    assert tables["ap50_std_over_runs"] == pytest.approx(0.01)               # runs 0 and 1, seed 0
    assert tables["ap50_selfsup_lead_over_depth_clusters_touching"] == pytest.approx(0.205)
    assert tables["ap50_rgb_only_over_bottom_up_mixed"] == pytest.approx(3.05)
    assert tables["segment_latency_ms_p50_320x240"] == 80.0 and tables["torch_threads"] == 1
    met = {target["figure"]: target["met"] for target in tables["targets"]}
    assert met == {"ap50_selfsup_mixed": True, "ap50_selfsup_lead_over_depth_clusters_touching": True,
                   "ap50_selfsup_lead_over_depth_clusters_stacked": True, "ap50_share_of_bound": True,
                   "ap50_std_over_runs": True, "ap50_rgb_only_over_bottom_up_mixed": True,
                   "segment_latency_ms_p50_320x240": True}
    assert json.loads(json.dumps(tables)) == tables


def test_table_one_has_every_row_per_condition_over_seeds_and_runs(tables):
    rows = {row["key"]: row for row in tables["table1"]}
    assert list(rows) == ["depth_clusters", "bottom_up", "selfsup", "rgb_only", "deepmask_ce",
                          "deepmask_rsl", "bound"]
    ce = rows["deepmask_ce"]
    assert (ce["architecture"], ce["inputs"], ce["loss"], ce["labels"]) == ("resnet18_deepmask", "rgb", "ce", "self")
    assert set(ce["conditions"]) == set(CONDITIONS)
    assert ce["conditions"]["stacked"]["ap50"]["values"] == pytest.approx([0.1, 0.11])
    assert ce["over_runs"]["mixed"]["ap50"]["values"] == pytest.approx([0.2, 0.22])
    assert ce["over_runs"]["interactions"] == 10 and ce["over_runs"]["runs"] == 2
    assert rows["depth_clusters"]["conditions"]["touching"]["ap50"]["values"] == [0.6]
    assert [p["steps"] for p in tables["ap50_over_steps"]] == [1, 3, 6]
    assert [p["ap50"] for p in tables["ap50_over_steps"]] == pytest.approx([0.8 / 3, 0.8, 0.8])
    assert [(c["objects"], c["tables"]) for c in tables["generalisation"]] == \
        [("test", "test"), ("train", "train"), ("train", "test"), ("test", "train")]
    assert [c["model_ap50"] for c in tables["generalisation"]] == pytest.approx([0.8, 0.5, 0.6, 0.7])
    assert tables["generalisation"][0]["depth_clusters_ap50"] == pytest.approx(0.7)
    assert tables["ap_vs_interactions"][0]["interactions"] == 7
    assert len(tables["recall_over_time"]["online"]) == 1
    assert tables["label_quality"]["interactions"] == 20 and "command" not in tables["label_quality"]


def test_a_single_run_has_no_spread_over_runs(tmp_path):
    config = dataclasses.replace(SMALL, runs=1)
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    write_results(layout, config)
    tables = paper_tables.build_tables(config, layout)
    assert tables["ap50_std_over_runs"] is None
    assert {t["figure"]: t["met"] for t in tables["targets"]}["ap50_std_over_runs"] is None
    assert "| `ap50_std_over_runs` | – | <= 0.03 | – |" in paper_tables.targets_markdown(tables)


def test_markdown_plots_and_readme_sections_come_from_the_tables(tables, tmp_path):
    markdown = paper_tables.table1_markdown(tables)
    selfsup = next(row for row in tables["table1"] if row["key"] == "selfsup")
    assert (f"| {selfsup['row']} | 0.805 ± 0.005 | 0.805 ± 0.005 | 0.705 ± 0.005 | 0.905 ± 0.005 | "
            f"0.403 ± 0.002 | 0.201 ± 0.001 | 0.810 ± 0.010 |") in markdown
    assert "| depth clusters (uses depth) | 0.700 | 0.600 | 0.500 | 0.950 | 0.350 | 0.175 |  |" in markdown
    assert "first 10 interactions of each of 2 recorded runs. Torch threads 1." in markdown
    targets = paper_tables.targets_markdown(tables)
    assert "| `ap50_share_of_bound` | 0.942 | >= 0.9 | yes |" in targets
    assert "over training steps: 1: 0.267, 3: 0.800, 6: 0.800" in targets
    assert "| test objects, train tables | 0.700 | 0.700 | 0.100 |" in paper_tables.generalisation_markdown(tables)
    assert "| mean IoU of positives | 0.90 | ≥ 0.7 |" in paper_tables.label_quality_markdown(tables)

    readme = "intro\n<!-- bench:table1 -->\nold\n<!-- /bench:table1 -->\nrest\n"
    assert paper_tables.replace_between_markers(readme, "bench:table1", markdown) == \
        f"intro\n<!-- bench:table1 -->\n{markdown}\n<!-- /bench:table1 -->\nrest\n"
    with pytest.raises(ValueError, match="markers"):
        paper_tables.replace_between_markers("no markers", "bench:table1", markdown)

    out = tmp_path / "plots"
    out.mkdir()
    source = {"command": "sbi bench papers", "commit": "abc1234", "date": "2026-12-06"}
    paths = paper_tables.write_plots(tables, out, source)
    assert [p.name for p in paths] == ["ap50_per_condition.png", "ap50_over_steps.png", "ap_vs_interactions.png",
                                       "recall_over_time.png", "generalisation.png"]
    for path in paths:
        assert PIL.Image.open(path).text["Source"] == "sbi bench papers at abc1234, 2026-12-06"
