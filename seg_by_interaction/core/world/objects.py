"""The objects of the simulated world, in shape families, split into train / val / test
like Pathak et al. 2018's objects, so that evaluation can use objects the robot never
trained on.

An object is named `<family>_<index>` (`box_3`, `cylinder_201`, `compound_100`,
`mesh_417`) or, for the hand-picked toys from pybullet_data, by its own name (`duck`).
The name alone determines the object (shape, size, colour, mass, friction); the index
ranges of the splits do not overlap, and each toy belongs to one split only.

Families:
- `box`: cuboids.
- `cylinder`: cylinders standing on a flat end (a lying cylinder rolls away);
  height 0.6 to 2 diameters.
- `compound`: L and T shapes, two boxes fused into one rigid body (one link, so one
  segment), lying flat.
- `flat`: cards (thin boxes) and discs (thin cylinders) 3 to 9 mm tall, which depth
  hardly tells from the table; too thin for the gripper, so they are exempt from its
  limits, and scenes hold them only where their layout asks for them (see arena).
- `mesh`: the procedural random shapes `pybullet_data/random_urdfs/NNN/NNN.obj` (knobbly
  blobs and crosses of a few convex parts; "rocks" in the code), turned into
  their most stable resting pose and scaled so their narrow side is 3 to 6 cm (and
  their long side at most 10 cm); rocks that would rest too elongated or too flat, or
  whose vertices are broken (168), are skipped.
- `toy`: meshes from pybullet_data (duck, teddy, lego, mug, bunny, ...), scaled to fit,
  upright or in their most stable resting pose.

Meshes collide as the convex hulls of the objects (`o` groups) in their collision OBJ:
the rocks and the duck, teddy and mug come already split into convex parts; the other
toys are one hull each (no VHACD), so a torus's hole is solid to the physics while
rendered open. The centre of mass is the centre of the mesh's AABB; its resting pose is
computed from the convex hull of all its vertices.

Every catalogue object but the flat ones fits the parallel gripper (8.5 cm opening):
resting, its narrow horizontal side is 2.5 to 7 cm and it is at least 1.5 cm tall. Colours are random
(deterministic from the name), with no care to differ from the table's textures.

`objects_from_folder` adds user objects (URDF files and OBJ meshes, family and split
`user`); `spawn` puts any of them on the table of a PyBullet client.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import os
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path

import numpy as np
import pybullet
import pybullet_data

FAMILIES = ("box", "cylinder", "compound", "mesh", "toy", "flat")
PROCEDURAL = ("box", "cylinder", "compound", "mesh", "flat")   # named <family>_<index>
SPLITS = ("train", "val", "test")
# Per procedural family: train, val and test take disjoint index ranges; the catalogue
# lists the first few of each range, any index in a range is a valid object.
SPLIT_RANGES = {"train": range(0, 100), "val": range(100, 200), "test": range(200, 300)}
CATALOGUE_COUNTS = {"box": {"train": 8, "val": 2, "test": 3},
                    "cylinder": {"train": 8, "val": 2, "test": 3},
                    "compound": {"train": 6, "val": 2, "test": 3},
                    "mesh": {"train": 11, "val": 2, "test": 4},
                    "flat": {"train": 6, "val": 2, "test": 3}}
# The rocks of pybullet_data/random_urdfs (000 to 999) split by number.
MESH_RANGES = {"train": range(0, 600), "val": range(600, 800), "test": range(800, 1000)}

DATA = Path(pybullet_data.getDataPath())
# Toys: (split, visual OBJ, OBJ whose hull collides, per-axis scale, rpy that turns it
# upright or None for its most stable resting pose, mass kg).
_HALF_PI = math.pi / 2
TOYS = {
    "duck": ("train", "duck.obj", "duck_vhacd.obj", (0.035,) * 3, None, 0.08),
    "lego": ("train", "lego/lego.obj", "lego/lego.obj", (0.15,) * 3, (_HALF_PI, 0, 0), 0.06),
    "mug": ("train", "objects/mug.obj", "objects/mug_col.obj", (0.7,) * 3, (0, 0, 0), 0.15),
    "sorter_cube": ("train", "toys/cube.obj", "toys/cube.obj", (0.6,) * 3, None, 0.08),
    "torus": ("train", "torus/torus_textured.obj", "torus/torus_textured.obj", (0.045,) * 3,
              (_HALF_PI, 0, 0), 0.08),
    "sorter_prism": ("val", "toys/prism.obj", "toys/prism.obj", (0.6,) * 3, None, 0.08),
    "stone": ("val", "stone.obj", "stone.obj", (0.12, 0.12, 0.14), None, 0.12),
    "teddy": ("test", "teddy2_VHACD_CHs.obj", "teddy2_VHACD_CHs.obj", (0.06,) * 3, None, 0.08),
    "bunny": ("test", "bunny.obj", "bunny.obj", (0.045,) * 3, (_HALF_PI, 0, 0), 0.1),
    "jenga": ("test", "jenga/jenga.obj", "jenga/jenga.obj", (0.12, 0.04, 0.028), (0, 0, 0),
              0.05),
    "sorter_cylinder": ("test", "toys/cylinder.obj", "toys/cylinder.obj", (0.6,) * 3, None,
                        0.08),
}

# Gripper and table limits every catalogue object respects (metres).
NARROW_SIDE = (0.025, 0.07)
MIN_HEIGHT = 0.015
FLAT_HEIGHT = (0.003, 0.009)
USER_MAX_SIZE = 0.12       # an OBJ from a user folder is scaled down to this largest side
USER_MASS = 0.1            # kg, for user OBJ meshes
USER_FRICTION = (0.8, 0.001, 0.002)   # lateral, rolling, spinning
MESH_CLEARANCE = 0.001     # a mesh's collision margin: spawned this far above the table


class ObjectError(ValueError):
    """An object name is unknown, or an object file cannot be used."""


@dataclasses.dataclass(frozen=True)
class ObjectSpec:
    """Everything needed to build one object; lengths in metres, mass in kg.

    `kind` says how to build it:
    - "box": `dimensions` = (x, y, z) full side lengths;
    - "cylinder": `dimensions` = (radius, height), axis vertical;
    - "compound": `dimensions` = (x, y, z, cx, cy, cz) per box part, flattened: its side
      lengths and its centre in the body frame (the body frame is at the centre of mass);
    - "mesh": `mesh_file` (visual OBJ) and `collision_file` (OBJ colliding as its convex
      hull, or the hulls of its parts), each scaled per axis by `scale`, then turned by
      quaternion `mesh_orientation` (x, y, z, w) and shifted by `mesh_offset` into the
      body frame, whose origin is the centre of mass;
    - "urdf": `mesh_file` is a URDF loaded with global scaling `scale[0]`.
    `rgba` None keeps the file's own colours (a textured OBJ's texture is tinted by it).
    `bounds` is the shape's AABB in the body frame at yaw 0 (xmin, ymin, zmin, xmax, ymax,
    zmax): `size` is its footprint and height as spawned.
    """
    name: str
    family: str
    split: str
    kind: str
    rgba: tuple[float, float, float, float] | None
    mass: float
    lateral_friction: float
    rolling_friction: float
    spinning_friction: float
    bounds: tuple[float, float, float, float, float, float]
    dimensions: tuple[float, ...] = ()
    mesh_file: str = ""
    collision_file: str = ""
    scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    mesh_orientation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    mesh_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def size(self) -> tuple[float, float, float]:
        """Side lengths (x, y, z) of the AABB at yaw 0."""
        low, high = np.array(self.bounds[:3]), np.array(self.bounds[3:])
        return tuple(float(v) for v in high - low)


# ---------------------------------------------------------------- the catalogue

def object_names(split: str) -> list[str]:
    """The catalogue's objects of `split`, every family represented."""
    _check_split(split)
    names = []
    for family in ("box", "cylinder", "compound", "flat"):
        start = SPLIT_RANGES[split].start
        names += [f"{family}_{start + i}" for i in range(CATALOGUE_COUNTS[family][split])]
    rocks = (i for i in MESH_RANGES[split] if _rock_is_suitable(i))
    names += [f"mesh_{next(rocks)}" for _ in range(CATALOGUE_COUNTS["mesh"][split])]
    names += [name for name, toy in TOYS.items() if toy[0] == split]
    return names


