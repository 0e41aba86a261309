"""Rendering a configured camera: pinhole-exact projection, metric depth, noise model."""
import numpy as np
import pybullet
import pytest

from seg_by_interaction.core.geometry import PinholeIntrinsics, quaternion_to_matrix
from seg_by_interaction.core.world.camera import Light, render
from seg_by_interaction.core.world.depth_noise import DepthNoise

LIGHT = Light((0.3, 0.2, 1.0), (1.0, 1.0, 1.0), 0.6, 0.5, 0.1)
DOWN = (1.0, 0.0, 0.0, 0.0)  # optical z = world -z, image x = world x, image y = world -y


@pytest.fixture
def client():
    client = pybullet.connect(pybullet.DIRECT)
    yield client
    pybullet.disconnect(client)


def add_box(client, position, half_extents):
    shape = pybullet.createVisualShape(pybullet.GEOM_BOX, halfExtents=half_extents, physicsClientId=client)
    return pybullet.createMultiBody(0, -1, shape, basePosition=position, physicsClientId=client)


@pytest.mark.parametrize("intrinsics", [
    PinholeIntrinsics(width=320, height=240, fx=277.0, fy=270.0, cx=140.0, cy=130.0),
    PinholeIntrinsics(width=640, height=480, fx=500.0, fy=500.0, cx=330.0, cy=250.0),
])
def test_objects_appear_where_the_pinhole_model_projects_them(client, intrinsics):
    """Mask centroids of boxes at random places match the projection of their centres
    (pixel centres at integer coordinates, as in ROS), on average to a tenth of a pixel."""
    eye, rng, errors = np.array([0.0, 0.0, 1.0]), np.random.default_rng(0), []
    for _ in range(30):
        point = np.array([*rng.uniform(-0.2, 0.2, 2), 0.0])
        body = add_box(client, point, [0.03, 0.03, 0.0005])
        rendering = render(client, intrinsics, eye, DOWN, LIGHT, shadows=False)
        rows, cols = np.nonzero(rendering.body_ids == body)
        local = quaternion_to_matrix(DOWN).T @ (point - eye)
        errors.append((cols.mean() - (intrinsics.fx * local[0] / local[2] + intrinsics.cx),
                       rows.mean() - (intrinsics.fy * local[1] / local[2] + intrinsics.cy)))
        pybullet.removeBody(body, physicsClientId=client)
    assert np.all(np.abs(np.mean(errors, axis=0)) < 0.1)


def test_depth_is_distance_along_the_optical_axis_and_nan_where_nothing_is(client):
    intrinsics = PinholeIntrinsics(width=64, height=48, fx=60.0, fy=60.0, cx=32.0, cy=24.0)
    add_box(client, [0.0, 0.0, -0.01], [0.1, 0.1, 0.01])   # top face at z = 0
    rendering = render(client, intrinsics, [0.0, 0.0, 1.0], DOWN, LIGHT)
    centre = rendering.depth[20:28, 28:36]
    assert np.allclose(centre, 1.0, atol=2e-3)
    assert np.isnan(rendering.depth[0, 0]) and rendering.body_ids[0, 0] == -1


def test_noise_grows_with_distance_and_drops_edges():
    noise = DepthNoise(random_dropout=0.0, quantisation_m=0.0)
    rng = np.random.default_rng(0)
    near = noise.apply(np.full((200, 200), 0.5, np.float32), rng)
    far = noise.apply(np.full((200, 200), 2.0, np.float32), rng)
    assert np.nanstd(near) < np.nanstd(far)
    assert np.nanstd(far) == pytest.approx(0.0012 + 0.0019 * 1.6 ** 2, rel=0.1)
    step = np.full((10, 10), 1.0, np.float32)
    step[:, 5:] = 1.5
    dropped = np.isnan(noise.apply(step, rng))
    assert dropped[:, 4:6].all() and not dropped[:, :3].any()


def test_zero_noise_keeps_depth_exact():
    depth = np.random.default_rng(1).uniform(0.5, 2, (20, 20)).astype(np.float32)
    exact = DepthNoise(base_std_m=0, quadratic_std=0, edge_dropout_m=0, random_dropout=0, quantisation_m=0)
    assert np.array_equal(exact.apply(depth, np.random.default_rng(0)), depth)
