"""Interactive singulation's rule on synthetic top-down scenes: which regions are
uncertain, where the push goes, and the judgement after it."""
import numpy as np
import pytest

from seg_by_interaction.core.geometry import PinholeIntrinsics, Pose
from seg_by_interaction.core.hypotheses.hypothesis import hypotheses_from_proposals
from seg_by_interaction.core.interaction.singulation import (SceneDepth, UncertainRegion,
                                                             check_roi, choose_push, footprint_m,
                                                             in_region, resolved,
                                                             uncertain_regions)
from seg_by_interaction.core.interaction.singulation_params import SingulationParams
from seg_by_interaction.core.masks import Proposal

# A camera 1 m above the table looking straight down: 1 px is 5 mm on the table.
K = PinholeIntrinsics(width=200, height=160, fx=200.0, fy=200.0, cx=100.0, cy=80.0)
DOWN = (1.0, 0.0, 0.0, 0.0)    # optical z = world -z, u along world +x, v along world -y
CAMERA = Pose(position=(0.0, 0.0, 1.0), orientation_xyzw=DOWN)
PARAMS = SingulationParams()
OFFSET_M = 0.08                # the push starts this far behind its point


def box(u0, v0, width_px, height_px):
    mask = np.zeros((160, 200), bool)
    mask[v0:v0 + height_px, u0:u0 + width_px] = True
    return mask


def scene(*objects, height_m=0.03):
    depth = np.full((160, 200), 1.0)
    for mask in objects:
        depth[mask] = 1.0 - height_m
    return SceneDepth(depth, K, CAMERA, table_height=0.0)


def hypotheses(view, *scored_masks):
    proposals = [Proposal(mask, score) for mask, score in scored_masks]
    return hypotheses_from_proposals(proposals, "model", view.depth, K, CAMERA, limit=20)


def test_objects_apart_and_confident_leave_no_doubt():
    a, b = box(40, 60, 8, 8), box(120, 60, 8, 8)
    view = scene(a, b)
    assert uncertain_regions(hypotheses(view, (a, 0.9), (b, 0.8)), view, PARAMS) == []


def test_touching_objects_segmented_apart_are_a_doubtful_pair():
    a, b = box(60, 60, 8, 8), box(68, 60, 12, 12)
    view = scene(a, b)
    regions = uncertain_regions(hypotheses(view, (a, 0.9), (b, 0.9)), view, PARAMS)
    assert [(r.cue, sorted(r.members)) for r in regions] == [("touching", [0, 1])]
    assert (regions[0].mask == (a | b)).all()


def test_a_gap_wider_than_touching_gap_px_is_no_doubt():
    a, b = box(60, 60, 8, 8), box(60 + 8 + PARAMS.touching_gap_px + 1, 60, 8, 8)
    view = scene(a, b)
    assert uncertain_regions(hypotheses(view, (a, 0.9), (b, 0.9)), view, PARAMS) == []


def test_one_segment_wider_than_an_object_is_oversized():
    merged = box(60, 50, 20, 18) | box(80, 50, 20, 18)     # two 10 x 9 cm objects as one
    view = scene(merged)
    regions = uncertain_regions(hypotheses(view, (merged, 0.9)), view, PARAMS)
    assert [r.cue for r in regions] == ["oversized"]
    width, length = footprint_m(merged, view)
    # 3rd to 97th percentile of a 9 x 20 cm footprint
    assert 0.08 < width < 0.09 and 0.17 < length < 0.2


def test_two_discs_merged_are_concave():
    v, u = np.mgrid[0:160, 0:200]
    discs = (np.hypot(u - 90, v - 80) <= 5) | (np.hypot(u - 100, v - 80) <= 5)
    view = scene(discs)
    assert [r.cue for r in uncertain_regions(hypotheses(view, (discs, 0.9)), view, PARAMS)] == ["concave"]


def test_overlapping_guesses_come_first_and_swallow_their_lesser_doubts():
    a, b = box(60, 60, 10, 10), box(66, 60, 10, 10)         # 40 % of either is shared
    low = box(140, 60, 8, 8)
    view = scene(a, b, low)
    regions = uncertain_regions(hypotheses(view, (a, 0.9), (b, 0.8), (low, 0.1)), view, PARAMS)
    assert [(r.cue, sorted(r.members)) for r in regions] == [("overlap", [0, 1]), ("low_score", [2])]


