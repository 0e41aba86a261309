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
