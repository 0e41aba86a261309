"""The optical-flow labeler (Eitel et al. 2019) on frames rendered by the simulated world:
an object moved as a push moves it is labelled where it was; one that turned is removed;
of two objects moved apart the one at the action pixel is labelled."""
import dataclasses

import numpy as np
import pybullet
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.labelers import LABELERS
from seg_by_interaction.core.labelers.base import Interaction
from seg_by_interaction.core.labelers.optical_flow import OpticalFlowParams
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.validated import ConfigError
from seg_by_interaction.core.world.arena import Arena


@dataclasses.dataclass(frozen=True)
class Pair:
    before: RGBDView
    after: RGBDView
    instances: np.ndarray         # the world's instance ids on the before frame


@pytest.fixture(scope="module")
def world():
    arena = Arena(load_robot_config("sawyer"), with_robot=False)
    yield arena
    arena.close()


def render_pair(arena: Arena, seed: int, moves) -> tuple[Pair, list]:
    """A separated train scene before and after `moves(objects)` -> {object: (dx, dy, yaw)}."""
    scene = arena.reset_scene("train", seed, layout="separated")
    before = arena.observe()
    for obj, (dx, dy, yaw) in moves(scene.objects).items():
        position, orientation = arena.object_pose(obj)
        _, turned = pybullet.multiplyTransforms((0, 0, 0), pybullet.getQuaternionFromEuler((0, 0, yaw)),
                                                (0, 0, 0), orientation)
        pybullet.resetBasePositionAndOrientation(obj.body, position + (dx, dy, 0.0), turned,
                                                 physicsClientId=arena.client)
    arena.settle()
    after = arena.observe()
    return Pair(RGBDView(before.rgb, before.depth), RGBDView(after.rgb, after.depth),
                before.instance_mask), list(scene.objects)


def centre_px(mask: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(mask)
    return float(np.median(cols)), float(np.median(rows))


def push(pair: Pair, action_px, **kwargs) -> Interaction:
    return Interaction("push", True, True, pair.before, None, pair.after, action_px, **kwargs)


def iou(first: np.ndarray, second: np.ndarray) -> float:
    return np.count_nonzero(first & second) / np.count_nonzero(first | second)


@pytest.fixture(scope="module")
def labeler():
    return LABELERS.make("optical_flow")


def test_a_pushed_object_is_labelled_where_it_was(world, labeler):
    pair, objects = render_pair(world, 2, lambda objects: {objects[0]: (0.06, 0.03, 0.0)})
    truth = pair.instances == objects[0].instance_id
    (label,) = labeler.label(push(pair, centre_px(truth)))
    assert label.positive and label.frame_pair == "before_after"
    assert iou(label.mask, truth) >= 0.8
    assert label.quality["table_found"] == 1.0 and label.quality["mean_flow_px"] > 10


def test_of_two_objects_moved_apart_the_one_at_the_action_pixel_is_labelled(world, labeler):
    pair, objects = render_pair(world, 3, lambda objects: {objects[0]: (0.05, 0.0, 0.0),
                                                           objects[1]: (0.0, -0.05, 0.0)})
    for pushed, other in ((objects[0], objects[1]), (objects[1], objects[0])):
        truth = pair.instances == pushed.instance_id
        (label,) = labeler.label(push(pair, centre_px(truth)))
        assert label.positive and iou(label.mask, truth) >= 0.7
        assert not (label.mask & (pair.instances == other.instance_id)).any()


def test_a_turning_object_is_removed_by_the_spread_of_its_flow(world, labeler):
    def biggest(objects):
        return max(objects, key=lambda o: np.count_nonzero(world.observe().instance_mask == o.instance_id))

    slid, _ = render_pair(world, 1, lambda objects: {biggest(objects): (0.05, 0.0, 0.0)})
    turned, objects = render_pair(world, 1, lambda objects: {biggest(objects): (0.0, 0.0, 1.2)})
    action = centre_px(turned.instances == biggest(objects).instance_id)
    (slid_label,), (turned_label,) = labeler.label(push(slid, action)), labeler.label(push(turned, action))
    slid_spread = slid_label.quality["magnitude_std_px"]
    turned_spread = turned_label.quality["magnitude_std_px"]
    assert turned_spread > slid_spread
    # the threshold is given at 640x480: twice the spread at this 320x240 camera
    between = OpticalFlowParams(max_magnitude_std_px=slid_spread + turned_spread)
    strict = LABELERS.make("optical_flow", between)
    (kept,), (removed,) = strict.label(push(slid, action)), strict.label(push(turned, action))
    assert kept.positive
    assert not removed.positive and removed.confidence == 0.0 and "rotating" in removed.reason


def test_nothing_moved_is_negative_with_the_hypothesis_tried(world, labeler):
    pair, objects = render_pair(world, 2, lambda objects: {})
    tried = pair.instances == objects[0].instance_id
    (label,) = labeler.label(push(pair, centre_px(tried), hypothesis_mask=tried))
    assert not label.positive and label.confidence == 1.0
    assert np.array_equal(label.mask, tried) and "no flow" in label.reason


def test_both_flow_methods_and_validated_parameters(world):
    pair, objects = render_pair(world, 2, lambda objects: {objects[0]: (0.06, 0.03, 0.0)})
    truth = pair.instances == objects[0].instance_id
    (label,) = LABELERS.make("optical_flow", {"method": "farneback"}).label(push(pair, centre_px(truth)))
    assert label.positive and iou(label.mask, truth) >= 0.6
    with pytest.raises(ConfigError, match="method"):
        LABELERS.make("optical_flow", {"method": "flownet2"})
    with pytest.raises(ConfigError, match="below the minimum"):
        LABELERS.make("optical_flow", {"max_magnitude_std_px": -1.0})
