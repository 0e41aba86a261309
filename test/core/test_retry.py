import pytest

from seg_by_interaction.core.retry import Backoff, OutageTooLong


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_delays_double_up_to_their_cap_and_the_outage_ends_at_the_limit():
    clock = Clock()
    backoff = Backoff(limit_s=60.0, first_s=1.0, max_s=8.0, clock=clock)
    delays = []
    with pytest.raises(OutageTooLong, match="gave up after 55 s of retries, the limit being 60 s"):
        while True:
            delays.append(backoff.next_delay(TimeoutError("no segment service")))
            clock.now += delays[-1]
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]


def test_an_answer_starts_the_count_afresh():
    clock = Clock()
    backoff = Backoff(limit_s=10.0, first_s=2.0, max_s=30.0, clock=clock)
    clock.now += backoff.next_delay(TimeoutError()) + backoff.next_delay(TimeoutError())
    backoff.answered()
    clock.now += 100.0
    assert backoff.next_delay(TimeoutError()) == 2.0
