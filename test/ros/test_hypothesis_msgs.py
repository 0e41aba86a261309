"""Hypotheses on the wire keep their grasp, including why a pick-and-place would not fit."""
import numpy as np
import pytest
from std_msgs.msg import Header

from seg_by_interaction.core.hypotheses.grasp import Grasp, mask_shape
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.ros import hypothesis_msgs


@pytest.mark.parametrize("refusal", ["", "the object is 9.0 cm across the fingers; the gripper "
                                         "opens 8.5 cm"])
def test_a_hypothesis_and_its_grasp_survive_the_message(refusal):
    mask = np.zeros((240, 320), bool)
    mask[100:120, 150:180] = True
    grasp = Grasp(np.array([0.6, 0.1, -0.02]), 0.7, 0.04, refusal)
    sent = Hypothesis("h0", "bottom_up", 0.8, mask, mask_shape(mask), grasp)
    received = hypothesis_msgs.from_msg(hypothesis_msgs.to_msg(sent, Header(frame_id="base")),
                                        240, 320)
    assert np.array_equal(received.mask, mask)
    assert received.grasp.refusal == refusal
    assert received.grasp.yaw == pytest.approx(0.7, abs=1e-6)
    assert received.grasp.width_m == pytest.approx(0.04)
    np.testing.assert_allclose(received.grasp.position, grasp.position, atol=1e-6)
