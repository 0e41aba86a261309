"""The frame-difference labeler (Pathak et al. 2018) labels what an interaction moved:
the object's mask where it was (or was put down), positive; nothing moved, negative."""
import dataclasses

import numpy as np
import pybullet
import pytest

from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.labelers import LABELERS
from seg_by_interaction.core.labelers.base import Interaction, frame_pairs
from seg_by_interaction.core.labelers.frame_difference import FrameDifferenceParams
from seg_by_interaction.core.validated import ConfigError

HEIGHT, WIDTH = 240, 320


@dataclasses.dataclass(frozen=True)
class Box:
    """An axis-aligned box seen from above: its top face in one colour."""
    u: int
    v: int
    half: int = 20
    colour: tuple = (200, 40, 40)
    height_m: float = 0.04

    def moved(self, du: int, dv: int) -> "Box":
        return dataclasses.replace(self, u=self.u + du, v=self.v + dv)

    def mask(self, scale: int = 1) -> np.ndarray:
        mask = np.zeros((HEIGHT * scale, WIDTH * scale), bool)
        mask[(self.v - self.half) * scale:(self.v + self.half) * scale,
             (self.u - self.half) * scale:(self.u + self.half) * scale] = True
        return mask


def table(scale: int = 1) -> RGBDView:
    """A textured table (10 px tiles of random colours) seen obliquely: farther at the top."""
    tiles = np.random.default_rng(7).integers(60, 180, (HEIGHT // 10, WIDTH // 10, 3), np.uint8)
    rgb = np.kron(tiles, np.ones((10 * scale, 10 * scale, 1), np.uint8))
    rows = np.arange(HEIGHT * scale, dtype=np.float32)[:, None] / scale
    depth = np.broadcast_to(1.2 - 0.3 * rows / HEIGHT, rgb.shape[:2]).astype(np.float32)
    return RGBDView(rgb, depth)


def scene(*boxes: Box, scale: int = 1, noise_seed: int | None = None) -> RGBDView:
    frame = table(scale)
    rgb, depth = frame.rgb.copy(), frame.depth.copy()
    for box in boxes:
        mask = box.mask(scale)
        rgb[mask] = box.colour
        depth[mask] -= box.height_m
    if noise_seed is not None:
        rng = np.random.default_rng(noise_seed)
        rgb = np.clip(rgb + rng.normal(0, 4, rgb.shape), 0, 255).astype(np.uint8)
        depth = (depth + rng.normal(0, 0.002, depth.shape)).astype(np.float32)
        lost = rng.random(depth.shape)
        depth[lost < 0.005] = np.nan
        depth[lost > 0.995] = 0.0
    return RGBDView(rgb, depth)


def without_depth(frame: RGBDView) -> RGBDView:
    return RGBDView(frame.rgb)


def iou(first: np.ndarray, second: np.ndarray) -> float:
    return np.count_nonzero(first & second) / np.count_nonzero(first | second)


def push(before: RGBDView, after: RGBDView, action_px, **kwargs) -> Interaction:
    return Interaction("push", True, True, before, None, after, action_px, **kwargs)


def lift(before: RGBDView, mid: RGBDView, action_px, **kwargs) -> Interaction:
    return Interaction("pick_place", True, False, before, mid, None, action_px, **kwargs)


TARGET = Box(150, 130)
NEIGHBOUR = Box(60, 60, half=15, colour=(30, 60, 210))


@pytest.fixture(scope="module")
def labeler():
    return LABELERS.make("frame_difference")


def test_pick_and_place_labels_the_object_where_it_was_and_where_it_was_put(labeler):
    placed = TARGET.moved(100, 40)
    before, mid, after = scene(TARGET, NEIGHBOUR), scene(NEIGHBOUR), scene(placed, NEIGHBOUR)
    interaction = Interaction("pick_place", True, True, before, mid, after, (150, 130),
                              place_px=(250, 170))
    first, second = labeler.label(interaction)
    assert (first.frame_pair, second.frame_pair) == ("before_mid", "mid_after")
    assert first.positive and second.positive
    assert first.image is before.rgb and second.image is after.rgb
    assert second.action_px == (250, 170)
    assert iou(first.mask, TARGET.mask()) >= 0.8
    assert iou(second.mask, placed.mask()) >= 0.8
    area = first.quality["component_area_px"]
    assert first.reason == f"component of {area} px >= 102 px threshold, 100% of it left"
    assert 0.8 < first.confidence <= 1.0
    assert first.quality["distance_to_action_px"] == 0.0


@pytest.mark.parametrize("with_depth", [True, False])
def test_a_push_labels_the_old_place_without_the_new_one(labeler, with_depth):
    moved = TARGET.moved(24, 10)          # overlaps its old place
    before, after = scene(TARGET), scene(moved)
    if not with_depth:
        before, after = without_depth(before), without_depth(after)
    (label,) = labeler.label(push(before, after, (140, 125)))
    assert label.frame_pair == "before_after" and label.positive
    assert iou(label.mask, TARGET.mask()) >= 0.8
    assert np.count_nonzero(label.mask & moved.mask() & ~TARGET.mask()) < 50


def test_a_lifted_object_that_touched_another_is_labelled_with_what_left(labeler):
    touching = Box(190, 130, colour=(40, 160, 40))        # same height: one surface in depth
    (label,) = labeler.label(lift(scene(TARGET, touching), scene(touching), (150, 130)))
    assert label.positive and iou(label.mask, TARGET.mask()) >= 0.8
    assert label.quality["object_coverage"] == pytest.approx(0.5)
    assert label.quality["left_share"] == 1.0 and "100% of it left" in label.reason
    (alone,) = labeler.label(lift(scene(TARGET), scene(), (150, 130)))
    assert alone.positive and alone.quality["object_coverage"] == 1.0


def test_an_object_lifted_off_a_stack_is_labelled_without_the_one_below(labeler):
    below = Box(150, 130, half=35, colour=(40, 160, 40))
    (label,) = labeler.label(lift(scene(below, TARGET), scene(below), (150, 130)))
    assert label.positive and iou(label.mask, TARGET.mask()) >= 0.8


def test_a_nudge_of_touching_objects_is_negative(labeler):
    touching = Box(190, 130, colour=(40, 160, 40))
    (label,) = labeler.label(push(scene(TARGET, touching), scene(TARGET.moved(-3, 0), touching),
                                  (150, 130)))
    assert not label.positive


def test_a_blocked_pick_labels_what_its_fingers_moved_and_never_a_negative(labeler):
    before, pushed = scene(TARGET, NEIGHBOUR), scene(TARGET.moved(0, 45), NEIGHBOUR)
    blocked = Interaction("pick_place", True, False, before, None, pushed, (150, 130),
                          hypothesis_mask=TARGET.mask())
    (label,) = labeler.label(blocked)
    assert label.frame_pair == "before_after" and label.positive
    assert iou(label.mask, TARGET.mask()) >= 0.8
    unmoved = dataclasses.replace(blocked, after=scene(TARGET, NEIGHBOUR))
    assert labeler.label(unmoved) == []
    nudged = dataclasses.replace(blocked, after=scene(TARGET.moved(6, 0), NEIGHBOUR))
    assert labeler.label(nudged) == []
    assert [pair.positives_only for pair in frame_pairs(unmoved)[0]] == [True]


def test_a_poke_is_labelled_like_a_push(labeler):
    interaction = Interaction("poke", True, True, scene(TARGET), None, scene(TARGET.moved(0, 45)),
                              (150, 130))
    (label,) = labeler.label(interaction)
    assert label.positive and iou(label.mask, TARGET.mask()) >= 0.8


@pytest.mark.parametrize("shift", [0, 2])
def test_nothing_or_barely_moved_is_negative_with_the_tried_mask(labeler, shift):
    hypothesis = TARGET.mask()
    before, after = scene(TARGET, noise_seed=1), scene(TARGET.moved(shift, 0), noise_seed=2)
    (label,) = labeler.label(push(before, after, (150, 130), hypothesis_mask=hypothesis))
    assert not label.positive
    assert label.mask is hypothesis
    assert label.reason
    assert 0.0 <= label.confidence <= 1.0


def test_without_a_hypothesis_a_negative_labels_the_window(labeler):
    (label,) = labeler.label(push(scene(TARGET), scene(TARGET), (150, 130)))
    assert label.reason == "nothing changed in the 165 px window"
    assert label.confidence == 1.0
    rows, cols = np.nonzero(label.mask)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (48, 212, 68, 232)


def test_only_the_object_at_the_action_pixel_is_labelled(labeler):
    near = Box(235, 130, half=12, colour=(40, 200, 40))      # in the window, apart
    far = Box(290, 210, half=15, colour=(40, 40, 40))          # outside the window
    before = scene(TARGET, near, far)
    after = scene(near.moved(0, 30), far.moved(-10, 0))
    (label,) = labeler.label(lift(before, after, (150, 130)))
    assert label.positive and iou(label.mask, TARGET.mask()) >= 0.9
    assert not (label.mask & (near.mask() | far.mask())).any()


def test_sensor_noise_and_missing_depth_readings_are_tolerated(labeler):
    before, mid = scene(TARGET, NEIGHBOUR, noise_seed=3), scene(NEIGHBOUR, noise_seed=4)
    (label,) = labeler.label(lift(before, mid, (150, 130)))
    assert label.positive and iou(label.mask, TARGET.mask()) >= 0.8


def test_the_shadow_of_a_lifted_object_is_left_out_with_depth(labeler):
    before, mid = scene(TARGET), scene()
    shadow = TARGET.moved(15, 15).mask() & ~TARGET.mask()
    before.rgb[shadow] = (before.rgb[shadow] * 0.5).astype(np.uint8)
    (label,) = labeler.label(lift(before, mid, (150, 130)))
    assert label.positive and iou(label.mask, TARGET.mask()) >= 0.9
    assert np.count_nonzero(label.mask & shadow) < 0.05 * np.count_nonzero(shadow)
    assert label.quality["removed_px"] > 0.8 * np.count_nonzero(shadow)


def test_the_nearest_changed_component_is_taken_within_reach(labeler):
    before, mid = scene(TARGET), scene()
    (beside,) = labeler.label(lift(before, mid, (174, 130)))       # 5 px right of the box
    assert beside.positive and beside.quality["distance_to_action_px"] == pytest.approx(5.0)
    (far,) = labeler.label(lift(before, mid, (209, 130)))
    assert not far.positive
    assert far.reason == "no changed pixel within 14 px of the action (nearest at 40 px)"


def test_window_and_area_threshold_scale_with_the_resolution():
    params = FrameDifferenceParams()
    assert params.scaled_window_px(350, 430) == 240
    assert params.scaled_min_area_px(350, 430) == 200
    assert params.scaled_window_px(240, 320) == 165
    assert params.scaled_min_area_px(240, 320) == 102
    assert params.scaled_action_distance_px(240, 320) == 14
    assert params.scaled_window_px(480, 640) == 329
    assert params.scaled_min_area_px(480, 640) == 408


def test_a_scene_twice_the_size_gives_the_same_label_at_scale(labeler):
    before, mid = scene(TARGET, NEIGHBOUR, scale=2), scene(NEIGHBOUR, scale=2)
    (label,) = labeler.label(lift(before, mid, (300, 260)))
    assert label.positive and iou(label.mask, TARGET.mask(scale=2)) >= 0.9
    assert label.quality["window_px"] == 329 and label.quality["min_area_px"] == 408


def test_pairs_that_cannot_be_labelled_say_why(labeler):
    before, after = scene(TARGET), scene()
    no_after = push(before, None, (150, 130))
    assert labeler.label(no_after) == []
    assert frame_pairs(no_after)[1] == {"before_after": "the interaction has no after frame"}
    untouched = dataclasses.replace(push(before, after, (150, 130)), attempted=False)
    assert labeler.label(untouched) == []
    assert "not attempted" in frame_pairs(untouched)[1]["before_after"]
    dropped = Interaction("pick_place", True, False, before, after, after, (150, 130), (20, 20))
    assert [label.frame_pair for label in labeler.label(dropped)] == ["before_mid"]
    assert "did not succeed" in frame_pairs(dropped)[1]["mid_after"]
    unplaced = dataclasses.replace(dropped, succeeded=True, place_px=None)
    assert frame_pairs(unplaced)[1] == {"mid_after": "the interaction has no place pixel"}
    no_mid = dataclasses.replace(unplaced, mid=None, after=None)
    assert labeler.label(no_mid) == []
    assert frame_pairs(no_mid)[1] == {"before_after": "the interaction has no after frame"}


def test_bad_interactions_raise_errors_that_name_the_problem():
    before = scene(TARGET)
    small = RGBDView(before.rgb[:120, :160], before.depth[:120, :160])
    with pytest.raises(ValueError, match="after frame is 160x120 but the before frame is 320x240"):
        push(before, small, (10, 10))
    with pytest.raises(ValueError, match="the mid rgb has dtype float64; expected uint8"):
        lift(before, RGBDView(before.rgb.astype(float)), (10, 10))
    with pytest.raises(ValueError, match="the after depth has dtype float64"):
        push(before, RGBDView(before.rgb, before.depth.astype(np.float64)), (10, 10))
    with pytest.raises(ValueError, match=r"the before depth must be an array of the rgb's size"):
        push(RGBDView(before.rgb, before.depth[:10]), before, (10, 10))
    with pytest.raises(ValueError, match=r"action pixel \(u=320, v=5\) is outside the 320x240"):
        push(before, before, (320, 5))
    with pytest.raises(ValueError, match="place pixel .* outside the 320x240 after image"):
        Interaction("pick_place", True, True, before, before, before, (5, 5), (-1, 5))
    with pytest.raises(ValueError, match="two finite numbers"):
        push(before, before, (float("nan"), 5))
    with pytest.raises(ValueError, match="unknown primitive 'grasp'"):
        Interaction("grasp", True, True, before, None, before, (5, 5))
    with pytest.raises(ValueError, match="hypothesis mask must be a 320x240 bool array"):
        push(before, before, (5, 5), hypothesis_mask=np.ones((240, 320), np.uint8))


def test_labelers_are_made_by_name_from_validated_parameters():
    assert LABELERS.make("frame_difference", {"window_px": 200}).params.window_px == 200
    with pytest.raises(ConfigError, match="unknown key"):
        LABELERS.make("frame_difference", {"window": 200})
    with pytest.raises(ConfigError, match="below the minimum"):
        LABELERS.make("frame_difference", {"colour_threshold": 0})
    with pytest.raises(KeyError, match="unknown labeler 'hsv_difference'"):
        LABELERS.make("hsv_difference")


def test_labels_an_object_lifted_out_of_a_simulated_scene(labeler):
    from seg_by_interaction.core.robot_config import load_robot_config
    from seg_by_interaction.core.world.arena import Arena

    arena = Arena(load_robot_config("sawyer"), with_robot=False)
    try:
        scene_info = arena.reset_scene("train", 5)
        before = arena.observe()
        target = scene_info.objects[0]
        pybullet.resetBasePositionAndOrientation(target.body, [3.0, 0.0, -0.5], [0, 0, 0, 1],
                                                 physicsClientId=arena.client)
        mid = arena.observe()
    finally:
        arena.close()
    truth = before.instance_mask == target.instance_id
    rows, cols = np.nonzero(truth)
    action = (float(np.median(cols)), float(np.median(rows)))
    (label,) = labeler.label(lift(RGBDView(before.rgb, before.depth), RGBDView(mid.rgb, mid.depth),
                                  action))
    assert label.positive and iou(label.mask, truth) >= 0.7
