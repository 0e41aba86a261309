"""Waiting on a future from a worker thread: its answer, a time limit, and a wait given up
once a cancellation is under way and the other side no longer answers."""
import concurrent.futures
import threading

import pytest

from seg_by_interaction.ros import futures
from seg_by_interaction.ros.futures import Abandoned, wait_for


def test_the_answer_comes_back():
    future = concurrent.futures.Future()
    threading.Timer(0.05, future.set_result, args=("done",)).start()
    assert wait_for(future, 5.0, "the answer") == "done"


def test_no_answer_in_time_is_a_timeout_naming_what_was_awaited():
    with pytest.raises(TimeoutError, match="the motion's result within 0 s") as error:
        wait_for(concurrent.futures.Future(), 0.2, "the motion's result")
    assert not isinstance(error.value, Abandoned)


def test_a_cancelled_wait_gives_the_other_side_a_grace_then_gives_up(monkeypatch):
    monkeypatch.setattr(futures, "ABANDON_GRACE_S", 0.2)
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(Abandoned, match="after the cancellation"):
        wait_for(concurrent.futures.Future(), None, "the interaction", abandon=cancelled)

    answered = concurrent.futures.Future()
    threading.Timer(0.1, answered.set_result, args=("cancelled",)).start()
    assert wait_for(answered, None, "the interaction", abandon=cancelled) == "cancelled"
