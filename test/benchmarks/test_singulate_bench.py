"""`sbi bench singulate`: the world, the motion server, the hypothesis server (the depth
baseline) and the executor composed in one process, one touching scene singulated and
measured against the ground truth, kept so that a rerun resumes."""
import json
import pathlib
import subprocess
import sys

from ros_harness import isolated_environment

from seg_by_interaction.benchmarks.singulate_bench import (SingulateBenchOptions, kept,
                                                           outcome_path)

SBI = str(pathlib.Path(sys.executable).parent / "sbi")


def test_one_scene_is_singulated_measured_and_kept(tmp_path):
    work, figures = tmp_path / "work", tmp_path / "singulate.json"
    command = [SBI, "bench", "singulate", "--scenes", "1", "--segmenters", "depth_clusters",
               "--work", str(work), "--json", str(figures)]
    env = isolated_environment(tmp_path / "ros")
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    options = SingulateBenchOptions(scenes=1, segmenters=("depth_clusters",), work=work)
    [scene] = kept(options, "depth_clusters")
    assert scene["pairs"] and len(scene["separated_after"]) == len(scene["pairs"])
    assert scene["pushes"] == len(scene["push_outcomes"]) <= 1
    assert outcome_path(options, "depth_clusters", scene["scene_seed"]).exists()
    written = json.loads(figures.read_text())
    assert written["torch_threads"] == 1 and written["command"].startswith("sbi bench singulate")
    depth = written["depth_clusters"]
    assert depth["scenes"] == 1 and depth["pairs"] == len(scene["pairs"])
    assert 0.0 <= depth["separated_before"] <= 1.0 and 0.0 <= depth["separated_after"] <= 1.0
    assert "| depth_clusters | 1 |" in result.stdout

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "world ready" not in rerun.stdout + rerun.stderr     # the kept scene: nothing started
