"""The core imports no rclpy, no generated ROS interfaces and nothing above it (it runs in
plain Python)."""
import pathlib
import subprocess
import sys

import seg_by_interaction.core

CORE = pathlib.Path(seg_by_interaction.core.__file__).resolve().parent


def test_importing_every_core_module_loads_no_ros():
    modules = sorted("seg_by_interaction.core." + ".".join(p.relative_to(CORE).with_suffix("").parts)
                     for p in CORE.rglob("*.py") if p.stem != "__init__")
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "ros = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('rclpy', 'rcl_interfaces', 'sensor_msgs', 'std_msgs', 'geometry_msgs') "
            "or m.startswith(('seg_by_interaction.msg', 'seg_by_interaction.ros', "
            "'seg_by_interaction.nodes', 'seg_by_interaction.cli', 'seg_by_interaction.benchmarks')))\n"
            "print(ros)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
