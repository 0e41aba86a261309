"""`make bench` (`sbi bench papers`): the supervised bound labels the recorded frames
from ground truth, the plan lists every stage with the command that makes it, cached
stages are skipped, and the tables, plots and README sections come from the results."""
import json
import os

import numpy as np
import PIL.Image
import pytest

from seg_by_interaction.benchmarks import paper_tables
from seg_by_interaction.benchmarks.paper_plan import (BenchLayout, PaperBenchConfig,
                                                      load_bench_config, stages)
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

SMALL = PaperBenchConfig(interactions=20, seeds=[0, 1], curve_interactions=[5, 10], steps=3,
                         bootstrap_interactions=5, test_scenes=2, long_steps=0)


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
    assert config.interactions == 1000 and config.seeds == [0, 1, 2]
    assert check_config_file(config_dir() / "bench.yaml") == "benchmark plan on 'sawyer'"
    bad = tmp_path / "bench.yaml"
    bad.write_text("bench:\n  step: 10\n")
    with pytest.raises(ConfigError, match="unknown key.*'step'.*did you mean 'steps'"):
        load_bench_config(bad)


def test_the_plan_lists_every_stage_with_its_command(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    plan = list(stages(SMALL, layout))
    commands = {stage.name: stage.command for stage in plan}
    collect = commands["collect 20 interactions"]
    assert collect[:2] == ("collect", "--robot") and "online_trainer:steps_per_example:=1.0" in collect
    datasets = [c for name, c in commands.items() if name.startswith("dataset ")]
    assert len(datasets) == 4 and len({c[c.index("--seed") + 1] for c in datasets}) == 4
    trained = sorted(name[len("train "):] for name in commands if name.startswith("train "))
    assert trained == ["ce_n20_k3_s0", "ce_n20_k3_s1", "rsl_n10_k3_s0", "rsl_n20_k3_s0", "rsl_n20_k3_s1",
                       "rsl_n5_k3_s0", "rsl_n5_k3_s1", "truth_n20_k3_s0", "truth_n20_k3_s1"]
    bound = commands["train truth_n20_k3_s1"]
    assert bound[bound.index("--labels") + 1] == "ground_truth" and bound[bound.index("--loss") + 1] == "ce"
    evaluation = commands["evaluate ce_n20_k3_s0 on train_objects_test_tables"]
    assert str(tmp_path / "work" / "grids") in evaluation[evaluation.index("--grid") + 1]
    assert plan[-1].command[0] == "bench" and plan[-1].command[-2:] == ("--json", str(layout.speed))
    assert str(layout.checkpoint("rsl_n20_k3_s0")) in plan[-1].command      # the speed stage
    assert not any(stage.done() for stage in plan)


def test_a_longer_budget_adds_seed_zero_rows_trained_for_longer(tmp_path):
    import dataclasses

    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    commands = {s.name: s.command for s in stages(dataclasses.replace(SMALL, long_steps=7), layout)}
    assert {"train rsl_n5_k7_s0", "train ce_n20_k7_s0", "train rsl_n20_k7_s0"} <= set(commands)
    long = commands["train ce_n20_k7_s0"]
    assert long[long.index("--steps") + 1] == "7"


def test_online_checkpoints_are_evaluated_once_the_run_has_them(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    (layout.run / "checkpoints").mkdir(parents=True)
    for version in (1, 2):
        (layout.run / "checkpoints" / f"model_v{version:06d}.pt").write_bytes(b"")
    names = [stage.name for stage in stages(SMALL, layout, speed=False)]
    assert "evaluate online_model_v000002 on test_objects_test_tables" in names
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


def test_committed_results_are_redone_once_their_model_is_made_again(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    evaluate = {stage.name: stage for stage in stages(SMALL, layout, speed=False)}[
        "evaluate ce_n20_k3_s0 on test_objects_test_tables"]
    checkpoint = layout.checkpoint("ce_n20_k3_s0")
    result = layout.evaluation("ce_n20_k3_s0")
    for path in (checkpoint, result):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    os.utime(checkpoint, (1000, 1000))
    os.utime(result, (2000, 2000))
    assert evaluate.done(), "the result was made from this model"
    os.utime(checkpoint, (3000, 3000))
    assert not evaluate.done(), "the model was trained again after the result"


def write_results(layout: BenchLayout):
    def evaluation(method, objects="test", tables="test", ap=0.1, **extra):
        path = layout.evaluation(method, objects, tables)
        path.parent.mkdir(parents=True, exist_ok=True)
        figures = {"ap": ap / 3, "ap50": ap, "ap75": ap / 5, "ap30": ap * 1.5, "recall30_top10": 0.5,
                   "recall50_top10": 0.4, "recall50_top50": 0.6, "command": "sbi evaluate", **extra}
        path.write_text(json.dumps(figures))

    for number, plan_stage in enumerate(stages(SMALL, layout, speed=False)):
        if plan_stage.command[0] == "evaluate":
            method = plan_stage.name.split(" ")[1]
            cell = plan_stage.name.split(" on ")[1].split("_")
            extra = ({"checkpoint": {"interactions_seen": 7 * number, "step": number}}
                     if method.startswith("online_") else {})
            ap = 0.5 if method.startswith("truth") else 0.2 + 0.01 * number
            evaluation(method, cell[0], cell[2], ap, **extra)
    layout.label_quality.write_text(json.dumps({
        "command": "sbi report", "interactions": 20, "outcomes": {"pick_place:OK": 20},
        "label_quality": {"labels": 40, "positives_good_share": 0.95, "positives_mean_iou": 0.9,
                          "moving_labelled_positive_share": 0.8}}))


def test_tables_plots_and_readme_sections_come_from_the_results(tmp_path):
    layout = BenchLayout(tmp_path / "work", tmp_path / "out")
    (layout.run / "checkpoints").mkdir(parents=True)
    (layout.run / "checkpoints" / "model_v000001.pt").write_bytes(b"")
    write_results(layout)
    tables = paper_tables.build_tables(SMALL, layout)

    rows = {row["row"]: row for row in tables["table1"]}
    assert list(rows)[:2] == ["bottom-up (RGB, stand-in for GOP)", "depth clusters (uses depth)"]
    bound = rows["supervised bound (20 interactions, ground-truth masks)"]
    assert bound["ap50"]["mean"] == pytest.approx(0.5) and len(bound["ap50"]["seeds"]) == 2
    ce = rows["self-supervised, ce (20 interactions)"]
    assert ce["ap50"]["std"] == pytest.approx(np.std(ce["ap50"]["seeds"]))
    assert tables["ap50_share_of_bound"]["self-supervised, ce (20 interactions)"] == \
        pytest.approx(ce["ap50"]["mean"] / 0.5)
    assert [p["interactions"] for p in tables["ap_vs_interactions"]["offline"]] == [5, 10, 20]
    assert len(tables["recall_over_time"]["online"]) == 1
    assert [(c["objects"], c["tables"]) for c in tables["generalisation"]] == \
        [("test", "test"), ("train", "train"), ("train", "test"), ("test", "train")]
    assert tables["label_quality"]["interactions"] == 20 and "command" not in tables["label_quality"]
    assert "| mean IoU of positives | 0.90 | ≥ 0.7 |" in paper_tables.label_quality_markdown(tables)

    markdown = paper_tables.table1_markdown(tables)
    assert f"| self-supervised, ce (20 interactions) | {ce['ap']['mean']:.3f} ± {ce['ap']['std']:.3f} |" in markdown
    readme = "intro\n<!-- bench:table1 -->\nold\n<!-- /bench:table1 -->\nrest\n"
    assert paper_tables.replace_between_markers(readme, "bench:table1", markdown) == \
        f"intro\n<!-- bench:table1 -->\n{markdown}\n<!-- /bench:table1 -->\nrest\n"
    with pytest.raises(ValueError, match="markers"):
        paper_tables.replace_between_markers("no markers", "bench:table1", markdown)

    layout.out.mkdir(exist_ok=True)
    source = {"command": "sbi bench papers", "commit": "abc1234", "date": "2026-11-22"}
    for path in paper_tables.write_plots(tables, layout.out, source):
        assert path.read_bytes().startswith(b"\x89PNG")
        assert PIL.Image.open(path).text["Source"] == "sbi bench papers at abc1234, 2026-11-22"
