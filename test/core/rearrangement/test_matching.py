"""Similarities from the four cues, and one-to-one matching that leaves dissimilar
segments unmatched."""
import numpy as np
import pytest

from seg_by_interaction.core.rearrangement.features import Descriptor
from seg_by_interaction.core.rearrangement.matching import MatchingParams, match, similarities
from seg_by_interaction.core.validated import ConfigError, from_dict


def descriptor(appearance, hue_bin, area, xy):
    vector = np.asarray(appearance, float)
    colour = np.zeros(48)
    colour[hue_bin] = 1.0
    return Descriptor(vector / np.linalg.norm(vector), colour, area, np.asarray(xy, float))


RED = descriptor([1, 0, 0], 0, 400, (0.6, 0.0))
GREEN = descriptor([0, 1, 0], 16, 900, (0.7, 0.1))


def test_the_same_object_is_most_similar_even_when_moved():
    moved_red = descriptor([1, 0, 0], 0, 400, (0.7, -0.1))
    similarity = similarities([moved_red, GREEN], [RED, GREEN])
    assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]
    assert similarity[1, 1] == pytest.approx(1.0)
    assert np.all((0 <= similarity) & (similarity <= 1))


def test_each_cue_counts_by_its_weight():
    only_colour = MatchingParams(appearance_weight=0, size_weight=0, position_weight=0)
    recoloured = descriptor([1, 0, 0], 16, 400, (0.6, 0.0))
    assert similarities([recoloured], [RED], only_colour)[0, 0] == 0.0
    only_size = MatchingParams(appearance_weight=0, colour_weight=0, position_weight=0)
    assert similarities([GREEN], [RED], only_size)[0, 0] == pytest.approx(400 / 900)


def test_matches_are_one_to_one_and_dissimilar_pairs_stay_unmatched():
    similarity = np.array([[0.9, 0.8, 0.1],
                           [0.85, 0.2, 0.1]])
    matching = match(similarity, min_similarity=0.5)
    assert {(m.current, m.goal) for m in matching.matches} == {(0, 1), (1, 0)}
    assert matching.unmatched_goal == (2,) and matching.unmatched_current == ()
    assert matching.of_goal(1).similarity == pytest.approx(0.8)
    strict = match(similarity, min_similarity=0.82)
    assert [(m.current, m.goal) for m in strict.matches] == [(1, 0)]
    assert strict.unmatched_current == (0,) and strict.unmatched_goal == (1, 2)


def test_an_empty_scene_matches_nothing():
    matching = match(np.zeros((0, 2)), 0.5)
    assert matching.matches == () and matching.unmatched_goal == (0, 1)


def test_weights_must_leave_a_cue():
    with pytest.raises(ConfigError, match="positive weight"):
        from_dict(MatchingParams, {"appearance_weight": 0, "colour_weight": 0, "size_weight": 0,
                                   "position_weight": 0}, "matching")