def catalogue(split: str) -> list[ObjectSpec]:
    return [object_spec(name) for name in object_names(split)]


@functools.lru_cache(maxsize=None)
def object_spec(name: str) -> ObjectSpec:
    """The object called `name`; the same name always gives the same object."""
    if name in TOYS:
        return _toy(name)
    family, _, index = name.rpartition("_")
    if family not in PROCEDURAL or not index.isdigit() or str(int(index)) != index:
        raise ObjectError(f"'{name}' is not <family>_<index> with a family in {PROCEDURAL} "
                          f"nor a toy in {sorted(TOYS)}")
    index = int(index)
    ranges = MESH_RANGES if family == "mesh" else SPLIT_RANGES
    split = next((s for s, r in ranges.items() if index in r), None)
    if split is None:
        spans = [(r.start, r.stop - 1) for r in ranges.values()]
        raise ObjectError(f"'{name}': index {index} lies in no split; "
                          f"{family} indices are {spans}")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    common = dict(name=name, family=family, split=split, rgba=_colour(rng),
                  lateral_friction=float(rng.uniform(0.5, 0.9)),
                  rolling_friction=float(rng.uniform(0.0005, 0.002)),
                  spinning_friction=float(rng.uniform(0.001, 0.003)))
    return _BUILDERS[family](rng, index, common)


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split '{split}'; use one of {sorted(SPLITS)}")


