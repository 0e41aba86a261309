"""The Hungarian method against exhaustive search."""
import itertools

import numpy as np
import pytest

from seg_by_interaction.core.rearrangement.assignment import min_cost_assignment


def cheapest_total(cost: np.ndarray) -> float:
    rows, cols = cost.shape
    size = min(rows, cols)
    return min(sum(cost[r, c] for r, c in zip(chosen_rows, chosen_cols))
               for chosen_rows in itertools.combinations(range(rows), size)
               for chosen_cols in itertools.permutations(range(cols), size))


@pytest.mark.parametrize("seed", range(40))
def test_the_assignment_is_one_to_one_and_cheapest(seed):
    rng = np.random.default_rng(seed)
    rows, cols = (int(n) for n in rng.integers(1, 6, 2))
    cost = rng.integers(0, 5, (rows, cols)).astype(float)      # ties included
    pairs = min_cost_assignment(cost)
    assert len(pairs) == min(rows, cols)
    assert len({r for r, _ in pairs}) == len({c for _, c in pairs}) == len(pairs)
    assert sum(cost[r, c] for r, c in pairs) == pytest.approx(cheapest_total(cost))


def test_a_greedy_choice_is_not_taken_when_it_costs_more_overall():
    cost = np.array([[1.0, 2.0], [1.0, 10.0]])
    assert min_cost_assignment(cost) == [(0, 1), (1, 0)]


def test_an_empty_side_assigns_nothing_and_bad_costs_are_refused():
    assert min_cost_assignment(np.zeros((0, 3))) == []
    with pytest.raises(ValueError, match="finite"):
        min_cost_assignment(np.array([[np.nan]]))
