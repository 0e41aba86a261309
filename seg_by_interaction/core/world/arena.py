"""The arena: a textured table in front of the robot, 4-8 objects at random poses (apart,
or in the clutter of a layout: see clutter), a varying light, cameras. Deterministic for
a seed: the same seed gives the same scene, images and poses, byte for byte
(single-threaded physics, fixed call order).

The PyBullet world frame is the robot's planning frame, so the robot config's workspace
box, table height and camera poses are world coordinates.
"""
from __future__ import annotations

import dataclasses
import pathlib
import tempfile
import zlib
from typing import Sequence

import cv2
import numpy as np
import pybullet

from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.robot_config import CameraConfig, RobotConfig
from seg_by_interaction.core.world import clutter, textures
from seg_by_interaction.core.world import objects as object_catalogue
from seg_by_interaction.core.world.camera import Light, Rendering, render
from seg_by_interaction.core.world.params import LAYOUTS, ArenaConfig
from seg_by_interaction.core.world.robots import SimRobot, load_robot

SPLITS = ("train", "val", "test")
PLACEMENT_MARGIN_M = 0.03      # objects keep this far inside the table area
SETTLE_STEPS_MAX = 720
REST_SPEED_M_S = 0.001         # an object slower than this, and turning slower than
REST_SPIN_RAD_S = 0.01         # this, rests: the idle world stops integrating it
FLOOR_DEPTH_M = 0.75           # floor below the table top
TEXTURE_SIZE_PX = 1024         # about 1 mm per texel on the table: no visible blocks
DISPLACE_SLACK_M = 0.01        # displaced objects go this much further than asked: settling
                               # may slide them back a little
FLOOR_HALF_SIZE_M = 2.0        # enough for the cameras' views; a larger floor costs render time


@dataclasses.dataclass(frozen=True)
class SceneObject:
    name: str
    family: str
    body: int
    instance_id: int        # 1..N in ground-truth masks; 0 = background


@dataclasses.dataclass(frozen=True)
class ObjectGroup:
    """Objects placed together: a `row` in contact, in order along it, or a `stack`, base
    first; `same_colour` if the row was recoloured to its first object's colour."""
    kind: str
    instance_ids: tuple[int, ...]
    same_colour: bool = False


@dataclasses.dataclass(frozen=True)
class SceneInfo:
    scene_id: str
    split: str
    seed: int
    texture: str
    light: Light
    objects: tuple[SceneObject, ...]
    layout: str = "separated"
    groups: tuple[ObjectGroup, ...] = ()


@dataclasses.dataclass
class Observation:
    """What one camera saw: noisy depth as a sensor gives it, and ground truth."""
    rgb: np.ndarray
    depth: np.ndarray
    instance_mask: np.ndarray          # HxW uint16, SceneObject.instance_id per pixel
    robot_pixels: int                  # how much of the robot is in view
    intrinsics: PinholeIntrinsics
    camera_pose: Pose
    sim_time: float