def _colour(rng) -> tuple[float, float, float, float]:
    return (*(float(c) for c in rng.uniform(0.05, 0.95, 3)), 1.0)


def _mass(rng, volume: float) -> float:
    """Mass from a density between light wood and plastic, kept graspable."""
    return float(np.clip(volume * rng.uniform(250, 700), 0.03, 0.4))


def _box(rng, index, common):
    narrow = rng.uniform(0.025, 0.065)
    long = rng.uniform(narrow, min(3 * narrow, 0.13))
    height = rng.uniform(0.025, min(0.10, 2.5 * narrow))
    x, y = (narrow, long) if rng.random() < 0.5 else (long, narrow)
    return _box_spec(rng, float(x), float(y), float(height), common)


def _cylinder(rng, index, common):
    radius = float(rng.uniform(0.014, 0.034))
    height = float(np.clip(2 * radius * rng.uniform(0.6, 2.0), 0.025, 0.12))
    return _cylinder_spec(rng, radius, height, common)


def _box_spec(rng, x: float, y: float, height: float, common) -> ObjectSpec:
    return ObjectSpec(kind="box", dimensions=(x, y, height), mass=_mass(rng, x * y * height),
                      bounds=(-x / 2, -y / 2, -height / 2, x / 2, y / 2, height / 2), **common)


def _cylinder_spec(rng, radius: float, height: float, common) -> ObjectSpec:
    return ObjectSpec(kind="cylinder", dimensions=(radius, height),
                      mass=_mass(rng, math.pi * radius ** 2 * height),
                      bounds=(-radius, -radius, -height / 2, radius, radius, height / 2),
                      **common)


