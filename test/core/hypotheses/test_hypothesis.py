"""Hypotheses from proposals, and the distinct ones among overlapping alternatives."""
import numpy as np

from seg_by_interaction.core.hypotheses.hypothesis import distinct, hypotheses_from_proposals
from seg_by_interaction.core.masks import Proposal
from top_down_boxes import K, LOOKING_DOWN, boxes_seen_from_above


def test_parts_and_merges_of_better_hypotheses_are_set_aside():
    depth, (left, right) = boxes_seen_from_above((-0.03, 0.0, 0.04, 0.06, 0.05),
                                                 (0.03, 0.0, 0.04, 0.06, 0.05))
    half = left & (np.arange(left.shape[1]) < np.nonzero(left)[1].mean())
    proposals = [Proposal(left | right, 0.3), Proposal(half, 0.2), Proposal(right, 0.8),
                 Proposal(left, 0.9)]
    hypotheses = hypotheses_from_proposals(proposals, "test", depth, K, LOOKING_DOWN, 10)
    kept = distinct(hypotheses, 0.5)
    assert [h.score for h in kept] == [0.9, 0.8]
    assert distinct(hypotheses, 1.0) == hypotheses          # nothing set aside
