"""geometry_msgs poses to and from the core's ToolPose."""
from __future__ import annotations

import numpy as np
from geometry_msgs.msg import Point, Pose, PoseStamped, Quaternion
from std_msgs.msg import Header

from seg_by_interaction.core.interaction.motion import MotionError, Outcome, ToolPose


def to_pose_stamped(pose: ToolPose, header: Header) -> PoseStamped:
    x, y, z = (float(v) for v in pose.position)
    qx, qy, qz, qw = (float(v) for v in pose.orientation_xyzw)
    return PoseStamped(header=header, pose=Pose(position=Point(x=x, y=y, z=z),
                                                orientation=Quaternion(x=qx, y=qy, z=qz, w=qw)))


def from_pose_stamped(msg: PoseStamped, planning_frame: str) -> ToolPose:
    """Refuses poses in another frame (no TF here) and non-unit or non-finite values."""
    if msg.header.frame_id != planning_frame:
        raise MotionError(Outcome.INVALID_REQUEST, f"pose is in frame '{msg.header.frame_id}', "
                                                   f"expected the planning frame '{planning_frame}'")
    p, q = msg.pose.position, msg.pose.orientation
    position = np.array([p.x, p.y, p.z])
    orientation = np.array([q.x, q.y, q.z, q.w])
    if not (np.all(np.isfinite(position)) and np.all(np.isfinite(orientation))
            and abs(np.linalg.norm(orientation) - 1.0) < 1e-3):
        raise MotionError(Outcome.INVALID_REQUEST, "pose has non-finite values or a non-unit quaternion")
    return ToolPose(position, orientation)
