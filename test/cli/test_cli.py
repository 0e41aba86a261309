"""The installed `sbi` command."""
import json
import pathlib
import subprocess
import sys

SBI = str(pathlib.Path(sys.executable).parent / "sbi")


def sbi(*args):
    return subprocess.run([SBI, *args], capture_output=True, text=True, timeout=60)


def test_help_lists_the_subcommands():
    result = sbi("--help")
    assert result.returncode == 0
    for command in ("run", "config", "check", "sim", "dataset", "evaluate", "rearrange", "bench"):
        assert any(line.split()[:1] == [command] for line in result.stdout.splitlines())


def test_config_check_reports_each_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("camera_node:\n  ros__parameters:\n    device: 99\n")
    shipped = pathlib.Path(__file__).parents[2] / "config" / "sawyer.yaml"
    result = sbi("config", "check", str(shipped), str(bad))
    assert result.returncode == 1
    assert "ok    " in result.stdout and "robot config 'sawyer'" in result.stdout
    assert "camera_node.device: 99 is above the maximum 63" in result.stderr


def test_run_rejects_unknown_nodes():
    result = sbi("run", "no_such_node")
    assert result.returncode != 0 and "unknown node 'no_such_node'" in result.stderr


def test_sim_snapshot_writes_a_picture(tmp_path):
    out = tmp_path / "snap.png"
    result = sbi("sim", "snapshot", "--robot", "sawyer", "--seed", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    import cv2
    picture = cv2.imread(str(out))
    assert picture.shape[0] == 240 + 22 and picture.shape[1] > 3 * 320


def test_dataset_make_writes_coco_that_pycocotools_reads(tmp_path):
    from pycocotools.coco import COCO
    out = tmp_path / "data"
    result = sbi("dataset", "make", "--robot", "pr2", "--split", "val", "--scenes", "2",
                 "--seed", "5", "--width", "160", "--height", "120", "--out", str(out))
    assert result.returncode == 0, result.stderr
    coco = COCO(str(out / "annotations.json"))
    assert len(coco.getImgIds()) == 2 and len(coco.getAnnIds()) >= 8
    image = coco.loadImgs([1])[0]
    assert (image["width"], image["height"]) == (160, 120) and image["scene_id"] == "val-5"
    assert image["layout"] == "separated"
    assert (out / image["depth_file"]).is_file() and (out / "camera_info.yaml").is_file()


def test_evaluate_writes_figures_named_for_what_they_are_and_a_picture(tmp_path):
    data = tmp_path / "data"
    assert sbi("dataset", "make", "--robot", "sawyer", "--split", "val", "--scenes", "3",
               "--out", str(data)).returncode == 0
    result = sbi("evaluate", "--method", "depth_clusters", "--dataset", str(data),
                 "--json", str(tmp_path / "eval.json"))
    assert result.returncode == 0, result.stderr
    figures = json.loads((tmp_path / "eval.json").read_text())
    assert {"ap", "ap50", "ap75", "ap30"} <= set(figures) and figures["images"] == 3
    assert 0.5 < figures["ap50"] <= figures["ap30"] <= 1.0
    assert (tmp_path / "eval.png").is_file()
    assert "AP@0.3" in result.stdout


def test_evaluate_reports_the_layout_of_a_dataset_made_for_it(tmp_path):
    data = tmp_path / "data"
    assert sbi("dataset", "make", "--split", "test", "--layout", "stacked", "--scenes", "2",
               "--width", "160", "--height", "120", "--out", str(data)).returncode == 0
    result = sbi("evaluate", "--method", "depth_clusters", "--dataset", str(data),
                 "--json", str(tmp_path / "eval.json"))
    assert result.returncode == 0, result.stderr
    figures = json.loads((tmp_path / "eval.json").read_text())
    assert list(figures["layouts"]) == ["stacked"] and figures["layouts"]["stacked"]["images"] == 2
    assert "  stacked" in result.stdout


def test_evaluate_places_deepmask_windows_at_the_stride_asked_for(tmp_path):
    data, model = tmp_path / "data", tmp_path / "model"
    assert sbi("dataset", "make", "--split", "val", "--scenes", "1", "--width", "160",
               "--height", "120", "--out", str(data)).returncode == 0
    assert sbi("train", "--dataset", str(data), "--steps", "1", "--architecture",
               "resnet18_deepmask", "--from-scratch", "--set", "min_positives=1",
               "--out", str(model)).returncode == 0
    result = sbi("evaluate", "--checkpoint", str(model / "checkpoints" / "model_v000001.pt"),
                 "--single-scale", "--window-stride", "8", "--dataset", str(data),
                 "--json", str(tmp_path / "eval.json"))
    assert result.returncode == 0, result.stderr
    figures = json.loads((tmp_path / "eval.json").read_text())
    assert figures["window_stride_px"] == 8 and figures["images"] == 1


def test_evaluate_lets_the_network_alone_decide_what_is_table(tmp_path):
    data, model = tmp_path / "data", tmp_path / "model"
    assert sbi("dataset", "make", "--split", "val", "--scenes", "1", "--width", "160",
               "--height", "120", "--out", str(data)).returncode == 0
    assert sbi("train", "--dataset", str(data), "--steps", "1", "--set", "min_positives=1",
               "--out", str(model)).returncode == 0
    checkpoint = str(model / "checkpoints" / "model_v000001.pt")
    for min_height in (None, 0.0):
        more = () if min_height is None else ("--min-height", str(min_height))
        result = sbi("evaluate", "--checkpoint", checkpoint, "--dataset", str(data),
                     "--json", str(tmp_path / "eval.json"), *more)
        assert result.returncode == 0, result.stderr
        figures = json.loads((tmp_path / "eval.json").read_text())
        assert figures["min_height_m"] == (0.003 if min_height is None else 0.0)


def test_evaluate_names_the_methods_it_knows():
    result = sbi("evaluate", "--method", "gop", "--dataset", ".")
    assert result.returncode != 0 and "unknown method 'gop'; available: ['bottom_up', 'depth_clusters']" in result.stderr


def test_the_demo_runs_its_steps_as_parsed_commands_with_every_default(tmp_path):
    from seg_by_interaction.cli.demo_cmd import _run_command

    assert _run_command("dataset", "make", "--split", "test", "--scenes", 1, "--out", tmp_path / "set") == 0
    assert (tmp_path / "set" / "annotations.json").is_file()


def test_collect_stops_with_an_error_while_the_run_directory_cannot_take_records(tmp_path, ros_env):
    run = tmp_path / "run"
    low_disk = subprocess.run([SBI, "collect", "--interactions", "3", "--out", str(run),
                               "-p", "interaction_executor:min_free_mb:=1e12"],
                              capture_output=True, text=True, timeout=120, env=ros_env)
    assert low_disk.returncode == 1, low_disk.stderr[-2000:]
    assert "error: collection stopped: the executor refused" in low_disk.stdout
    assert "MB free on the file system mounted at" in low_disk.stderr
    assert not list((run / "records").iterdir())
    (tmp_path / "file").write_text("")
    unwritable = sbi("collect", "--interactions", "3", "--out", str(tmp_path / "file" / "run"))
    assert unwritable.returncode == 2 and "error: [Errno 20] Not a directory" in unwritable.stdout
    assert "Traceback" not in unwritable.stderr


def test_the_rearrangement_benchmark_needs_a_checkpoint_for_the_model(tmp_path):
    result = sbi("bench", "rearrange", "--segmenters", "model,depth_clusters", "--work", str(tmp_path))
    assert result.returncode != 0 and "the model segmenter needs --checkpoint" in result.stderr


def test_the_rearrangement_benchmark_summarises_kept_episodes_without_running_more(tmp_path):
    episodes = tmp_path / "work" / "episodes"
    episodes.mkdir(parents=True)
    kept = {"success": True, "interactions": 2, "wall_s": 30.0, "objects": [
        {"instance": 1, "displaced": True, "initial_error_px": 60.0, "final_error_px": 3.0,
         "final_error_m": 0.01, "in_place": True, "cause": None}]}
    (episodes / "depth_clusters_000.json").write_text(json.dumps(kept))
    out, readme = tmp_path / "rearrange.json", tmp_path / "README.md"
    readme.write_text("# Figures\n<!-- bench:rearrange -->\nold\n<!-- /bench:rearrange -->\n")
    result = sbi("bench", "rearrange", "--episodes", "3", "--segmenters", "depth_clusters",
                 "--work", str(tmp_path / "work"), "--kept-only", "--json", str(out),
                 "--readme", str(readme))
    assert result.returncode == 0, result.stderr
    row = "| depth_clusters | 1 | 100 % | 100 % | 3.0 / 1.0 | 2.0 |"
    assert row in result.stdout
    assert row in readme.read_text() and "old" not in readme.read_text()
    figures = json.loads(out.read_text())
    assert figures["depth_clusters"]["success_rate"] == 1.0 and figures["torch_threads"] == 1
    assert "bench rearrange" in figures["command"]


def test_make_bench_keeps_the_stage_minutes_of_its_plan_only(tmp_path):
    from seg_by_interaction.cli.bench_papers import _stage_minutes

    path = tmp_path / "stage_minutes.json"
    path.write_text(json.dumps({"train an_earlier_plans_model": 4.0, "speed": 5.0, "collect run 0": 90.0}))
    timings = [{"stage": "collect run 0", "seconds": 120.0, "state": "ran"},
               {"stage": "speed", "seconds": 0.0, "state": "cached"}]
    minutes = _stage_minutes(path, timings, ["collect run 0", "speed"])
    assert minutes == {"collect run 0": 2.0, "speed": 5.0}
    assert json.loads(path.read_text()) == minutes


def test_train_takes_a_method_for_noisy_labels_its_parameters_and_label_noise(tmp_path):
    data, out = tmp_path / "data", tmp_path / "model"
    assert sbi("dataset", "make", "--split", "val", "--scenes", "2", "--seed", "5", "--width",
               "160", "--height", "120", "--out", str(data)).returncode == 0
    result = sbi("train", "--dataset", str(data), "--steps", "2", "--loss", "co_teaching",
                 "--set", "co_teaching.forget_rate=0.5", "--set", "co_teaching.ramp_steps=0",
                 "--set", "min_positives=1",
                 "--label-noise", "0.5", "--label-noise-kinds", "dilate,merge", "--out", str(out))
    assert result.returncode == 0, result.stderr
    logged = [json.loads(line) for line in (out / "trainer_log.jsonl").read_text().splitlines()]
    assert [entry["kept_share"] for entry in logged] == [0.5, 0.5]
    from seg_by_interaction.core.model.checkpoint import load_checkpoint
    training = load_checkpoint(out / "checkpoints" / "model_v000001.pt")[1].provenance["training"]
    assert training["label_noise"]["kinds"] == ["dilate", "merge"]
    assert training["co_teaching"]["forget_rate"] == 0.5 and training["mask_loss"] == "co_teaching"


def test_train_refuses_unknown_label_noise_and_malformed_parameters(tmp_path):
    common = ("train", "--dataset", str(tmp_path), "--steps", "1", "--out", str(tmp_path / "m"))
    result = sbi(*common, "--label-noise", "0.2", "--label-noise-kinds", "blur")
    assert result.returncode != 0 and "kinds must be some of" in result.stderr
    result = sbi(*common, "--loss", "small_loss", "--set", "small_loss.forget_rate")
    assert result.returncode != 0 and "expected KEY=VALUE" in result.stderr


def test_collect_as_separate_processes_reports_why_the_collector_stopped(tmp_path, ros_env):
    run = tmp_path / "run"
    low_disk = subprocess.run([SBI, "collect", "--interactions", "3", "--out", str(run),
                               "--processes", "-p", "interaction_executor:min_free_mb:=1e12"],
                              capture_output=True, text=True, timeout=180, env=ros_env)
    assert low_disk.returncode == 1, low_disk.stderr[-2000:]
    assert "error: collection stopped: the executor refused" in low_disk.stdout
    assert "MB free on the file system" in (run / "logs" / "interaction_executor.log").read_text()
    assert not list((run / "records").iterdir())


def test_collect_as_separate_processes_records_labels_and_stops_every_node(tmp_path, ros_env):
    run = tmp_path / "run"
    result = subprocess.run([SBI, "collect", "--interactions", "2", "--out", str(run), "--processes"],
                            capture_output=True, text=True, timeout=300, env=ros_env)
    assert result.returncode == 0, result.stdout[-2000:]
    from seg_by_interaction.core.run_store import RunStore

    store = RunStore(run)
    assert store.count_interactions() == 2 and not store.unlabelled_interactions()
    logs = {log.stem: log.read_text() for log in (run / "logs").glob("*.log")}
    assert "collection finished: 2 interactions" in logs["collector"]
    assert not [node for node, text in logs.items() if "Traceback" in text]
