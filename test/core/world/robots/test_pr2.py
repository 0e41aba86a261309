"""The PR2 model: its right arm, the TCP on r_gripper_tool_frame turned to approach along z."""
import numpy as np

from seg_by_interaction.core.geometry import pose_matrix


def test_tcp_frame_is_the_tool_frame_turned_to_approach_along_z(sim_robot):
    robot = sim_robot("pr2")
    tool = pose_matrix(*robot.link_pose("r_gripper_tool_frame"))
    tcp_in_tool = np.linalg.inv(tool) @ pose_matrix(*robot.ee_pose())
    assert np.allclose(tcp_in_tool[:3, 3], 0.0, atol=1e-6)
    assert np.allclose(tcp_in_tool[:3, 2], [1.0, 0.0, 0.0], atol=1e-4)   # the tool's x
    assert np.allclose(tcp_in_tool[:3, 1], [0.0, 1.0, 0.0], atol=1e-4)
