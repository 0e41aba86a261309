"""Robot configurations: one validated YAML per robot under config/, chosen by name.

Frames follow REP 103/105. Every pose is expressed in the robot's planning frame
(`base_frame`); a camera's extrinsics are the pose of its optical frame in that frame.
"""
from __future__ import annotations

import dataclasses
import pathlib

import numpy as np
import yaml

from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.validated import ConfigError, from_dict, setting

REQUIRED_NAMED_POSES = ("home", "out_of_view")
TABLE_THICKNESS_M = 0.04
TABLE_MARGIN_M = 0.25          # the table top extends this far beyond the table area,
TABLE_NEAR_MARGIN_M = 0.05     # but only this far toward the robot (not under its base)


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorkspaceBox:
    """Axis-aligned box in the planning frame that every commanded waypoint must lie in."""
    min: tuple[float, float, float] = setting(description="lower corner (x, y, z), metres")
    max: tuple[float, float, float] = setting(description="upper corner (x, y, z), metres")

    def __post_init__(self):
        if any(lo >= hi for lo, hi in zip(self.min, self.max)):
            raise ConfigError(f"workspace min {self.min} must be below max {self.max} on every axis")

    def contains(self, point) -> bool:
        p = np.asarray(point, dtype=float)
        return bool(np.all(np.isfinite(p)) and np.all(p >= self.min) and np.all(p <= self.max))


@dataclasses.dataclass(frozen=True, kw_only=True)
class TableArea:
    """The rectangle of the table, in the planning frame's x-y, where objects lie: scenes
    are placed in it, objects are put down in it, the reset sweep gathers toward its
    centre, and the camera sees all of it."""
    min: tuple[float, float] = setting(description="lower corner (x, y), metres")
    max: tuple[float, float] = setting(description="upper corner (x, y), metres")

    def __post_init__(self):
        if any(lo >= hi for lo, hi in zip(self.min, self.max)):
            raise ConfigError(f"table_area min {self.min} must be below max {self.max}")

    @property
    def centre(self) -> np.ndarray:
        return (np.array(self.min) + np.array(self.max)) / 2

    def contains(self, xy) -> bool:
        return bool(np.all(np.array(self.min) <= xy[:2]) and np.all(np.asarray(xy[:2]) <= self.max))


@dataclasses.dataclass(frozen=True, kw_only=True)
class GripperConfig:
    joints: list[str] = setting(description="finger joints")
    max_opening: float = setting(description="metres between the fingers when open", min=0.0, max=0.5)
    max_force: float = setting(description="newtons per finger", min=0.0, max=500.0)
    finger_friction: float = setting(1.0, "lateral friction coefficient of the finger pads",
                                     min=0.0, max=5.0)
    finger_thickness: float = setting(0.016, "a finger's extent along the closing line, pad "
                                             "included, metres", min=0.0, max=0.1)
    finger_width: float = setting(0.022, "a finger's extent across the closing line, metres",
                                  min=0.0, max=0.1)
    pregrasp_clearance: float = setting(0.03, "open this much wider than the object before "
                                              "descending, metres", min=0.0, max=0.2)
    min_pregrasp_opening: float = setting(0.075, "open at least this wide before descending "
                                                 "(widths from learned masks are noisy), metres",
                                          min=0.0, max=0.5)

    def pregrasp_opening(self, width: float) -> float:
        """The opening before descending on an object `width` wide (0 = unknown: widest)."""
        if width <= 0:
            return self.max_opening
        wanted = max(width + self.pregrasp_clearance, self.min_pregrasp_opening)
        return min(self.max_opening, wanted)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SpeedLimits:
    max_cartesian_speed: float = setting(0.25, "end-effector speed, m/s", min=0.01, max=1.5)
    velocity_scaling: float = setting(0.3, "fraction of the joints' velocity limits motions "
                                           "use (MoveIt's max velocity scaling factor; the "
                                           "embedded backend scales the robot description's "
                                           "limits by it)", min=0.01, max=1.0)
    acceleration_scaling: float = setting(0.3, "MoveIt max acceleration scaling factor",
                                          min=0.01, max=1.0)


