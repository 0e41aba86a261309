"""Top-down grasps from a mask (Pathak et al. 2018, A.2): pick at the mask's centroid,
with the fingers closing across the object's narrow side, i.e. the gripper's closing
line perpendicular to the mask's major axis.

The mask is lifted to 3D with depth, intrinsics and the camera pose, and the axes come
from PCA of the lifted points in the planning frame, so perspective does not tilt them.

Before a grasp is offered it is checked against the frame (`checked_grasp`): the object's
width across the closing line must fit the gripper's opening, and where each finger lands
(the opening the gripper will open to, beside the object) the depth must show no surface
higher than the fingertips will reach. A grasp that fails at the principal direction is
turned in steps toward 90 degrees; if no direction fits, it carries the reason (`refusal`)
and pick-and-place skips it (pushes and pokes still aim at it).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from seg_by_interaction.core.camera.table import has_reading
from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.robot_config import GripperConfig
from seg_by_interaction.core.validated import setting

MIN_POINTS = 10
TOP_BAND_M = 0.015
MIN_BLOCKING_POINTS = 3     # fewer surface points under a finger are depth noise


@dataclasses.dataclass(frozen=True)
class MaskShape:
    """Image-space summary of a mask (pixel centres at integer coordinates)."""
    area_px: int
    centroid_px: tuple[float, float]       # (u = column, v = row)
    major_axis_angle: float                # radians from +u toward +v, in (-pi/2, pi/2]
    bbox: tuple[int, int, int, int]        # x, y, width, height


@dataclasses.dataclass(frozen=True)
class Grasp:
    position: np.ndarray        # top-surface point at the centroid, planning frame
    yaw: float                  # direction of the fingers' closing line, radians from +x
    width_m: float              # object extent along the closing line
    refusal: str = ""           # why the gripper would not fit ("" = it fits, or unchecked)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GraspCheckParams:
    enabled: bool = setting(True, "check grasps against the frame before offering them: width "
                                  "against the gripper's opening, fingers against neighbours")
    width_margin_m: float = setting(0.01, "an object must be this much narrower than the "
                                          "gripper's widest opening", min=0.0, max=0.1)
    finger_margin_m: float = setting(0.005, "each finger's footprint grows by this on every "
                                            "side", min=0.0, max=0.05)
    finger_reach_m: float = setting(0.04, "how far below the object's top the fingertips go: the "
                                          "grasp depth plus the fingers' length past the tool "
                                          "point", min=0.0, max=0.3)
    min_obstacle_height_m: float = setting(0.01, "surfaces lower than this above the table are "
                                                 "no obstacle (depth noise)", min=0.0, max=0.1)
    yaw_step_deg: float = setting(15.0, "other closing directions are tried in steps of this, "
                                        "either side of the principal one, up to 90 degrees",
                                  min=1.0, max=90.0)


@dataclasses.dataclass(frozen=True)
class GraspScene:
    """What grasps are checked against: the frame's surface points standing above the
    table (planning frame, N x 3), the gripper and the table height."""
    points: np.ndarray
    gripper: GripperConfig
    table_height: float
    params: GraspCheckParams


def mask_shape(mask: np.ndarray) -> MaskShape:
    rows, cols = np.nonzero(mask)
    if len(rows) == 0:
        raise ValueError("empty mask")
    centred = np.stack([cols - cols.mean(), rows - rows.mean()])
    angle = _major_axis_angle(centred)
    bbox = (int(cols.min()), int(rows.min()), int(cols.max() - cols.min() + 1),
            int(rows.max() - rows.min() + 1))
    return MaskShape(len(rows), (float(cols.mean()), float(rows.mean())), angle, bbox)


def lift_pixels(us, vs, depths, intrinsics: PinholeIntrinsics, camera_pose: Pose) -> np.ndarray:
    """3D points (N x 3) in the planning frame of pixels (u, v) with depth along the
    optical axis."""
    rays = np.stack([(np.asarray(us) - intrinsics.cx) / intrinsics.fx,
                     (np.asarray(vs) - intrinsics.cy) / intrinsics.fy, np.ones(len(us))])
    in_camera = rays * np.asarray(depths)
    return camera_pose.to_planning(in_camera.T)


def lift_mask(mask: np.ndarray, depth: np.ndarray, intrinsics: PinholeIntrinsics,
              camera_pose: Pose, max_points: int | None = None) -> np.ndarray:
    """Finite planning-frame points (N x 3) of the mask's pixels with a depth reading; at
    most `max_points` of them, evenly taken, when given."""
    rows, cols = np.nonzero(mask & has_reading(depth))
    every = max(1, len(rows) // max_points) if max_points else 1
    rows, cols = rows[::every], cols[::every]
    points = lift_pixels(cols, rows, depth[rows, cols], intrinsics, camera_pose)
    return points[np.all(np.isfinite(points), axis=1)]   # none, with a pose no camera has


def points_above_table(depth: np.ndarray, intrinsics: PinholeIntrinsics, camera_pose: Pose,
                       table_height: float, min_height: float, stride: int = 2) -> np.ndarray:
    """Planning-frame points (N x 3) of every `stride`-th pixel's depth standing more than
    `min_height` above the table."""
    sub = depth[::stride, ::stride]
    rows, cols = np.nonzero(has_reading(sub))
    points = lift_pixels(cols * stride, rows * stride, sub[rows, cols], intrinsics, camera_pose)
    return points[points[:, 2] > table_height + min_height]


def grasp_scene(depth: np.ndarray, intrinsics: PinholeIntrinsics, camera_pose: Pose,
                gripper: GripperConfig, table_height: float,
                params: GraspCheckParams = GraspCheckParams()) -> GraspScene:
    """The scene of one frame that `checked_grasp` checks its grasps against."""
    points = points_above_table(depth, intrinsics, camera_pose, table_height,
                                params.min_obstacle_height_m)
    return GraspScene(points, gripper, table_height, params)


def top_down_grasp(mask: np.ndarray, depth: np.ndarray, intrinsics: PinholeIntrinsics,
                   camera_pose: Pose) -> Grasp | None:
    """The grasp for a mask, or None when too few of its pixels have a depth reading or
    they lift to no finite point."""
    surface = _top_surface(mask, depth, intrinsics, camera_pose)
    return None if surface is None else _principal_grasp(*surface)


def checked_grasp(mask: np.ndarray, depth: np.ndarray, intrinsics: PinholeIntrinsics,
                  camera_pose: Pose, scene: GraspScene, places=()) -> Grasp | None:
    """`top_down_grasp` at the first closing direction, from the principal one outward,
    at which the object fits between the open fingers and no finger lands on a surface,
    neither where it is grasped nor at any of `places` (x-y of the grasp point where the
    object is put down, carried at the same height and yaw; then `scene` should not show
    the object itself); if none does, the principal grasp with the reason it failed there."""
    surface = _top_surface(mask, depth, intrinsics, camera_pose)
    if surface is None:
        return None
    principal = _principal_grasp(*surface)
    spots = [("", principal.position)] + [
        ("where it is put down, ", np.array([*xy, principal.position[2]], float)) for xy in places]
    checks = [(where, position, _near_the_fingers(position, scene)) for where, position in spots]
    first_refusal = ""
    for yaw in _yaws_from(principal.yaw, scene.params.yaw_step_deg):
        width = _width_across(surface[0], principal.position[:2], yaw)
        refusal = _first_refusal(checks, yaw, width)
        if not refusal:
            return Grasp(principal.position, yaw, width)
        first_refusal = first_refusal or refusal
    return dataclasses.replace(principal, refusal=first_refusal)


def _top_surface(mask: np.ndarray, depth: np.ndarray, intrinsics: PinholeIntrinsics,
                 camera_pose: Pose) -> tuple[np.ndarray, float] | None:
    """x-y (N x 2, planning frame) of the mask's top surface and its height (the 90th
    percentile, not a stray high reading); None when too few of its pixels have a depth
    reading or they lift to no finite point."""
    points = lift_mask(mask, depth, intrinsics, camera_pose)
    if len(points) < MIN_POINTS:
        return None
    top = float(np.percentile(points[:, 2], 90))
    # An oblique camera also sees side faces; the top surface locates the object better.
    upper = points[points[:, 2] > top - TOP_BAND_M]
    return (upper if len(upper) >= MIN_POINTS else points)[:, :2], top


def _principal_grasp(xy: np.ndarray, top: float) -> Grasp:
    """At the centroid, the fingers closing across the major axis (Pathak A.2)."""
    centre = xy.mean(axis=0)
    closing = _wrap_half_turn(_major_axis_angle((xy - centre).T) + np.pi / 2)
    return Grasp(np.array([*centre, top]), closing, _width_across(xy, centre, closing))


def _width_across(xy: np.ndarray, centre, closing: float) -> float:
    across = (xy - centre) @ np.array([np.cos(closing), np.sin(closing)])
    return float(np.percentile(across, 97) - np.percentile(across, 3))


def _yaws_from(principal: float, step_deg: float) -> list[float]:
    """The principal closing direction, then directions turned by step, -step, 2 step, ...
    up to 90 degrees (which is tried once)."""
    steps = int(np.floor(90.0 / step_deg + 1e-9))
    turns = [0.0] + [sign * k * step_deg for k in range(1, steps + 1) for sign in (1, -1)]
    unique = list(dict.fromkeys(round(_wrap_half_turn(np.radians(t)), 9) for t in turns))
    return [_wrap_half_turn(principal + turn) for turn in unique]


def _near_the_fingers(position: np.ndarray, scene: GraspScene) -> GraspScene:
    """The scene cut to the points a finger could land on at any closing direction."""
    gripper, margin = scene.gripper, scene.params.finger_margin_m
    reach = np.hypot(gripper.max_opening / 2 + gripper.finger_thickness + margin,
                     gripper.finger_width / 2 + margin)
    near = np.linalg.norm(scene.points[:, :2] - position[:2], axis=1) <= reach
    return dataclasses.replace(scene, points=scene.points[near])


def _first_refusal(checks, yaw: float, width: float) -> str:
    """Why the grasp would not fit at the first of `checks` ((where, position, nearby
    scene), ...) where it does not; "" if it fits at all."""
    for where, position, nearby in checks:
        if refusal := _refusal(position, yaw, width, nearby):
            return where + refusal
    return ""


def _refusal(position: np.ndarray, yaw: float, width: float, scene: GraspScene) -> str:
    """Why a grasp at `position` closing along `yaw` on an object `width` wide would not
    fit the gripper; "" if it fits."""
    gripper, p = scene.gripper, scene.params
    if width > gripper.max_opening - p.width_margin_m:
        return (f"the object is {width * 100:.1f} cm across the fingers; the gripper opens "
                f"{gripper.max_opening * 100:.1f} cm")
    half_opening = gripper.pregrasp_opening(width) / 2
    closing = np.array([np.cos(yaw), np.sin(yaw)])
    relative = scene.points[:, :2] - position[:2]
    along = np.abs(relative @ closing)
    beside = np.abs(relative @ np.array([-closing[1], closing[0]]))
    under_fingers = ((along >= half_opening) &
                     (along <= half_opening + gripper.finger_thickness + p.finger_margin_m) &
                     (beside <= gripper.finger_width / 2 + p.finger_margin_m))
    fingertips = max(position[2] - p.finger_reach_m, scene.table_height + p.min_obstacle_height_m)
    blocking = scene.points[under_fingers & (scene.points[:, 2] > fingertips), 2]
    if len(blocking) >= MIN_BLOCKING_POINTS:
        surface_cm, reach_cm = (np.array([blocking.max(), fingertips]) - scene.table_height) * 100
        return (f"a finger would land on a surface {surface_cm:.1f} cm above the table "
                f"(fingertips reach down to {reach_cm:.1f} cm)")
    return ""


def _major_axis_angle(centred: np.ndarray) -> float:
    """Angle of the first principal axis of 2 x N centred coordinates, in (-pi/2, pi/2]."""
    covariance = centred @ centred.T / max(centred.shape[1], 1)
    values, vectors = np.linalg.eigh(covariance)
    major = vectors[:, np.argmax(values)]
    return _wrap_half_turn(np.arctan2(major[1], major[0]))


def _wrap_half_turn(angle: float) -> float:
    """An axis direction (angle modulo pi) in (-pi/2, pi/2]."""
    wrapped = (angle + np.pi / 2) % np.pi - np.pi / 2
    return float(np.pi / 2 if np.isclose(wrapped, -np.pi / 2) else wrapped)