def _compound(rng, index, common):
    """An L (arm at one end of the bar) or a T (arm at its middle), lying flat: the bar
    along x, the arm sticking out along +y, so the whole is at most 7 cm across y."""
    thickness = rng.uniform(0.025, 0.045)
    length, width = rng.uniform(0.08, 0.12), rng.uniform(0.025, 0.035)
    arm_width, arm_out = rng.uniform(0.025, 0.035), rng.uniform(0.025, 0.034)
    shape = "L" if rng.random() < 0.5 else "T"
    arm_x = (length - arm_width) / 2 if shape == "L" else 0.0
    parts = np.array([[length, width, thickness, 0.0, 0.0, 0.0],
                      [arm_width, arm_out, thickness, arm_x, (width + arm_out) / 2, 0.0]])
    volumes = parts[:, :3].prod(axis=1)
    centre_of_mass = (parts[:, 3:] * volumes[:, None]).sum(axis=0) / volumes.sum()
    parts[:, 3:] -= centre_of_mass
    low = (parts[:, 3:] - parts[:, :3] / 2).min(axis=0)
    high = (parts[:, 3:] + parts[:, :3] / 2).max(axis=0)
    return ObjectSpec(kind="compound", dimensions=tuple(float(v) for v in parts.ravel()),
                      mass=_mass(rng, volumes.sum()),
                      bounds=tuple(float(v) for v in (*low, *high)), **common)


def _flat(rng, index, common):
    """A card (a thin box, 4-10 x 3-7 cm) or a disc (a thin cylinder, 4-9 cm across)."""
    height = float(rng.uniform(*FLAT_HEIGHT))
    if rng.random() < 0.5:
        return _cylinder_spec(rng, float(rng.uniform(0.02, 0.045)), height, common)
    return _box_spec(rng, float(rng.uniform(0.04, 0.10)), float(rng.uniform(0.03, 0.07)),
                     height, common)


def _rock(rng, index, common):
    path = str(_rock_path(index))
    if not _rock_is_suitable(index):
        raise ObjectError(f"'{common['name']}': {path} is too flat, too thin or broken "
                          "to be a catalogue object")
    narrow, wide, _ = _rock_shape(index)
    factor = float(min(rng.uniform(0.03, 0.06) / narrow, 0.10 / wide))
    scale = (factor,) * 3
    orientation, offset, bounds = _mesh_pose(path, scale, None)
    volume = float(np.prod(np.array(bounds[3:]) - np.array(bounds[:3]))) * 0.5
    return ObjectSpec(kind="mesh", mesh_file=path, collision_file=path, scale=scale,
                      mesh_orientation=orientation, mesh_offset=offset,
                      mass=_mass(rng, volume), bounds=bounds, **common)


