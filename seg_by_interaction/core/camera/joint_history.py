"""The joint states of the last seconds, ordered by stamp, to find the one nearest an
image's time (for a camera on a moving link).

Stamps come from the graph and are not trusted: a state stamped ahead of the node's
clock is refused, and each state that arrives drops those stamped more than keep_s
before or after it. So a clock that restarted (a simulator) leaves nothing of the old
one behind, a stamp from the future that got through (before the node's clock started)
is gone with the next valid state, and states arriving a little out of order are kept. The node's clock only
refuses: a node on wall time still follows joint states on simulated time."""
from __future__ import annotations

import bisect

KEEP_S = 10.0             # an image is looked up within seconds of its stamp
MAX_FUTURE_S = 0.5        # as for images (core/camera/sync.py)


class JointHistory:
    def __init__(self, keep_s: float = KEEP_S, max_future_s: float = MAX_FUTURE_S):
        self._keep_ns = int(keep_s * 1e9)
        self._max_future_ns = int(max_future_s * 1e9)
        self._stamps: list[int] = []
        self._positions: list[dict[str, float]] = []

    def __len__(self) -> int:
        return len(self._stamps)

    def add(self, stamp_ns: int, positions: dict[str, float], now_ns: int) -> None:
        """Keep a joint state; ValueError for one stamped ahead of `now_ns` (0: the clock
        has not started)."""
        if now_ns > 0 and stamp_ns - now_ns > self._max_future_ns:
            raise ValueError(f"joint state stamped {(stamp_ns - now_ns) / 1e9:.3f} s in the "
                             "future")
        index = bisect.bisect(self._stamps, stamp_ns)
        self._stamps.insert(index, stamp_ns)
        self._positions.insert(index, positions)
        self._drop_outside(stamp_ns)

    def nearest(self, stamp_ns: int, within_s: float) -> dict[str, float] | None:
        """The positions stamped nearest `stamp_ns`, if within `within_s` of it."""
        index = bisect.bisect(self._stamps, stamp_ns)
        candidates = [i for i in (index - 1, index) if 0 <= i < len(self._stamps)]
        if not candidates:
            return None
        best = min(candidates, key=lambda i: abs(self._stamps[i] - stamp_ns))
        if abs(self._stamps[best] - stamp_ns) > within_s * 1e9:
            return None
        return self._positions[best]

    def _drop_outside(self, arrived_ns: int) -> None:
        first = bisect.bisect_left(self._stamps, arrived_ns - self._keep_ns)
        last = bisect.bisect_right(self._stamps, arrived_ns + self._keep_ns)
        del self._stamps[last:], self._positions[last:]
        del self._stamps[:first], self._positions[:first]
