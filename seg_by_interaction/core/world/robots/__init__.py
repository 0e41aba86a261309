"""The simulated robots of the embedded world: one module per model, each holding a
`SimRobot` subclass named by the robot config's `simulation.model`.

A new model is a module here and its robot config; `load_robot` finds it by that name.
`described.py` is no model: it builds a real arm's planning model from its description.
"""
from __future__ import annotations

import importlib
import pathlib
import pkgutil

from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.validated import ConfigError
from seg_by_interaction.core.world.robots.base import SimRobot
from seg_by_interaction.core.world.robots.urdf import RobotModelError


def robot_classes() -> dict[str, type[SimRobot]]:
    """Simulation model name -> the `SimRobot` subclass of that name, from every module
    of this package."""
    classes = {}
    for module_info in pkgutil.iter_modules(__path__):
        if not pathlib.Path(module_info.module_finder.path, f"{module_info.name}.py").is_file():
            continue   # a link that a symlink install keeps to a deleted module
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, SimRobot) and value.model:
                classes[value.model] = value
    return classes


def load_robot(client: int, config: RobotConfig) -> SimRobot:
    """Load the configured robot into PyBullet `client`, base frame at the origin."""
    if config.simulation is None:
        raise ConfigError(f"robot '{config.name}' has no simulation section; the embedded world "
                          f"cannot load it")
    classes = robot_classes()
    model = config.simulation.model
    if model not in classes:
        raise RobotModelError(f"unknown simulation model '{model}'; available: {sorted(classes)}")
    return classes[model](client, config)