class Arena:
    def __init__(self, robot_config: RobotConfig, config: ArenaConfig = ArenaConfig(),
                 with_robot: bool = True):
        self.robot_config = robot_config
        self.config = config
        self.client = pybullet.connect(pybullet.DIRECT)
        pybullet.setPhysicsEngineParameter(fixedTimeStep=1.0 / config.physics_hz,
                                           numSolverIterations=100, deterministicOverlappingPairs=1,
                                           physicsClientId=self.client)
        pybullet.setGravity(0, 0, -9.81, physicsClientId=self.client)
        self.floor = self._make_floor()
        self.table = self._make_table()
        self.robot: SimRobot | None = load_robot(self.client, robot_config) if with_robot else None
        self.step_count = 0
        self.scene: SceneInfo | None = None
        self._texture_dir = tempfile.TemporaryDirectory(prefix="sbi_textures_")  # removed at exit too
        self._texture_cache = pathlib.Path(self._texture_dir.name)
        self._noise_rng = np.random.default_rng(0)

    # --- scenes ---------------------------------------------------------------------

    def reset_scene(self, split: str, seed: int, num_objects: int = 0,
                    object_names: Sequence[str] = (), texture_split: str = "",
                    layout: str = "") -> SceneInfo:
        """Replace the scene with a random one drawn from `split` (or made of the named
        objects) in `layout` (default: the configured one) on a table texture of
        `texture_split` (default: the same split), and let it settle."""
        for name in (split, texture_split or split):
            if name not in SPLITS:
                raise ValueError(f"unknown split '{name}'; use one of {list(SPLITS)}")
        layout = layout or self.config.layout
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout '{layout}'; use one of {list(LAYOUTS)}")
        rng = np.random.default_rng([seed, zlib.crc32(split.encode())])
        self._noise_rng = np.random.default_rng([seed, 1])
        self._remove_objects()
        if self.robot is not None:
            self.robot.reset_arm(self.robot_config.named_poses["out_of_view"])
        texture = self._apply_texture(texture_split or split, rng)
        if object_names:
            pool = [object_catalogue.object_spec(name) for name in object_names]
            count = len(pool)
        else:
            pool = self._object_pool(split, layout)
            count = num_objects or int(rng.integers(self.config.min_objects,
                                                    self.config.max_objects + 1))
        placed, groups = self._place_groups(clutter.plan(layout, pool, count, self.config.clutter,
                                                         rng), rng)
        self.scene = SceneInfo(scene_id=f"{split}-{seed}", split=split, seed=seed, texture=texture,
                               light=self._random_light(rng), objects=tuple(placed),
                               layout=layout, groups=tuple(groups))
        for obj in placed:
            self._set_activation(obj, pybullet.ACTIVATION_STATE_ENABLE_SLEEPING
                                 if self.config.sleeping else pybullet.ACTIVATION_STATE_DISABLE_SLEEPING)
        self.settle()
        return self.scene

    def settle(self, max_steps: int = SETTLE_STEPS_MAX, speed_m_s: float = 0.005) -> None:
        """Step until every object is (nearly) at rest, judged from the second step on: a
        body woken from sleep (one put elsewhere) is still for its first step."""
        for step in range(max_steps):
            self.step()
            if step > 0 and self.objects_resting(speed_m_s, spin_rad_s=np.inf):
                return

    def objects_resting(self, speed_m_s: float, spin_rad_s: float) -> bool:
        """Every object slower than `speed_m_s` and turning slower than `spin_rad_s`."""
        for scene_object in self.objects():
            linear, angular = pybullet.getBaseVelocity(scene_object.body, physicsClientId=self.client)
            if np.linalg.norm(linear) >= speed_m_s or np.linalg.norm(angular) >= spin_rad_s:
                return False
        return True

    def pass_time(self, count: int) -> None:
        """`count` steps of simulated time: integrated while anything moves; once the robot
        and every object rest, only the clock runs. Nothing would change, and physics is
        most of what an idle world costs (a composed graph shares one core with it)."""
        still = self.robot is None or np.all(self.robot.joint_speeds() < REST_SPIN_RAD_S)
        if still and self.objects_resting(REST_SPEED_M_S, REST_SPIN_RAD_S):
            self.step_count += count
        else:
            self.step(count)

    def step(self, count: int = 1) -> None:
        for _ in range(count):
            pybullet.stepSimulation(physicsClientId=self.client)
            self.step_count += 1

    @property
    def sim_time(self) -> float:
        return self.step_count / self.config.physics_hz

    def objects(self) -> tuple[SceneObject, ...]:
        return self.scene.objects if self.scene else ()

    def object_pose(self, obj: SceneObject) -> tuple[np.ndarray, np.ndarray]:
        position, orientation = pybullet.getBasePositionAndOrientation(obj.body,
                                                                       physicsClientId=self.client)
        return np.array(position), np.array(orientation)

    def objects_off_table(self) -> list[SceneObject]:
        """Objects that fell below the table top. One beyond the table's area but above it
        is in the gripper (carried out of view), not fallen."""
        return [obj for obj in self.objects()
                if self.object_pose(obj)[0][2] < self.robot_config.table_height - 0.02]

    def remove_objects_off_table(self) -> list[SceneObject]:
        """Take fallen objects out of the world (a real robot's reset would gather them)."""
        fallen = self.objects_off_table()
        for obj in fallen:
            pybullet.removeBody(obj.body, physicsClientId=self.client)
        if fallen:
            kept = tuple(o for o in self.objects() if o not in fallen)
            self.scene = dataclasses.replace(self.scene, objects=kept)
        return fallen

    def displace_objects(self, count: int, min_distance: float, rng: np.random.Generator
                         ) -> list[tuple[SceneObject, float]]:
        """Move `count` objects, none of a stack, each to a random spot of the table area
        at least `min_distance` from where it stood and clear of the others, as a person
        rearranging the scene would; then let the scene settle. (object, distance moved
        on the table) for each; ValueError when there are too few objects or no room."""
        stacked = {i for group in self.scene.groups if group.kind == "stack"
                   for i in group.instance_ids} if self.scene else set()
        movable = [o for o in self.objects() if o.instance_id not in stacked]
        if not 0 < count <= len(movable):
            raise ValueError(f"cannot displace {count} objects: {len(movable)} of the scene's "
                             f"{len(self.objects())} may be moved (objects of stacks stay)")
        before = {o.instance_id: self.object_pose(o)[0][:2] for o in movable}
        moved = []
        for index in rng.permutation(len(movable)):     # an object with no room is skipped
            if len(moved) < count and self._put_elsewhere(movable[index], min_distance, rng):
                moved.append(movable[index])
        if len(moved) < count:
            raise ValueError(f"room to displace only {len(moved)} of {count} objects by "
                             f"{min_distance:.2f} m or more")
        self.settle()
        return [(o, float(np.linalg.norm(self.object_pose(o)[0][:2] - before[o.instance_id])))
                for o in moved]

    def _put_elsewhere(self, obj: SceneObject, min_distance: float, rng: np.random.Generator,
                       tries: int = 300) -> bool:
        """Whether a free spot was found and the object put there."""
        position, orientation = self.object_pose(obj)
        low, high = self._footprint(obj)
        others = [self._footprint(o) for o in self.objects() if o != obj]
        area = self.robot_config.table_area
        span_low = np.array(area.min) + PLACEMENT_MARGIN_M - low
        span_high = np.array(area.max) - PLACEMENT_MARGIN_M - high
        if np.any(span_low > span_high):
            return False
        for _ in range(tries):
            shift = rng.uniform(span_low, span_high)
            far_enough = np.linalg.norm(shift) >= min_distance + DISPLACE_SLACK_M
            if far_enough and not any(_boxes_overlap(low + shift, high + shift, *other, 0.01)
                                      for other in others):
                pybullet.resetBasePositionAndOrientation(
                    obj.body, (*(position[:2] + shift), position[2] + 0.002), orientation,
                    physicsClientId=self.client)
                pybullet.resetBaseVelocity(obj.body, [0, 0, 0], [0, 0, 0],
                                           physicsClientId=self.client)
                self._set_activation(obj, pybullet.ACTIVATION_STATE_WAKE_UP)  # to fall 2 mm
                return True
        return False

    def _set_activation(self, obj: SceneObject, state: int) -> None:
        pybullet.changeDynamics(obj.body, -1, activationState=state, physicsClientId=self.client)

    def _footprint(self, obj: SceneObject) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper x-y corners of the object's box on the table."""
        low, high = pybullet.getAABB(obj.body, physicsClientId=self.client)
        return np.array(low[:2]), np.array(high[:2])

    # --- cameras --------------------------------------------------------------------

    def camera_pose(self, camera: CameraConfig) -> tuple[np.ndarray, np.ndarray]:
        if self.robot is not None:
            return self.robot.camera_pose(camera)
        return np.array(camera.pose.position), np.array(camera.pose.orientation_xyzw)

    def observe(self, camera_name: str = "") -> Observation:
        camera = self.robot_config.camera(camera_name)
        position, orientation = self.camera_pose(camera)
        exact = render(self.client, camera.intrinsics, position, orientation,
                       self.scene.light if self.scene else DEFAULT_LIGHT, self.config.shadows)
        depth = self.config.depth_noise.apply(exact.depth, self._noise_rng)
        near, far = camera.depth_range
        depth[(depth < near) | (depth > far)] = np.nan
        robot_pixels = int(np.count_nonzero(exact.body_ids == self.robot.body)) if self.robot else 0
        return Observation(exact.rgb, depth, self.instance_mask(exact), robot_pixels,
                           camera.intrinsics, Pose(position=position, orientation_xyzw=orientation),
                           self.sim_time)

    def instance_mask(self, rendering: Rendering) -> np.ndarray:
        mask = np.zeros(rendering.body_ids.shape, np.uint16)
        for obj in self.objects():
            mask[rendering.body_ids == obj.body] = obj.instance_id
        return mask

    def close(self) -> None:
        if pybullet.isConnected(self.client):
            pybullet.disconnect(self.client)
        self._texture_dir.cleanup()

    # --- internals ------------------------------------------------------------------

    def _make_floor(self) -> int:
        """A grey floor 75 cm below the table top (what a camera sees past the table)."""
        half = [FLOOR_HALF_SIZE_M, FLOOR_HALF_SIZE_M, 0.01]
        centre = [*self.robot_config.table_area.centre,
                  self.robot_config.table_height - FLOOR_DEPTH_M - 0.01]
        body = pybullet.createMultiBody(
            0, pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half,
                                             physicsClientId=self.client),
            pybullet.createVisualShape(pybullet.GEOM_BOX, halfExtents=half,
                                       rgbaColor=[0.45, 0.45, 0.47, 1.0], physicsClientId=self.client),
            basePosition=centre, physicsClientId=self.client)
        return body

    def _make_table(self) -> int:
        centre, half = self.robot_config.table_box()
        body = pybullet.createMultiBody(
            0, pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half,
                                             physicsClientId=self.client),
            pybullet.createVisualShape(pybullet.GEOM_BOX, halfExtents=half,
                                       physicsClientId=self.client),
            basePosition=centre, physicsClientId=self.client)
        pybullet.changeDynamics(body, -1, lateralFriction=0.5, physicsClientId=self.client)
        return body

    def _apply_texture(self, split: str, rng: np.random.Generator) -> str:
        if self.config.textures_dir:
            paths = sorted(p for p in pathlib.Path(self.config.textures_dir).iterdir()
                           if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
            if not paths:
                raise FileNotFoundError(f"{self.config.textures_dir}: no .png or .jpg textures")
            path = paths[int(rng.integers(len(paths)))]
            name = path.stem
        else:
            names = textures.texture_names(split)
            name = names[int(rng.integers(len(names)))]
            path = self._texture_cache / f"{name}.png"
            if not path.exists():
                cv2.imwrite(str(path), textures.make_texture(name, TEXTURE_SIZE_PX)[:, :, ::-1])
        texture_id = pybullet.loadTexture(str(path), physicsClientId=self.client)
        if texture_id < 0:
            raise ValueError(f"{path}: PyBullet cannot load this image as a texture")
        pybullet.changeVisualShape(self.table, -1, textureUniqueId=texture_id,
                                   rgbaColor=[1, 1, 1, 1], physicsClientId=self.client)
        return name

    def _object_pool(self, split: str, layout: str) -> list:
        if self.config.objects_dir:
            return object_catalogue.objects_from_folder(self.config.objects_dir)
        pool = object_catalogue.catalogue(split)
        if layout == "separated" and not self.config.separated_flat:
            return [spec for spec in pool if spec.family != "flat"]
        return pool

    def _place_groups(self, groups: list[clutter.Group], rng: np.random.Generator
                      ) -> tuple[list[SceneObject], list[ObjectGroup]]:
        """Groups at non-overlapping random positions and yaws, each object inside the
        table area."""
        area = self.robot_config.table_area
        placed, together, discs = [], [], []
        for group in groups:
            radius = clutter.group_radius(group)
            inset = PLACEMENT_MARGIN_M + clutter.centre_reach(group)
            low, high = np.array(area.min) + inset, np.array(area.max) - inset
            if np.any(low > high):
                continue  # larger than the table area
            for _ in range(100):
                xy = rng.uniform(low, high)
                if all(np.linalg.norm(xy - c) > radius + r + 0.01 for c, r in discs):
                    break
            else:
                continue  # no room left for this group
            discs.append((xy, radius))
            bodies = self._spawn_group(group, xy, float(rng.uniform(-np.pi, np.pi)))
            ids = tuple(range(len(placed) + 1, len(placed) + 1 + len(bodies)))
            placed += [SceneObject(spec.name, spec.family, body, instance_id)
                       for spec, body, instance_id in zip(group.specs, bodies, ids)]
            if group.kind != "single":
                together.append(ObjectGroup(group.kind, ids, group.same_colour))
        return placed, together

    def _spawn_group(self, group: clutter.Group, xy: np.ndarray, yaw: float) -> list[int]:
        height = self.robot_config.table_height
        if group.kind == "stack":
            return clutter.place_stack(self.client, *group.specs, xy, height, yaw)
        if group.kind == "single":
            return [object_catalogue.spawn(self.client, group.specs[0], (*xy, height), yaw)]
        bodies = clutter.place_row(self.client, group.specs, xy, height, yaw)
        if group.same_colour and group.specs[0].rgba is not None:
            for body in bodies:
                object_catalogue.paint(self.client, body, group.specs[0].rgba)
        return bodies

    def _random_light(self, rng: np.random.Generator) -> Light:
        elevation = np.radians(rng.uniform(*self.config.light_elevation_deg))
        azimuth = rng.uniform(-np.pi, np.pi)
        direction = (np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth),
                     np.sin(elevation))
        intensity = rng.uniform(*self.config.light_intensity)
        tint = rng.uniform(0.9, 1.0, 3)
        return Light(tuple(direction), tuple(np.minimum(intensity * tint, 1.0)),
                     ambient=float(rng.uniform(0.45, 0.7)), diffuse=float(rng.uniform(0.4, 0.6)),
                     specular=float(rng.uniform(0.05, 0.2)))

    def _remove_objects(self) -> None:
        for obj in self.objects():
            pybullet.removeBody(obj.body, physicsClientId=self.client)
        self.scene = None


def _boxes_overlap(low_a, high_a, low_b, high_b, clearance: float) -> bool:
    return bool(np.all(low_a < high_b + clearance) and np.all(low_b < high_a + clearance))


DEFAULT_LIGHT = Light((0.3, 0.3, 1.0), (1.0, 1.0, 1.0), 0.6, 0.5, 0.1)

