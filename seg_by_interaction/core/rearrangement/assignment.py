"""Minimum-cost one-to-one assignment (the Hungarian method, in its shortest augmenting
path form with row and column potentials), for the small matrices of segment matching."""
from __future__ import annotations

import numpy as np


def min_cost_assignment(cost: np.ndarray) -> list[tuple[int, int]]:
    """(row, column) pairs assigning min(rows, columns) rows to distinct columns with the
    least total cost, sorted by row."""
    cost = np.asarray(cost, float)
    if cost.ndim != 2 or not np.all(np.isfinite(cost)):
        raise ValueError(f"expected a finite 2-D cost matrix, got shape {cost.shape}")
    if cost.shape[0] > cost.shape[1]:
        return sorted((row, col) for col, row in min_cost_assignment(cost.T))
    rows, cols = cost.shape
    potentials = (np.zeros(rows + 1), np.zeros(cols + 1))
    owner = np.zeros(cols + 1, int)          # owner[j]: 1-based row holding column j; 0 = free
    for row in range(1, rows + 1):
        owner[0] = row
        came_from, column = _shortest_augmenting_path(cost, owner, *potentials)
        while column:                         # shift the rows along the path by one column
            previous = came_from[column]
            owner[column] = owner[previous]
            column = previous
    return sorted((int(owner[col]) - 1, col - 1) for col in range(1, cols + 1) if owner[col])


def _shortest_augmenting_path(cost, owner, row_potential, col_potential
                              ) -> tuple[np.ndarray, int]:
    """Grow the shortest alternating path from the row in owner[0] until it reaches a
    free column, keeping reduced costs non-negative by adjusting the potentials in
    place; (came_from, free column), came_from[j] being the column before j."""
    cols = cost.shape[1]
    slack = np.full(cols + 1, np.inf)
    came_from = np.zeros(cols + 1, int)
    used = np.zeros(cols + 1, bool)
    column = 0
    while True:
        used[column] = True
        row = owner[column]
        free = ~used[1:]
        reduced = cost[row - 1] - row_potential[row] - col_potential[1:]
        better = free & (reduced < slack[1:])
        slack[1:][better] = reduced[better]
        came_from[1:][better] = column
        candidates = np.where(free, slack[1:], np.inf)
        column = int(np.argmin(candidates)) + 1
        delta = candidates[column - 1]
        row_potential[owner[used]] += delta
        col_potential[used] -= delta
        slack[~used] -= delta
        if owner[column] == 0:
            return came_from, column
