"""A simulated robot by robot config name, in a PyBullet client of its own."""
import pybullet
import pytest

from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.robots import load_robot


@pytest.fixture
def sim_robot():
    """sim_robot(name) -> the robot of config/<name>.yaml in a new DIRECT client with
    gravity; the robot and its client are released at teardown."""
    loaded = []

    def load(name):
        client = pybullet.connect(pybullet.DIRECT)
        pybullet.setGravity(0, 0, -9.81, physicsClientId=client)
        pybullet.setPhysicsEngineParameter(deterministicOverlappingPairs=1, physicsClientId=client)
        loaded.append(load_robot(client, load_robot_config(name)))
        return loaded[-1]

    yield load
    for robot in loaded:
        robot.close()
        pybullet.disconnect(physicsClientId=robot.client)
