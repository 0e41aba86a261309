"""The bottom-up RGB baseline ranks a contrasting compact object first."""
import types

import numpy as np

from seg_by_interaction.core.hypotheses.baselines import METHODS


def test_a_contrasting_square_on_a_plain_table_is_the_best_proposal():
    rgb = np.full((120, 160, 3), (200, 190, 170), np.uint8)
    rng = np.random.default_rng(0)
    rgb = np.clip(rgb + rng.normal(0, 3, rgb.shape), 0, 255).astype(np.uint8)   # sensor noise
    truth = np.zeros((120, 160), bool)
    truth[40:70, 60:95] = True
    rgb[truth] = (30, 60, 160)
    view = types.SimpleNamespace(rgb=rgb, depth=np.full((120, 160), np.nan), intrinsics=None)
    proposals = METHODS.make("bottom_up")(view)
    assert proposals, "no proposals"
    best = proposals[0].mask
    assert (best & truth).sum() / (best | truth).sum() > 0.7   # its blurred rim is a segment of its own
    assert [p.score for p in proposals] == sorted((p.score for p in proposals), reverse=True)


def test_a_segment_found_at_two_scales_is_proposed_once():
    from seg_by_interaction.core.hypotheses.baselines.bottom_up import _without_duplicates
    from seg_by_interaction.core.masks import Proposal

    square = np.zeros((64, 64), bool)
    square[8:40, 8:40] = True
    grown = square.copy()
    grown[8:41, 8:41] = True                     # the same segment one pixel larger
    beside = np.zeros((64, 64), bool)
    beside[44:60, 44:60] = True
    proposals = [Proposal(square, 0.9), Proposal(grown, 0.8), Proposal(beside, 0.7)]
    kept = _without_duplicates(proposals, max_iou=0.9, step=1)
    assert [p.score for p in kept] == [0.9, 0.7]
    assert _without_duplicates([], max_iou=0.9) == []
