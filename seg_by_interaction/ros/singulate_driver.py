"""Singulation episodes in the simulated world, driven from outside the nodes as a user
would: a new scene, the camera's frame with ground truth, a Singulate goal, and the frame
after it (`sbi bench singulate`, the node test)."""
from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
from rclpy.action import ActionClient
from sensor_msgs.msg import RegionOfInterest

from seg_by_interaction.action import Singulate
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.ros import hypothesis_msgs
from seg_by_interaction.ros.world_driver import WorldDriver

SINGULATE_ACTION = "/interaction_executor/singulate"


@dataclasses.dataclass(frozen=True)
class SingulationEpisode:
    before: RGBDView                 # views with the world's ground truth
    after: RGBDView
    result: Singulate.Result


class SingulateDriver(WorldDriver):
    def __init__(self, robot: RobotConfig, **kwargs):
        super().__init__("singulate_driver", robot, **kwargs)
        self.singulate = ActionClient(self, Singulate, SINGULATE_ACTION, callback_group=self.group)

    def episode(self, split: str, seed: int, max_pushes: int = 1,
                region: RegionOfInterest | None = None) -> SingulationEpisode:
        """A new scene singulated (RuntimeError when the world cannot make it)."""
        self.new_scene(split, seed)
        before = self.view_now()
        result = self.run_goal(Singulate.Goal(region=region or RegionOfInterest(),
                                              max_pushes=max_pushes))
        return SingulationEpisode(before, self.view_now(), result)

    def run_goal(self, goal: Singulate.Goal, on_feedback=lambda feedback: None) -> Singulate.Result:
        return self.send_goal(self.singulate, goal, on_feedback, "singulate")


def masks_of(array, count: int | None = None) -> list[np.ndarray]:
    """The full-image masks of an ObjectHypothesisArray's hypotheses."""
    return [hypothesis_msgs.from_msg(h, array.image_height, array.image_width).mask
            for h in array.hypotheses[:count]]


@contextlib.contextmanager
def singulation_graph(run):
    """The nodes of `core.wiring.singulate_wiring(run)` and a driver composed in one
    process in a ROS domain of its own, as a context giving the driver."""
    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.core.wiring import singulate_wiring
    from seg_by_interaction.nodes import node_class
    from seg_by_interaction.ros.loop import EXECUTOR_THREADS, loop_arguments, use_private_domain
    from seg_by_interaction.ros.node_main import composed

    wiring = singulate_wiring(run)
    robot = load_robot_config(run.robot)
    use_private_domain()
    factories = [node_class(name) for name in wiring.nodes]
    factories.append(lambda: SingulateDriver(robot))
    with composed(factories, loop_arguments(wiring), EXECUTOR_THREADS) as started:
        yield started[-1]