def _toy(name: str) -> ObjectSpec:
    split, visual, collision, scale, rpy, mass = TOYS[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    orientation, offset, bounds = _mesh_pose(str(DATA / collision), scale, rpy)
    return ObjectSpec(name=name, family="toy", split=split, kind="mesh", rgba=_colour(rng),
                      mass=mass, lateral_friction=float(rng.uniform(0.5, 0.9)),
                      rolling_friction=0.001, spinning_friction=0.002, bounds=bounds,
                      mesh_file=str(DATA / visual), collision_file=str(DATA / collision),
                      scale=tuple(float(s) for s in scale), mesh_orientation=orientation,
                      mesh_offset=offset)


_BUILDERS = {"box": _box, "cylinder": _cylinder, "compound": _compound, "mesh": _rock,
             "flat": _flat}


def _rock_path(index: int) -> Path:
    return DATA / "random_urdfs" / f"{index:03d}" / f"{index:03d}.obj"


@functools.lru_cache(maxsize=None)
def _rock_shape(index: int) -> tuple[float, float, float]:
    """Narrow and wide horizontal side and height of a rock in its resting pose, unscaled."""
    _, _, bounds = _mesh_pose(str(_rock_path(index)), (1.0, 1.0, 1.0), None)
    size = np.array(bounds[3:]) - np.array(bounds[:3])
    return float(size[:2].min()), float(size[:2].max()), float(size[2])


@functools.lru_cache(maxsize=None)
def _rock_is_suitable(index: int) -> bool:
    """A rock is used if its vertices are finite and, resting, it is not much longer than
    wide (at most 2.5 times) and at least half as tall as it is narrow (so, scaled to fit
    the gripper, it stays at least 1.5 cm tall: neither a stick nor a sheet)."""
    try:
        narrow, wide, height = _rock_shape(index)
    except ObjectError:
        return False
    return wide <= 2.5 * narrow and height >= 0.5 * narrow


# ---------------------------------------------------------------- mesh geometry

def _obj_vertices(path: str) -> np.ndarray:
    """The vertices of an OBJ file (n x 3, read-only); an ObjectError names the file if it
    has none, has unreadable or non-finite ones, or they span no volume."""
    try:
        modified = os.stat(path).st_mtime_ns
    except OSError as error:
        raise ObjectError(f"{path}: cannot read: {error}") from error
    return _read_obj(path, modified)


@functools.lru_cache(maxsize=128)
def _read_obj(path: str, modified: int) -> np.ndarray:
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as error:
        raise ObjectError(f"{path}: cannot read: {error}") from error
    vertices = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("v "):
            try:
                vertices.append([float(v) for v in line.split()[1:4]])
            except ValueError:
                raise ObjectError(f"{path}:{number}: bad vertex line '{line.strip()}'") from None
            if len(vertices[-1]) != 3:
                raise ObjectError(f"{path}:{number}: a vertex needs 3 coordinates: "
                                  f"'{line.strip()}'")
    if len(vertices) < 4:
        raise ObjectError(f"{path}: not an OBJ mesh with a volume ({len(vertices)} vertices)")
    vertices = np.array(vertices)
    if not np.isfinite(vertices).all():
        raise ObjectError(f"{path}: has non-finite vertices")
    if np.linalg.matrix_rank(vertices[1:] - vertices[0], tol=1e-9) < 3:
        raise ObjectError(f"{path}: its vertices are flat (no volume to collide with)")
    vertices.flags.writeable = False
    return vertices


def _mesh_pose(path: str, scale, rpy) -> tuple[tuple, tuple, tuple]:
    """How a mesh sits in its body: the orientation (quaternion) and offset that turn the
    scaled mesh by `rpy`, or else into its most stable resting pose, and put its centre
    of mass at the body origin; and its AABB then. The centre of mass is taken as the
    centre of the mesh's AABB (close to a solid's centroid whatever the tessellation),
    or the mean of its vertices if that centre lies outside the convex hull."""
    points = _obj_vertices(path) * np.asarray(scale, float)
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    reach = points @ _SPHERE.T
    if np.any(_SPHERE @ centre > reach.max(axis=0) - 1e-3 * np.ptp(points, axis=0).max()):
        centre = points.mean(axis=0)
    points = points - centre
    if rpy is None:
        # Only the (near) hull vertices matter: those furthest out in some direction.
        rotation = _resting_rotation(points[np.unique(reach.argmax(axis=0))])
    else:
        rotation = np.reshape(pybullet.getMatrixFromQuaternion(
            pybullet.getQuaternionFromEuler(rpy)), (3, 3))
    placed = points @ rotation.T
    return (_quaternion(rotation), tuple(float(v) for v in -rotation @ centre),
            tuple(float(v) for v in (*placed.min(axis=0), *placed.max(axis=0))))


def _fibonacci_sphere(count: int) -> np.ndarray:
    """`count` unit vectors spread evenly over the sphere."""
    k = np.arange(count) + 0.5
    polar, azimuth = np.arccos(1 - 2 * k / count), math.pi * (1 + 5 ** 0.5) * k
    return np.stack([np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth),
                     np.cos(polar)], axis=1)


_SPHERE = _fibonacci_sphere(2000)       # about 4.5 degrees apart


