"""The object catalogue: split without overlap, deterministic, and every object rests
stably on a table and fits the gripper; user objects from a folder."""
import math
import time

import numpy as np
import pybullet
import pybullet_data
import pytest

from seg_by_interaction.core.world import objects
from seg_by_interaction.core.world.objects import (FAMILIES, SPLITS, ObjectError, catalogue,
                                                   footprint_radius, object_names, object_spec,
                                                   objects_from_folder, spawn)

PROCEDURAL, MESHES = {"box", "cylinder", "compound"}, {"mesh", "toy"}
SETTLE_STEPS = 480            # 2 s at 240 Hz


@pytest.fixture
def client():
    """A DIRECT client with gravity and a ground plane at z = 0, disconnected after."""
    client = pybullet.connect(pybullet.DIRECT)
    pybullet.setGravity(0, 0, -9.81, physicsClientId=client)
    pybullet.loadURDF(f"{pybullet_data.getDataPath()}/plane.urdf", physicsClientId=client)
    yield client
    pybullet.disconnect(client)


def _settle(client, steps=SETTLE_STEPS):
    for _ in range(steps):
        pybullet.stepSimulation(physicsClientId=client)


def _tilt_deg(client, body):
    _, orientation = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)
    up = np.reshape(pybullet.getMatrixFromQuaternion(orientation), (3, 3))[:, 2]
    return math.degrees(math.acos(np.clip(up[2], -1, 1)))


def test_splits_are_large_disjoint_and_cover_the_families():
    splits = {split: object_names(split) for split in SPLITS}
    assert len(splits["train"]) >= 36 and len(splits["val"]) >= 8 and len(splits["test"]) >= 15
    all_names = [name for names in splits.values() for name in names]
    assert len(set(all_names)) == len(all_names)
    for split, names in splits.items():
        specs = [object_spec(name) for name in names]
        assert all(spec.split == split for spec in specs)
        families = {spec.family for spec in specs}
        assert families == set(FAMILIES), split
        assert families & PROCEDURAL and families & MESHES


def test_specs_are_deterministic_from_the_name():
    names = object_names("test") + ["box_57", "cylinder_150", "compound_299"]
    first = [object_spec(name) for name in names]
    object_spec.cache_clear()
    assert [object_spec(name) for name in names] == first
    assert len({spec.rgba for spec in first}) == len(first), "each object its own colour"
    assert object_spec("box_1") != object_spec("box_2")


@pytest.mark.parametrize("name", ["box", "sphere_1", "box_x", "box_007", "box_300", "mesh_168",
                                  "cylinder_-1"])
def test_bad_names_are_rejected(name):
    with pytest.raises(ObjectError, match=name):
        object_spec(name)


def test_unknown_split_is_rejected():
    with pytest.raises(ValueError, match="unknown split 'holdout'"):
        object_names("holdout")


@pytest.mark.parametrize("split", SPLITS)
def test_every_object_but_the_flat_ones_fits_the_gripper(split):
    for spec in (spec for spec in catalogue(split) if spec.family != "flat"):
        dx, dy, dz = spec.size
        assert objects.NARROW_SIDE[0] <= min(dx, dy) <= objects.NARROW_SIDE[1] == 0.07, \
            (spec.name, spec.size)
        assert dz >= objects.MIN_HEIGHT and max(spec.size) <= 0.15, (spec.name, spec.size)
        assert 0.02 <= spec.mass <= 0.5 and 0.3 <= spec.lateral_friction <= 1.0


def test_flat_objects_are_cards_and_discs_under_a_centimetre_tall():
    flat = [spec for split in SPLITS for spec in catalogue(split) if spec.family == "flat"]
    assert {spec.kind for spec in flat} == {"box", "cylinder"}
    for spec in flat:
        assert spec.size[2] < 0.01 and 0.04 <= max(spec.size) <= 0.1, (spec.name, spec.size)


