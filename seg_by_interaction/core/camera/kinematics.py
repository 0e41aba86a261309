"""Where a camera on a moving link (the PR2's head) is at an image's time: forward
kinematics of the robot's description (URDF) with pinocchio at the joint positions of
that time. The config states the camera's pose at its reference joint positions; the
fixed offset from its parent link to its optical frame is taken there."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from seg_by_interaction.core.geometry import Pose, matrix_to_quaternion, pose_matrix
from seg_by_interaction.core.robot_config import CameraConfig

MAX_DESCRIPTION_BYTES = 20_000_000     # a robot's URDF is a few MB at most; the graph is untrusted


class CameraKinematics:
    """`pose(joints)`: the camera's optical frame in `base_frame` for the joint positions
    given; joints not given stay at the camera's reference positions (a simulated head
    held still, or a joint the robot does not report), the others at zero."""

    def __init__(self, urdf_xml: str, camera: CameraConfig, base_frame: str):
        import pinocchio

        if len(urdf_xml.encode()) > MAX_DESCRIPTION_BYTES:
            raise ValueError(f"robot description of {len(urdf_xml.encode())} bytes exceeds "
                             f"{MAX_DESCRIPTION_BYTES}")
        try:
            self._model = pinocchio.buildModelFromXML(urdf_xml)
        except (RuntimeError, ValueError) as error:
            raise ValueError(f"robot description does not parse as URDF: {error}") from error
        self._pinocchio, self._data = pinocchio, self._model.createData()
        self._reference = dict(camera.reference_joints)
        self._parent = self._frame_id(camera.parent_link)
        self._base = self._frame_id(base_frame)
        unknown = [name for name in self._reference if not self._model.existJointName(name)]
        if unknown:
            raise ValueError(f"camera '{camera.name}': reference joints {unknown} are not in "
                             f"the robot description")
        base_from_parent = self._base_from(self._parent, {})
        self._offset = np.linalg.inv(base_from_parent) @ pose_matrix(camera.pose.position,
                                                                     camera.pose.orientation_xyzw)

    def pose(self, joints: Mapping[str, float]) -> Pose:
        frame = self._base_from(self._parent, joints) @ self._offset
        return Pose(position=frame[:3, 3], orientation_xyzw=matrix_to_quaternion(frame[:3, :3]))

    def _frame_id(self, link: str) -> int:
        if not self._model.existFrame(link):
            raise ValueError(f"link '{link}' is not in the robot description")
        return self._model.getFrameId(link)

    def _base_from(self, frame_id: int, joints: Mapping[str, float]) -> np.ndarray:
        self._pinocchio.framesForwardKinematics(self._model, self._data,
                                                self._configuration({**self._reference, **joints}))
        world_from = [self._data.oMf[i].homogeneous for i in (self._base, frame_id)]
        return np.linalg.inv(world_from[0]) @ world_from[1]

    def _configuration(self, joints: Mapping[str, float]) -> np.ndarray:
        q = self._pinocchio.neutral(self._model)
        for name, value in joints.items():
            if not self._model.existJointName(name):
                continue                        # a joint of another description (a second arm)
            joint = self._model.joints[self._model.getJointId(name)]
            if joint.nq == 2:                   # a continuous joint: (cos, sin)
                q[joint.idx_q:joint.idx_q + 2] = np.cos(value), np.sin(value)
            elif joint.nq == 1:
                q[joint.idx_q] = value
        return q