def _resting_rotation(points: np.ndarray) -> np.ndarray:
    """The rotation that sets a convex body with its centre of mass at the origin on the
    face where that centre is lowest (the most stable resting pose: the minimum of the
    support function over directions), then turns it about the vertical so its
    horizontal AABB is smallest."""
    def height(directions):            # centre of mass height when resting towards each
        return (points @ directions.T).max(axis=0)
    best = _SPHERE[np.argmin(height(_SPHERE))]
    rng = np.random.default_rng(0)
    for step in (0.05, 0.02, 0.01, 0.003, 0.001):
        candidates = best + step * rng.standard_normal((200, 3))
        candidates = np.vstack([best, candidates / np.linalg.norm(candidates, axis=1)[:, None]])
        best = candidates[np.argmin(height(candidates))]
    down = _rotation_between(best, np.array([0.0, 0.0, -1.0]))
    flat = (points @ down.T)[:, :2]
    angles = np.radians(np.arange(0.0, 90.0, 1.0))
    along = np.stack([np.cos(angles), -np.sin(angles)], axis=1)     # x after each yaw
    across = np.stack([np.sin(angles), np.cos(angles)], axis=1)      # y after each yaw
    areas = np.ptp(flat @ along.T, axis=0) * np.ptp(flat @ across.T, axis=0)
    return _yaw(angles[int(np.argmin(areas))]) @ down


def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rotation matrix turning unit vector a onto unit vector b."""
    axis, cos = np.cross(a, b), float(np.dot(a, b))
    if np.linalg.norm(axis) < 1e-9:
        if cos > 0:
            return np.eye(3)
        other = np.array([1.0, 0.0, 0.0]) if abs(a[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        axis = np.cross(a, other)
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    skew = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + skew + skew @ skew / (1 + cos)


def _yaw(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _quaternion(rotation: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, z, w) of a rotation matrix."""
    m = rotation
    w = math.sqrt(max(0.0, 1 + m[0, 0] + m[1, 1] + m[2, 2])) / 2
    x = math.copysign(math.sqrt(max(0.0, 1 + m[0, 0] - m[1, 1] - m[2, 2])) / 2, m[2, 1] - m[1, 2])
    y = math.copysign(math.sqrt(max(0.0, 1 - m[0, 0] + m[1, 1] - m[2, 2])) / 2, m[0, 2] - m[2, 0])
    z = math.copysign(math.sqrt(max(0.0, 1 - m[0, 0] - m[1, 1] + m[2, 2])) / 2, m[1, 0] - m[0, 1])
    return (x, y, z, w)


def footprint_radius(spec: ObjectSpec) -> float:
    """Radius of a vertical cylinder about the spawn position that holds the object at
    any yaw (the half diagonal of its horizontal AABB; the radius for a cylinder)."""
    if spec.kind == "cylinder":
        return spec.dimensions[0]
    dx, dy, _ = spec.size
    return 0.5 * math.hypot(dx, dy)


# ---------------------------------------------------------------- user objects