@dataclasses.dataclass(frozen=True, kw_only=True)
class CameraConfig:
    name: str = setting(description="camera name; topics and frames derive from it")
    optical_frame: str = setting(description="frame_id of its images (REP 103 optical frame)")
    rgb_topic: str = setting(description="sensor_msgs/Image, rgb8")
    depth_topic: str = setting(description="sensor_msgs/Image, 32FC1 metres (16UC1 mm accepted)")
    camera_info_topic: str = setting(description="sensor_msgs/CameraInfo")
    intrinsics: PinholeIntrinsics = setting(description="image size and pinhole intrinsics")
    pose: Pose = setting(description="optical frame in the planning frame (at the reference "
                                     "configuration when mounted on a moving link)")
    parent_link: str = setting("", "link the camera moves with ('' = fixed in the planning frame)")
    reference_joints: dict[str, float] = setting(
        {}, "joint positions at which `pose` holds, for a camera on a moving link (at run "
            "time its pose follows them: forward kinematics of /robot_description)")
    depth_range: tuple[float, float] = setting((0.2, 4.0), "valid depth, metres", min=0.0)

    def __post_init__(self):
        if not self.depth_range[0] < self.depth_range[1]:
            raise ConfigError(f"camera '{self.name}': depth_range {self.depth_range} must be (near, far)")
        if self.parent_link and not self.reference_joints:
            raise ConfigError(f"camera '{self.name}' moves with '{self.parent_link}': "
                              "reference_joints must give the joint positions its pose is at")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ToolCentrePoint:
    """The frame the primitives command: between the finger pads, z along the approach
    and y along the line the fingers close on. It is a link of its own, fixed to a link
    of the robot's description (usually the flange) at `offset`; the simulated robots
    add it, a real robot's description gets it from the snippet in README.md ("On a
    robot computer")."""
    link: str = setting("sbi_tcp", "name of the TCP link")
    parent_link: str = setting(description="link of the robot's description the TCP is "
                                           "fixed to, usually the flange")
    offset: Pose = setting(description="the TCP in the parent link's frame")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SimulationConfig:
    """What the embedded simulated world needs to stand in for this robot."""
    model: str = setting(description="robot model the simulator loads (the name of one "
                                     "of the simulated robots in core/world/robots/)")
    fixed_joints: dict[str, float] = setting(
        {}, "joints outside the arm and the gripper held at these values (radians or "
            "metres), e.g. torso, head, other arm; also the reference configuration of "
            "cameras on moving links")
    gripper_speed: float = setting(0.1, "speed of each finger, m/s", min=0.001, max=1.0)
    joint_velocity_limit: float = setting(1.0, "arm joint speed limit during execution, rad/s",
                                          min=0.01, max=10.0)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ControllerInterfaces:
    """The arm's ros2_control interfaces the embedded motion backend executes through (the
    simulated world serves the same ones)."""
    arm_trajectory_topic: str = setting("/arm_controller/joint_trajectory",
                                        "trajectory_msgs/JointTrajectory topic of the arm's "
                                        "joint trajectory controller")
    gripper_command_topic: str = setting("/gripper_controller/commands",
                                         "std_msgs/Float64MultiArray topic of the gripper's "
                                         "forward position controller (each finger joint "
                                         "travels half the opening)")
    gripper_action: str = setting("", "the gripper controller's action (e.g. "
                                      "/gripper_controller/gripper_cmd), used instead of "
                                      "gripper_command_topic when set; control_msgs needed")
    gripper_action_type: str = setting("GripperCommand", "control_msgs action type of "
                                                         "gripper_action",
                                       choices=("GripperCommand", "ParallelGripperCommand"))
    joint_states_topic: str = setting("/joint_states", "sensor_msgs/JointState of the arm "
                                                       "and the gripper")


@dataclasses.dataclass(frozen=True, kw_only=True)
class PrimitiveMix:
    """How often the collector chooses each primitive it acts on hypotheses with (weights,
    normalised; one field per kind the collector chooses, `interaction.kinds.COLLECTED`)."""
    pick_place: float = setting(1.0, "weight of pick-and-place (Pathak et al. 2018)", min=0.0)
    push: float = setting(0.0, "weight of pushes (Eitel et al. 2019)", min=0.0)
    poke: float = setting(0.0, "weight of pokes (Lohmann et al. 2020)", min=0.0)

    def __post_init__(self):
        if not sum(self.weights().values()) > 0:
            raise ConfigError("primitive_mix: at least one weight must be above 0")

    def weights(self) -> dict[str, float]:
        return dataclasses.asdict(self)

    def draw(self, rng: np.random.Generator) -> str:
        """A primitive drawn with these weights; one weighted alone is taken without drawing,
        so a single-primitive run's random choices stay those of the seed."""
        named = {kind: weight for kind, weight in self.weights().items() if weight > 0}
        if len(named) == 1:
            return next(iter(named))
        weights = np.array(list(named.values()))
        return list(named)[int(rng.choice(len(named), p=weights / weights.sum()))]


