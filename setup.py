"""Plain-Python install of the ROS-free core and the `sbi` command.

The full package (generated interfaces, nodes, launch files) is built with colcon from
CMakeLists.txt; see README. This file serves users who want the core without ROS, e.g.
to read recorded runs or validate configs on a laptop: `pip install .`.
"""
from setuptools import find_packages, setup

setup(
    name="seg_by_interaction",
    version="0.1.0",
    description="A robot arm teaches itself instance segmentation by interacting with objects.",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["seg_by_interaction", "seg_by_interaction.*"]),
    install_requires=["numpy", "PyYAML", "opencv-contrib-python-headless"],
    entry_points={"console_scripts": ["sbi = seg_by_interaction.cli:main"]},
)