def test_region_of_interest_selects_by_centroid_and_is_checked():
    a, b = box(20, 20, 8, 8), box(150, 100, 8, 8)
    view = scene(a, b)
    found = in_region(hypotheses(view, (a, 0.9), (b, 0.8)), (100, 80, 100, 80))
    assert [h.shape.centroid_px for h in found] == [pytest.approx((153.5, 103.5))]
    check_roi(None, 160, 200)
    check_roi((0, 0, 200, 160), 160, 200)
    with pytest.raises(ValueError, match="leaves the 200x160 image"):
        check_roi((150, 0, 60, 10), 160, 200)
    with pytest.raises(ValueError, match="empty"):
        check_roi((10, 10, 0, 5), 160, 200)


def test_a_touching_pair_is_pushed_along_the_neighbour_not_into_it():
    small, large = box(60, 60, 8, 8), box(68, 56, 16, 16)   # 4 cm and 8 cm wide
    view = scene(small, large)
    found = hypotheses(view, (small, 0.9), (large, 0.9))
    region = uncertain_regions(found, view, PARAMS)[0]
    push = choose_push(region, found, view, OFFSET_M, PARAMS)
    assert (push.hypothesis.mask == small).all()
    # straight away from the neighbour (-x) the fingers would start behind it (+x) and
    # push it into the small one; turned until their way misses it
    assert push.turned_deg != 0.0
    start = push.target[:2] - push.direction[:2] * OFFSET_M
    neighbour_min_x = (68 - K.cx) * 0.005
    assert start[0] < neighbour_min_x - PARAMS.start_clearance_m or abs(push.turned_deg) == 90.0
    assert push.direction[0] <= 1e-9          # never toward the neighbour
    assert np.linalg.norm(push.direction) == pytest.approx(1.0)


def test_a_pair_with_a_free_way_is_pushed_straight_apart():
    a, b = box(60, 60, 8, 8), box(70, 60, 8, 8)              # 1 cm apart
    params = SingulationParams(touching_gap_px=2, start_clearance_m=0.01)
    view = scene(a, b)
    found = hypotheses(view, (a, 0.9), (b, 0.9))
    region = uncertain_regions(found, view, params)[0]
    push = choose_push(region, found, view, 0.02, params)   # descends in the gap
    assert push.turned_deg == 0.0
    assert abs(push.direction[0]) == pytest.approx(1.0)


def test_a_merged_segment_is_pushed_across_its_suspected_boundary():
    merged = box(60, 50, 20, 18) | box(80, 50, 20, 18)
    view = scene(merged)
    found = hypotheses(view, (merged, 0.9))
    region = uncertain_regions(found, view, PARAMS)[0]
    push = choose_push(region, found, view, OFFSET_M, PARAMS)
    # the point lies on one half; straight away from the other half the fingers would
    # have to pass through it, so the push slides the half along the suspected boundary
    assert abs(push.target_px[0] - 80) > 5 and 50 <= push.target_px[1] < 68
    assert abs(push.turned_deg) == 90.0 and abs(push.direction[1]) > 0.99


def test_no_push_when_every_spot_around_is_taken():
    centre = box(90, 70, 10, 10)
    ring = box(50, 30, 100, 100) & ~box(88, 68, 14, 14)
    view = scene(centre, ring)
    found = hypotheses(view, (centre, 0.1))
    region = UncertainRegion("low_score", (0,), centre)
    assert choose_push(region, found, view, OFFSET_M, PARAMS) is None


def test_a_region_is_resolved_when_no_doubt_is_left_where_it_was():
    region = UncertainRegion("touching", (0, 1), box(60, 60, 16, 8))
    elsewhere = UncertainRegion("low_score", (3,), box(150, 10, 8, 8))
    still = UncertainRegion("oversized", (0,), box(62, 60, 20, 8))
    assert resolved(region, [elsewhere])
    assert not resolved(region, [elsewhere, still])


def test_settings_are_validated():
    from seg_by_interaction.core.validated import ConfigError, from_dict

    with pytest.raises(ConfigError):
        from_dict(SingulationParams, {"min_score": 1.5})
