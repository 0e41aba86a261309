"""`sbi bench`: the speed figures' names, how they are measured and judged against the
issue's targets, and the command line beside `sbi bench world` and `sbi bench papers`."""
import os
import time

import numpy as np
import pytest

from seg_by_interaction.benchmarks import speed_bench
from seg_by_interaction.cli import build_parser
from seg_by_interaction.cli.bench_cmd import bench_speed, bench_world
from seg_by_interaction.cli.bench_papers import papers_command
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.geometry import Pose
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.run_store import RecordMeta, RunStore


def test_latency_figures_are_named_for_figure_unit_and_setting():
    figures = speed_bench.percentiles([10.0] * 19 + [30.0], "segment_latency_ms", "_320x240_multiscale")
    assert figures == {"segment_latency_ms_p50_320x240_multiscale": 10.0,
                       "segment_latency_ms_p95_320x240_multiscale": pytest.approx(11.0)}


def test_calls_are_timed_after_a_warm_up():
    calls = []
    timings = speed_bench.time_calls(lambda: calls.append(time.sleep(0.002)), samples=3, warm_up=2)
    assert len(calls) == 5 and len(timings) == 3 and all(t >= 2.0 for t in timings)


def test_figures_are_judged_against_the_issue_targets():
    table = speed_bench.figures_table({"segment_latency_ms_p50_320x240_single_scale": 60.0,
                                       "interactions_per_min_separate_processes": 7.5, "commit": "abc"})
    assert "<= 100  met" in table and ">= 10  MISSED" in table and "commit" not in table


def test_interactions_per_minute_from_the_times_interactions_were_recorded(tmp_path):
    store = RunStore(tmp_path)
    view = RGBDView(rgb=np.zeros((8, 8, 3), np.uint8), depth=np.ones((8, 8), np.float32),
                    camera_pose=Pose(position=(0.0, 0.0, 0.0)))
    for number, (primitive, at) in enumerate([("pick_place", 100), ("reset_sweep", 110),
                                              ("pick_place", 106), ("pick_place", 112)], 1):
        meta = RecordMeta(primitive=primitive, outcome=Outcome.OK, wall_time=at)
        store.write_record(f"r{number:06d}", meta, {"before": view})
    assert speed_bench.interactions_per_min(store) == pytest.approx(60.0 * 2 / 12)


def test_a_process_is_watched_for_cpu_time_and_peak_memory():
    watch = speed_bench.ProcessWatch(os.getpid())
    sum(range(10 ** 6))
    watch.sample()
    assert watch.cpu_s > 0 and watch.peak_mb > 10
    gone = speed_bench.ProcessWatch(2 ** 22 + 1)
    gone.sample()
    assert gone.cpu_s == 0.0


def test_the_measured_loop_is_sbi_collect_with_the_bench_pacing(tmp_path):
    options = speed_bench.SpeedOptions(checkpoint=tmp_path / "model.pt", interactions=5)
    assert speed_bench.loop_overrides(options) == [
        "online_trainer:steps_per_example:=1.0", f"hypothesis_server:checkpoint:={tmp_path / 'model.pt'}"]
    wiring = speed_bench.measured_loop(options, tmp_path / "run")
    assert wiring.parameters["collector"]["interactions"] == 5
    assert wiring.parameters["online_trainer"]["steps_per_example"] == "1.0"
    env = speed_bench.private_ros_environment(tmp_path / "ros")
    assert 150 <= int(env["ROS_DOMAIN_ID"]) < 230 and env["ROS_HOME"] == str(tmp_path / "ros")


def test_bench_without_an_action_measures_speed_and_actions_still_work():
    parser = build_parser()
    assert parser.parse_args(["bench", "--json", "speed.json"]).func is bench_speed
    assert parser.parse_args(["bench", "world", "--robot", "pr2"]).func is bench_world
    assert parser.parse_args(["bench", "papers", "--no-speed"]).func is papers_command
    with pytest.raises(SystemExit, match="--skip-loop needs --run"):
        bench_speed(parser.parse_args(["bench", "--skip-loop"]))


def test_the_speed_table_shows_what_was_measured_beside_its_target():
    from seg_by_interaction.benchmarks.paper_tables import speed_markdown

    table = speed_markdown({"speed": {"interactions_per_min_separate_processes": 8.25,
                                      "labeler_latency_ms_p50": 4.0, "labeler_latency_ms_p95": 9.0,
                                      "torch_threads": 2, "cpu_count": 2, "checkpoint": "m.pt"}})
    assert "| interactions per minute, nodes as separate processes | 8.2 | >= 10 |" in table
    assert "| labeler p50 / p95 ms | 4.0 / 9.0 | <= 50 |" in table
    assert "composed" not in table.split("Torch")[0] and "Torch threads 2" in table
