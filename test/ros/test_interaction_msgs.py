"""Interact goals and labelled examples checked whole on arrival: hostile ones are refused
with the reason, before any motion or training."""
import math

import numpy as np
import pytest
from geometry_msgs.msg import Point, Vector3
from std_msgs.msg import Header

from seg_by_interaction.core.hypotheses.grasp import mask_shape
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.interaction.executor import InteractionRequest
from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.msg import LabeledExample, Primitive
from seg_by_interaction.ros import images, interaction_msgs

ROBOT = load_robot_config("sawyer")
IMAGE_HW = (240, 320)
TARGET = np.array([0.65, 0.0, ROBOT.table_height + 0.03])


def hypothesis() -> Hypothesis:
    mask = np.zeros(IMAGE_HW, bool)
    mask[100:120, 150:170] = True
    return Hypothesis("h0", "bottom_up", 0.9, mask, mask_shape(mask), None)


def goal(kind: str = "push", **fields) -> Primitive:
    request = InteractionRequest(kind=kind, target=TARGET, direction=np.array([1.0, 0.0, 0.0]),
                                 **fields)
    return interaction_msgs.request_to_msg(request, ROBOT.base_frame, hypothesis(), 0, Header())


def refusal(msg: Primitive) -> MotionError:
    with pytest.raises(MotionError) as error:
        interaction_msgs.request_from_msg(msg, ROBOT, IMAGE_HW)
    return error.value


def test_a_valid_goal_becomes_its_request():
    request = interaction_msgs.request_from_msg(goal(), ROBOT, IMAGE_HW)
    assert request.kind == "push" and np.allclose(request.target, TARGET)


def with_target_z(z):
    msg = goal("poke")
    msg.target.pose.position.z = z
    return msg


def without_direction():
    msg = goal()
    msg.direction = Vector3(x=math.nan)
    return msg


def with_cropped_mask_of_another_size():
    msg = goal()
    msg.hypothesis.mask = images.to_msg(np.zeros((3, 3), np.uint8), "mono8", Header())
    return msg


def with_box_outside_the_image():
    msg = goal()
    msg.hypothesis.bbox.x_offset = 310
    return msg


def changed(field, value):
    msg = goal()
    setattr(msg, field, value)
    return msg


@pytest.mark.parametrize("msg, outcome, reason", [
    (changed("type", 99), Outcome.INVALID_REQUEST, "unknown primitive type 99"),
    (changed("poke_magnitude", 7), Outcome.INVALID_REQUEST, "unknown poke magnitude"),
    (with_target_z(5.0), Outcome.OUTSIDE_WORKSPACE, "target"),
    (with_target_z(math.nan), Outcome.INVALID_REQUEST, "non-finite"),
    (without_direction(), Outcome.INVALID_REQUEST, "direction"),
    (changed("distance", -1.0), Outcome.INVALID_REQUEST, "distance"),
    (changed("grasp_width", 3.0), Outcome.INVALID_REQUEST, "grasp_width"),
    (changed("target_px", Point(x=1e6, y=0.0)), Outcome.INVALID_REQUEST, "target pixel"),
    (with_cropped_mask_of_another_size(), Outcome.INVALID_REQUEST, "does not fill its"),
    (with_box_outside_the_image(), Outcome.INVALID_REQUEST, "outside the 320x240 image"),
])
def test_hostile_goals_are_refused_before_any_motion(msg, outcome, reason):
    error = refusal(msg)
    assert error.outcome == outcome and reason in error.reason


def example(**fields) -> LabeledExample:
    image = np.zeros((24, 32, 3), np.uint8)
    mask = np.zeros((24, 32), np.uint8)
    mask[5:10, 5:10] = 255
    msg = LabeledExample(example_id="r000001_before_after", record_id="r000001",
                         image=images.to_msg(image, "rgb8", Header()),
                         mask=images.to_msg(mask, "mono8", Header()), positive=True,
                         action_px=Point(x=7.0, y=7.0), frame_pair="before_after", confidence=0.9)
    for name, value in fields.items():
        setattr(msg, name, value)
    return msg


def test_a_labelled_example_becomes_a_memory_bank_example():
    converted = interaction_msgs.example_from_msg(example())
    assert converted.positive and converted.mask.sum() == 25 and converted.created_seq == 1
    assert converted.depth is None and converted.frame_key == "r000001/before"


def test_an_example_keeps_its_frame_s_depth_for_rgbd_models():
    depth = np.full((24, 32), 0.8, np.float32)
    depth[0, 0] = np.nan
    converted = interaction_msgs.example_from_msg(
        example(depth=images.to_msg(depth, "32FC1", Header())))
    np.testing.assert_array_equal(converted.depth, depth)


@pytest.mark.parametrize("fields, reason", [
    ({"frame_pair": "sideways"}, "unknown frame pair"),
    ({"mask": images.to_msg(np.zeros((24, 32), np.uint8), "mono8", Header())}, "empty mask"),
    ({"mask": images.to_msg(np.full((12, 32), 255, np.uint8), "mono8", Header())}, "mask must be"),
    ({"confidence": math.nan}, "confidence"),
    ({"confidence": 3.0}, "confidence"),
    ({"action_px": Point(x=-5.0, y=0.0)}, "action pixel"),
    ({"example_id": "../escape"}, "example_id"),
    ({"depth": images.to_msg(np.ones((12, 32), np.float32), "32FC1", Header())}, "depth must be"),
    ({"depth": images.to_msg(np.ones((24, 32, 3), np.uint8), "rgb8", Header())}, "depth must be"),
])
def test_hostile_examples_are_refused_with_the_reason(fields, reason):
    with pytest.raises(ValueError, match=reason):
        interaction_msgs.example_from_msg(example(**fields))