@dataclasses.dataclass(frozen=True, kw_only=True)
class RobotConfig:
    name: str = setting(description="robot name, also the config's file name")
    description: str = setting("", "one line for humans")
    base_frame: str = setting(description="planning frame (REP 105 base frame of the arm)")
    planning_group: str = setting(description="MoveIt planning group of the arm")
    arm_joints: list[str] = setting(description="arm joints in planning-group order")
    tcp: ToolCentrePoint = setting(description="the tool centre point the primitives command")
    gripper: GripperConfig = setting(description="parallel two-finger gripper")
    named_poses: dict[str, list[float]] = setting(
        description="joint positions by name; 'home' and 'out_of_view' are required")
    workspace: WorkspaceBox = setting(description="box every commanded tool waypoint must lie "
                                                  "in, including the out-of-view parking pose")
    table_area: TableArea = setting(description="where objects lie; inside the workspace footprint")
    table_height: float = setting(description="table surface z in the planning frame, metres")
    speeds: SpeedLimits = setting(SpeedLimits(), "speed limits")
    controllers: ControllerInterfaces = setting(ControllerInterfaces(), "the arm's ros2_control "
                                                                        "interfaces")
    cameras: list[CameraConfig] = setting(description="at least one camera")
    primitive_mix: PrimitiveMix = setting(PrimitiveMix(), "the primitives the collector uses "
                                                          "on this robot by default")
    simulation: SimulationConfig | None = setting(
        None, "the embedded simulated world's model; a robot without it runs on its own "
              "motion server only")

    def __post_init__(self):
        missing = [p for p in REQUIRED_NAMED_POSES if p not in self.named_poses]
        if missing:
            raise ConfigError(f"named_poses lacks {missing}")
        for pose_name, joints in self.named_poses.items():
            if len(joints) != len(self.arm_joints):
                raise ConfigError(f"named pose '{pose_name}' has {len(joints)} values for "
                                  f"{len(self.arm_joints)} arm joints")
        if not self.cameras:
            raise ConfigError("at least one camera is required")
        names = [c.name for c in self.cameras]
        if len(set(names)) != len(names):
            raise ConfigError(f"camera names must be unique: {names}")
        inside = all(self.workspace.min[i] <= self.table_area.min[i] and
                     self.table_area.max[i] <= self.workspace.max[i] for i in range(2))
        if not inside:
            raise ConfigError(f"table_area {self.table_area.min}..{self.table_area.max} must lie "
                              f"inside the workspace footprint")
        if not self.workspace.min[2] <= self.table_height <= self.workspace.max[2]:
            raise ConfigError(f"table_height {self.table_height} lies outside the workspace's "
                              f"z range [{self.workspace.min[2]}, {self.workspace.max[2]}]")
        if self.tcp.link in (self.tcp.parent_link, self.base_frame):
            raise ConfigError(f"tcp.link '{self.tcp.link}' must be a link of its own, not its "
                              f"parent or the base frame")
        if self.simulation is not None:
            driven = sorted(set(self.simulation.fixed_joints) & set(self.arm_joints + self.gripper.joints))
            if driven:
                raise ConfigError(f"simulation.fixed_joints names arm or gripper joints {driven}")

    def table_box(self) -> tuple[list[float], list[float]]:
        """Centre and half extents of the table top, as the simulated world builds it and
        planners avoid it: the table area grown by margins, its surface at table_height."""
        area = self.table_area
        low = np.array(area.min) - [TABLE_NEAR_MARGIN_M, TABLE_MARGIN_M]
        high = np.array(area.max) + TABLE_MARGIN_M
        half = [(high[0] - low[0]) / 2, (high[1] - low[1]) / 2, TABLE_THICKNESS_M / 2]
        centre = [(high[0] + low[0]) / 2, (high[1] + low[1]) / 2,
                  self.table_height - TABLE_THICKNESS_M / 2]
        return centre, half

    def camera(self, name: str = "") -> CameraConfig:
        """The named camera, or the first one."""
        if not name:
            return self.cameras[0]
        for camera in self.cameras:
            if camera.name == name:
                return camera
        raise ConfigError(f"robot '{self.name}' has no camera '{name}'; "
                          f"it has {[c.name for c in self.cameras]}")

    def with_image_size(self, width: int | None, height: int | None) -> RobotConfig:
        """This robot with its first camera's images resized (intrinsics scaled to match);
        a size left None keeps the camera's own."""
        if not (width or height):
            return self
        camera = self.cameras[0]
        size = (width or camera.intrinsics.width, height or camera.intrinsics.height)
        resized = dataclasses.replace(camera, intrinsics=camera.intrinsics.resized(*size))
        return dataclasses.replace(self, cameras=[resized, *self.cameras[1:]])


def config_dir() -> pathlib.Path:
    """The source tree's config/ (also behind symlink installs), else the installed
    <prefix>/share/seg_by_interaction/config."""
    module = pathlib.Path(__file__).resolve()
    candidates = [module.parents[2] / "config"]
    if len(module.parents) > 5:
        candidates.append(module.parents[5] / "share" / "seg_by_interaction" / "config")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the seg_by_interaction config directory in {candidates}")


def available_robots() -> list[str]:
    return sorted(p.stem for p in config_dir().glob("*.yaml") if _is_robot_file(p))


def load_robot_config(name_or_path: str) -> RobotConfig:
    """Load `config/<name>.yaml`, or a robot YAML file given by path."""
    path = pathlib.Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = config_dir() / f"{name_or_path}.yaml"
        if not path.is_file():
            raise ConfigError(f"unknown robot '{name_or_path}'; available: {available_robots()}")
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read robot config {path}: {error}") from error
    if not isinstance(data, dict) or "robot" not in data:
        raise ConfigError(f"{path}: expected a mapping with a 'robot' section")
    return from_dict(RobotConfig, data["robot"], where=f"{path.name}: robot")


def _is_robot_file(path: pathlib.Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text())
        return isinstance(data, dict) and "robot" in data
    except yaml.YAMLError:
        return False
