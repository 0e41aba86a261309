"""The geometric depth baseline finds the objects standing on a table."""
import types

import numpy as np

from seg_by_interaction.core.geometry import PinholeIntrinsics
from seg_by_interaction.core.hypotheses.baselines import METHODS
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.world.arena import Arena


def test_finds_each_object_of_a_simulated_scene_with_high_iou():
    arena = Arena(load_robot_config("sawyer"))
    try:
        scene = arena.reset_scene("val", 3)
        view = arena.observe()
    finally:
        arena.close()
    proposals = METHODS.make("depth_clusters")(view)
    assert [p.score for p in proposals] == sorted((p.score for p in proposals), reverse=True)
    for obj in scene.objects:
        truth = view.instance_mask == obj.instance_id
        best = max((truth & p.mask).sum() / (truth | p.mask).sum() for p in proposals)
        assert best > 0.7, obj.name


def plane_view(with_box: bool):
    """A 320x240 camera 0.6 m above a table looking straight down (like the Sawyer's);
    optionally a 6 x 4 x 5 cm box on the table."""
    intrinsics = PinholeIntrinsics(width=320, height=240, fx=300.0, fy=300.0, cx=160.0, cy=120.0)
    depth = np.full((240, 320), 0.6, np.float32)
    truth = np.zeros((240, 320), bool)
    if with_box:
        truth[100:122, 140:173] = True       # 6 x 4 cm seen from 0.55 m: 33 x 22 px
        depth[truth] = 0.55
    return types.SimpleNamespace(rgb=np.zeros((240, 320, 3), np.uint8), depth=depth,
                                 intrinsics=intrinsics), truth


def test_a_bare_table_gives_no_proposals_and_a_box_gives_one():
    method = METHODS.make("depth_clusters")
    bare, _ = plane_view(with_box=False)
    assert method(bare) == []
    view, truth = plane_view(with_box=True)
    proposals = method(view)
    assert len(proposals) == 1
    assert (proposals[0].mask & truth).sum() / (proposals[0].mask | truth).sum() > 0.9
    assert proposals[0].score > 0.9
