"""The motion server's retreat when it shuts down mid-motion: straight up, never above
the workspace box."""
import numpy as np

from seg_by_interaction.core.interaction.motion import ToolPose
from seg_by_interaction.core.interaction.motion_server import retreat_target
from seg_by_interaction.core.robot_config import WorkspaceBox

BOX = WorkspaceBox(min=(0.2, -0.5, -0.05), max=(0.9, 0.5, 0.5))
TOOL = ToolPose.top_down((0.5, 0.1, 0.1), yaw=0.7)


def test_the_tool_rises_straight_up_keeping_its_orientation():
    target = retreat_target(TOOL, BOX, 0.05)
    np.testing.assert_allclose(target.position, (0.5, 0.1, 0.15))
    np.testing.assert_array_equal(target.orientation_xyzw, TOOL.orientation_xyzw)


def test_the_rise_stops_at_the_top_of_the_workspace_box():
    np.testing.assert_allclose(retreat_target(TOOL.moved((0, 0, 0.38)), BOX, 0.05).position,
                               (0.5, 0.1, 0.5))


def test_no_retreat_where_the_tool_cannot_rise():
    assert retreat_target(TOOL.moved((0, 0, 0.4)), BOX, 0.05) is None
    assert retreat_target(TOOL, BOX, 0.0) is None
