"""Set-up: bad conditions fail with a message that says what to do; the plain-Python
package builds from setup.py."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def bootstrap_copy(tmp_path) -> pathlib.Path:
    (tmp_path / "tools").mkdir()
    for tool in ("bootstrap.sh", "fix_cmake_exports.py"):
        shutil.copy(REPO / "tools" / tool, tmp_path / "tools")
    shutil.copy(REPO / "requirements.txt", tmp_path)
    return tmp_path / "tools" / "bootstrap.sh"


def test_wrong_python_says_which_python_to_install(tmp_path):
    result = subprocess.run([bootstrap_copy(tmp_path)], capture_output=True, text=True,
                            env={**os.environ, "PYTHON": "/bin/false"}, timeout=60)
    assert result.returncode != 0
    assert "Python 3.11 is required" in result.stderr and "PYTHON=/path/to/python3.11" in result.stderr


def test_unreachable_registry_says_so(tmp_path):
    env = {**os.environ, "PYTHON": sys.executable, "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
           "PIP_EXTRA_INDEX_URL": "", "PIP_FIND_LINKS": "", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2"}
    result = subprocess.run([bootstrap_copy(tmp_path)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode != 0
    assert "cannot reach the package registry" in result.stderr


def test_plain_python_wheel_holds_the_core_and_the_sbi_command(tmp_path):
    source = tmp_path / "source"  # setuptools builds in-tree; keep the checkout clean
    shutil.copytree(REPO / "seg_by_interaction", source / "seg_by_interaction",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "setup.py", source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("seg_by_interaction-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "seg_by_interaction/core/robot_config.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "sbi = seg_by_interaction.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root to drop to an unprivileged user")
def test_missing_debian_package_prints_the_apt_command_for_non_root():
    with tempfile.TemporaryDirectory() as folder:  # pytest's tmp_path is private to root
        checkout = pathlib.Path(folder)
        script = bootstrap_copy(checkout)
        script.write_text(script.read_text().replace("DEBIAN_PACKAGES=(",
                                                     "DEBIAN_PACKAGES=(sbi-no-such-package ", 1))
        for path in (checkout, *checkout.rglob("*")):
            path.chmod(0o755)
            result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 script], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert ("apt-get update && apt-get install -y --no-install-recommends sbi-no-such-package"
            in result.stderr)