def _expected_base(spec, position, yaw):
    """Where spawn should put the body origin (its centre of mass): footprint centre on
    position x, y, the bottom of its bounds on position z (a mesh 1 mm higher)."""
    centre = (np.array(spec.bounds[:2]) + np.array(spec.bounds[3:5])) / 2
    c, s = math.cos(yaw), math.sin(yaw)
    lift = objects.MESH_CLEARANCE if spec.kind == "mesh" else 0.0
    return (position[0] - (c * centre[0] - s * centre[1]),
            position[1] - (s * centre[0] + c * centre[1]), position[2] - spec.bounds[2] + lift)


@pytest.mark.parametrize("split", SPLITS)
def test_every_object_spawns_resting_on_the_table_and_stays(client, split):
    """Spawned at yaw 0 its footprint is spec.size (checked to fit the gripper above);
    it must then hardly move: no fall, no tilt, no slide, and come to rest. (PyBullet's
    getAABB of a mesh made of rotated convex parts is up to 2 cm looser than its shape,
    so the footprint is checked through the pose, not through getAABB.)"""
    bodies = []
    for i, spec in enumerate(catalogue(split)):
        position = (0.3 * (i % 8), 0.3 * (i // 8), 0.0)
        body = spawn(client, spec, position, yaw=0.0)
        start, _ = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)
        assert np.allclose(start, _expected_base(spec, position, 0.0), atol=1e-6), spec.name
        low, _ = pybullet.getAABB(body, physicsClientId=client)
        assert -0.025 < low[2] <= 0.001, (spec.name, low)
        bodies.append((spec, body, start))
    _settle(client)
    for spec, body, start in bodies:
        end, _ = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)
        linear, angular = pybullet.getBaseVelocity(body, physicsClientId=client)
        assert np.linalg.norm(linear) < 0.005 and np.linalg.norm(angular) < 0.05, spec.name
        assert 0 < end[2] < spec.size[2], (spec.name, end)            # on the plane, upright
        assert abs(end[2] - start[2]) < 0.005, (spec.name, start, end)  # it did not fall
        assert math.dist(end[:2], start[:2]) < 0.01, spec.name          # nor slide or roll
        assert _tilt_deg(client, body) < 10, spec.name


def test_spawn_centres_the_footprint_at_any_yaw(client):
    for i, spec in enumerate(catalogue("val") + [object_spec("compound_1")]):
        position, yaw = (0.4 * i, 0.0, 0.1), 1.0 + i
        body = spawn(client, spec, position, yaw=yaw)
        base, orientation = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)
        assert np.allclose(base, _expected_base(spec, position, yaw), atol=1e-6), spec.name
        assert pybullet.getEulerFromQuaternion(orientation)[2] == pytest.approx(
            math.remainder(yaw, 2 * math.pi), abs=1e-6)


@pytest.mark.parametrize("split", SPLITS)
def test_footprint_radius_holds_the_object(split):
    for spec in catalogue(split):
        centre = (np.array(spec.bounds[:2]) + np.array(spec.bounds[3:5])) / 2
        if spec.kind in ("box", "compound"):
            parts = np.reshape(spec.dimensions, (-1, 6)) if spec.kind == "compound" \
                else np.array([[*spec.dimensions, 0, 0, 0]])
            points = np.array([part[3:5] + np.array(corner) * part[:2] / 2 for part in parts
                               for corner in ((-1, -1), (-1, 1), (1, -1), (1, 1))])
        elif spec.kind == "cylinder":
            points = np.array([[spec.dimensions[0], 0.0]])
        else:
            rotation = np.reshape(pybullet.getMatrixFromQuaternion(spec.mesh_orientation), (3, 3))
            points = (objects._obj_vertices(spec.collision_file) * spec.scale @ rotation.T
                      + spec.mesh_offset)[:, :2]
        reach = np.linalg.norm(points - centre, axis=1).max()
        assert reach <= footprint_radius(spec) + 1e-9, spec.name
        assert footprint_radius(spec) < 0.09, spec.name


def test_spawning_the_test_split_is_fast(client):
    specs = catalogue("test")
    start = time.perf_counter()
    for i, spec in enumerate(specs):
        spawn(client, spec, (0.3 * i, 0.0, 0.0), yaw=0.5 * i)
    elapsed = time.perf_counter() - start
    print(f"spawned {len(specs)} test objects in {elapsed * 1000:.0f} ms")
    assert elapsed < 2.0