def objects_from_folder(path: str | os.PathLike) -> list[ObjectSpec]:
    """User objects: every URDF file under `path`, and every OBJ file no URDF there refers
    to, sorted by path. Names are `user_<file stem>` (made unique with `_2`, `_3`, ...).

    A URDF keeps its own geometry, scale, colours and masses; it only gets the default
    friction. An OBJ mesh becomes one rigid body colliding as the convex hull of each
    object (`o` group) in the file (no VHACD),
    z up, of mass USER_MASS, scaled down so its largest side is at most USER_MAX_SIZE
    (12 cm; smaller meshes keep their size). A malformed file raises ObjectError naming it.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ObjectError(f"{folder}: not a folder")
    urdfs = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".urdf" and p.is_file())
    referenced = set()
    for urdf in urdfs:
        referenced |= _urdf_meshes(urdf)
    objs = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".obj" and p.is_file()
                  and p.resolve() not in referenced)
    specs, taken = [], set()
    for file in sorted(urdfs + objs):
        name, n = f"user_{file.stem}", 2
        while name in taken:
            name, n = f"user_{file.stem}_{n}", n + 1
        taken.add(name)
        specs.append(_user_urdf(name, file) if file.suffix.lower() == ".urdf"
                     else _user_obj(name, file))
    return specs


def _urdf_meshes(urdf: Path) -> set[Path]:
    """The mesh files a URDF refers to (resolved); an ObjectError names a malformed URDF
    or a missing mesh."""
    try:
        root = ElementTree.parse(urdf).getroot()
    except (ElementTree.ParseError, OSError) as error:
        raise ObjectError(f"{urdf}: not a readable URDF: {error}") from error
    if root.tag != "robot" or root.find("link") is None:
        raise ObjectError(f"{urdf}: not a URDF (needs a <robot> with at least one <link>)")
    meshes = set()
    for mesh in root.iter("mesh"):
        filename = mesh.get("filename", "")
        if filename.startswith("package://"):
            continue  # resolved by pybullet's search path, if at all
        file = (urdf.parent / filename).resolve()
        if not file.is_file():
            raise ObjectError(f"{urdf}: mesh file '{filename}' not found")
        meshes.add(file)
    return meshes


def _user_urdf(name: str, file: Path) -> ObjectSpec:
    client = pybullet.connect(pybullet.DIRECT)
    try:
        try:
            body = pybullet.loadURDF(str(file), physicsClientId=client)
        except pybullet.error as error:
            raise ObjectError(f"{file}: PyBullet cannot load this URDF ({error})") from None
        low, high = _body_aabb(client, body)
        masses = [pybullet.getDynamicsInfo(body, link, physicsClientId=client)[0]
                  for link in range(-1, pybullet.getNumJoints(body, physicsClientId=client))]
    finally:
        pybullet.disconnect(client)
    if sum(masses) <= 0:
        raise ObjectError(f"{file}: has no mass, so it would be fixed in place")
    return ObjectSpec(name=name, family="user", split="user", kind="urdf", rgba=None,
                      mass=float(sum(masses)), lateral_friction=USER_FRICTION[0],
                      rolling_friction=USER_FRICTION[1], spinning_friction=USER_FRICTION[2],
                      bounds=tuple(float(v) for v in (*low, *high)), mesh_file=str(file.resolve()))


def _user_obj(name: str, file: Path) -> ObjectSpec:
    largest = float(np.ptp(_obj_vertices(str(file)), axis=0).max())
    scale = (min(1.0, USER_MAX_SIZE / largest),) * 3
    orientation, offset, bounds = _mesh_pose(str(file), scale, (0.0, 0.0, 0.0))
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return ObjectSpec(name=name, family="user", split="user", kind="mesh", rgba=_colour(rng),
                      mass=USER_MASS, lateral_friction=USER_FRICTION[0],
                      rolling_friction=USER_FRICTION[1], spinning_friction=USER_FRICTION[2],
                      bounds=bounds, mesh_file=str(file.resolve()),
                      collision_file=str(file.resolve()), scale=scale, mesh_offset=offset,
                      mesh_orientation=orientation)


# ---------------------------------------------------------------- spawning

def spawn(client: int, spec: ObjectSpec, position, yaw: float = 0.0) -> int:
    """Create `spec` in PyBullet client `client` turned by `yaw` (rad) about the vertical,
    its footprint (AABB at yaw 0) centred on position x, y and its bottom at position z;
    returns the body id. Contacts are inelastic and slightly damped so objects settle and
    stop rather than bounce, jitter or slide on."""
    orientation = pybullet.getQuaternionFromEuler((0.0, 0.0, yaw))
    scale = spec.scale[0] if spec.kind == "urdf" else 1.0
    centre = scale * (np.array(spec.bounds[:2]) + np.array(spec.bounds[3:5])) / 2
    cos, sin = math.cos(yaw), math.sin(yaw)
    turned = np.array([cos * centre[0] - sin * centre[1], sin * centre[0] + cos * centre[1]])
    body = _create(client, spec, orientation)
    if spec.kind == "urdf":   # its link frame is not its centre of mass: measure
        low, _ = _body_aabb(client, body)
        bottom = low[2]
    else:                     # body frame at the centre of mass, created at the origin
        bottom = spec.bounds[2] - (MESH_CLEARANCE if spec.kind == "mesh" else 0.0)
    base, _ = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)
    shift = (position[0] - turned[0], position[1] - turned[1], position[2] - bottom)
    pybullet.resetBasePositionAndOrientation(body, np.add(base, shift), orientation,
                                             physicsClientId=client)
    for link in range(-1, pybullet.getNumJoints(body, physicsClientId=client)):
        pybullet.changeDynamics(body, link, lateralFriction=spec.lateral_friction,
                                rollingFriction=spec.rolling_friction,
                                spinningFriction=spec.spinning_friction, restitution=0.0,
                                linearDamping=0.1, angularDamping=0.1,
                                physicsClientId=client)
    if spec.rgba is not None:
        paint(client, body, spec.rgba)
    return body


def paint(client: int, body: int, rgba) -> None:
    """Colour every link of a body (a textured mesh's texture is tinted by it)."""
    for link in range(-1, pybullet.getNumJoints(body, physicsClientId=client)):
        pybullet.changeVisualShape(body, link, rgbaColor=rgba, physicsClientId=client)


def _create(client: int, spec: ObjectSpec, orientation) -> int:
    at = dict(basePosition=(0, 0, 0), baseOrientation=orientation, physicsClientId=client)
    if spec.kind == "urdf":
        try:
            return pybullet.loadURDF(spec.mesh_file, globalScaling=spec.scale[0], **at)
        except pybullet.error as error:
            raise ObjectError(f"{spec.mesh_file}: PyBullet cannot load this URDF ({error})") \
                from None
    colour = spec.rgba or (1.0, 1.0, 1.0, 1.0)
    if spec.kind in ("box", "compound"):
        parts = np.reshape(spec.dimensions, (-1, 6)) if spec.kind == "compound" \
            else [(*spec.dimensions, 0.0, 0.0, 0.0)]
        halves = [[float(v) / 2 for v in part[:3]] for part in parts]
        centres = [[float(v) for v in part[3:]] for part in parts]
        n = len(parts)
        collision = pybullet.createCollisionShapeArray(
            [pybullet.GEOM_BOX] * n, halfExtents=halves, collisionFramePositions=centres,
            physicsClientId=client)
        visual = pybullet.createVisualShapeArray(
            [pybullet.GEOM_BOX] * n, halfExtents=halves, visualFramePositions=centres,
            rgbaColors=[colour] * n, physicsClientId=client)
    elif spec.kind == "cylinder":
        radius, height = spec.dimensions
        collision = pybullet.createCollisionShape(pybullet.GEOM_CYLINDER, radius=radius,
                                                  height=height, physicsClientId=client)
        visual = pybullet.createVisualShape(pybullet.GEOM_CYLINDER, radius=radius, length=height,
                                            rgbaColor=colour, physicsClientId=client)
    elif spec.kind == "mesh":
        # PyBullet collides with the convex hull of each object (`o`) of the OBJ file.
        try:
            collision = pybullet.createCollisionShape(
                pybullet.GEOM_MESH, fileName=spec.collision_file or spec.mesh_file,
                meshScale=spec.scale, collisionFramePosition=spec.mesh_offset,
                collisionFrameOrientation=spec.mesh_orientation, physicsClientId=client)
            visual = pybullet.createVisualShape(
                pybullet.GEOM_MESH, fileName=spec.mesh_file, meshScale=spec.scale,
                visualFramePosition=spec.mesh_offset,
                visualFrameOrientation=spec.mesh_orientation, rgbaColor=colour,
                physicsClientId=client)
        except pybullet.error as error:
            raise ObjectError(f"{spec.mesh_file}: PyBullet cannot build this mesh ({error})") \
                from None
        if collision < 0 or visual < 0:
            raise ObjectError(f"{spec.mesh_file}: PyBullet cannot build this mesh")
    else:
        raise ObjectError(f"{spec.name}: unknown kind '{spec.kind}'")
    return pybullet.createMultiBody(spec.mass, collision, visual, **at)


def _body_aabb(client: int, body: int) -> tuple[np.ndarray, np.ndarray]:
    """The AABB of all links of a body."""
    boxes = [pybullet.getAABB(body, link, physicsClientId=client)
             for link in range(-1, pybullet.getNumJoints(body, physicsClientId=client))]
    return (np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0))
