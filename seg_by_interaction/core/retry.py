"""Waiting out a server's outage: retries with exponential backoff up to a stated limit."""
from __future__ import annotations

import time


class OutageTooLong(RuntimeError):
    """The server stayed away longer than the limit."""


class Backoff:
    """Delays between retries while a server does not answer: `first_s`, doubling up to
    `max_s`; once `limit_s` have passed since the first unanswered try, the next failure
    raises OutageTooLong. An answer starts the count afresh."""

    def __init__(self, limit_s: float, first_s: float = 1.0, max_s: float = 30.0,
                 clock=time.monotonic):
        self.limit_s, self.first_s, self.max_s = limit_s, first_s, max_s
        self._clock = clock
        self._since: float | None = None
        self._delay = first_s

    def answered(self) -> None:
        self._since, self._delay = None, self.first_s

    def next_delay(self, error: Exception) -> float:
        """Seconds to wait before the next try after `error`; OutageTooLong past the limit."""
        now = self._clock()
        if self._since is None:
            self._since = now
        waited = now - self._since
        if waited + self._delay > self.limit_s:
            raise OutageTooLong(f"{error} (gave up after {waited:.0f} s of retries, the limit "
                                f"being {self.limit_s:g} s)") from error
        delay, self._delay = self._delay, min(2 * self._delay, self.max_s)
        return delay