# ---------------------------------------------------------------- user objects

CUBE_OBJ = """# a 20 cm cube, off-centre
v 0 0 0
v 0.2 0 0
v 0.2 0.2 0
v 0 0.2 0
v 0 0 0.2
v 0.2 0 0.2
v 0.2 0.2 0.2
v 0 0.2 0.2
f 1 2 3 4
f 5 6 7 8
f 1 2 6 5
f 2 3 7 6
f 3 4 8 7
f 4 1 5 8
"""

BOX_URDF = """<?xml version="1.0"?>
<robot name="block">
  <link name="block">
    <inertial>
      <mass value="0.2"/>
      <inertia ixx="1e-4" ixy="0" ixz="0" iyy="1e-4" iyz="0" izz="1e-4"/>
    </inertial>
    <visual><geometry><box size="0.04 0.06 0.05"/></geometry></visual>
    <collision><geometry><box size="0.04 0.06 0.05"/></geometry></collision>
  </link>
</robot>
"""


def test_objects_from_folder_loads_obj_and_urdf(client, tmp_path):
    (tmp_path / "cube.obj").write_text(CUBE_OBJ)
    (tmp_path / "block.urdf").write_text(BOX_URDF)
    specs = objects_from_folder(tmp_path)
    assert [spec.name for spec in specs] == ["user_block", "user_cube"]
    block, cube = specs
    assert {block.family, block.split, cube.family, cube.split} == {"user"}
    assert block.kind == "urdf" and block.mass == pytest.approx(0.2)
    assert cube.kind == "mesh" and cube.mass == objects.USER_MASS
    assert max(cube.size) == pytest.approx(0.12)                       # scaled down to 12 cm
    assert np.allclose(block.size, (0.04, 0.06, 0.05), atol=0.005)
    bodies = [spawn(client, spec, (0.3 * i, 0.0, 0.0), yaw=0.3) for i, spec in enumerate(specs)]
    _settle(client)
    for spec, body in zip(specs, bodies):
        z = pybullet.getBasePositionAndOrientation(body, physicsClientId=client)[0][2]
        assert 0 < z < spec.size[2] and _tilt_deg(client, body) < 5, spec.name
        assert np.linalg.norm(pybullet.getBaseVelocity(body, physicsClientId=client)[0]) < 0.01


def test_obj_referenced_by_a_urdf_is_not_loaded_twice(tmp_path):
    (tmp_path / "shape.obj").write_text(CUBE_OBJ)
    (tmp_path / "shape.urdf").write_text(
        BOX_URDF.replace('<box size="0.04 0.06 0.05"/>',
                         '<mesh filename="shape.obj" scale="0.2 0.2 0.2"/>'))
    assert [spec.name for spec in objects_from_folder(tmp_path)] == ["user_shape"]


@pytest.mark.parametrize("file,content,message", [
    ("bad.obj", "v 0 0 0\nv 1 x 0\n", r"bad\.obj:2: bad vertex"),
    ("flat.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 3 4\n", r"flat\.obj: .*flat"),
    ("empty.obj", "# nothing\n", r"empty\.obj: not an OBJ mesh"),
    ("bad.urdf", "<robot name='x'><link name='a'>", r"bad\.urdf: not a readable URDF"),
    ("other.urdf", "<sdf/>", r"other\.urdf: not a URDF"),
    ("lost.urdf", BOX_URDF.replace('<box size="0.04 0.06 0.05"/>', '<mesh filename="gone.obj"/>'),
     r"lost\.urdf: mesh file 'gone\.obj' not found"),
    ("static.urdf", BOX_URDF.replace('value="0.2"', 'value="0"'), r"static\.urdf: has no mass"),
])
def test_broken_files_give_an_error_naming_the_file(tmp_path, file, content, message):
    (tmp_path / "good.obj").write_text(CUBE_OBJ)
    (tmp_path / file).write_text(content)
    with pytest.raises(ObjectError, match=message):
        objects_from_folder(tmp_path)


def test_missing_folder_is_rejected(tmp_path):
    with pytest.raises(ObjectError, match="not a folder"):
        objects_from_folder(tmp_path / "nowhere")
