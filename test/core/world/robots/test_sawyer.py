"""The Sawyer model: the stack's gripper on robosuite's arm, at the flange right_hand."""
import numpy as np

from seg_by_interaction.core.geometry import pose_matrix

FLANGE_TO_TCP_M = 0.0245 + 0.125   # right_l6 origin to the flange face, then to the TCP


def in_hand(robot, link):
    return (np.linalg.inv(pose_matrix(*robot.ee_pose())) @ pose_matrix(*robot.link_pose(link)))[:3, 3]


def test_the_tcp_lies_beyond_the_flange_right_hand_between_the_pads(sim_robot):
    robot = sim_robot("sawyer")
    assert np.allclose(in_hand(robot, "right_l6"), [0.0, 0.0, -FLANGE_TO_TCP_M], atol=1e-6)
    assert np.allclose(in_hand(robot, "right_hand"), [0.0, 0.0, -0.125], atol=1e-6)
    half = robot.config.gripper.max_opening / 2   # the gripper is open after loading
    left, right = (in_hand(robot, f"right_gripper_{side}_finger_pad") for side in "lr")
    assert np.allclose(left[:2], [0.0, half], atol=1e-4)
    assert np.allclose(right[:2], [0.0, -half], atol=1e-4)
