"""The installed `sbi` command."""
import pathlib
import subprocess
import sys

SBI = str(pathlib.Path(sys.executable).parent / "sbi")


def sbi(*args):
    return subprocess.run([SBI, *args], capture_output=True, text=True, timeout=60)


def test_help_lists_the_subcommands():
    result = sbi("--help")
    assert result.returncode == 0
    for command in ("run", "config"):
        assert f"    {command} " in result.stdout


def test_config_check_reports_each_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("camera_node:\n  ros__parameters:\n    device: 99\n")
    shipped = pathlib.Path(__file__).parents[1] / "config" / "sawyer.yaml"
    result = sbi("config", "check", str(shipped), str(bad))
    assert result.returncode == 1
    assert "ok    " in result.stdout and "robot config 'sawyer'" in result.stdout
    assert "camera_node.device: 99 is above the maximum 63" in result.stderr


def test_run_rejects_unknown_nodes():
    result = sbi("run", "no_such_node")
    assert result.returncode != 0 and "unknown node 'no_such_node'" in result.stderr
