"""The online trainer's training thread yields the CPU to the loop: its niceness rises,
the node's other threads keep theirs."""
import os
import threading

import pytest

from seg_by_interaction.nodes.online_trainer import lower_thread_priority

pytestmark = pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no thread priorities")


def niceness_of(thread_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, thread_id)


def test_training_thread_alone_is_niced():
    caller = niceness_of(threading.get_native_id())
    seen = {}

    def training():
        lower_thread_priority(5)
        seen["trainer"] = niceness_of(threading.get_native_id())

    thread = threading.Thread(target=training)
    thread.start()
    thread.join()
    assert seen["trainer"] == min(caller + 5, 19)
    assert niceness_of(threading.get_native_id()) == caller


def test_niceness_stops_at_the_lowest_priority():
    seen = {}

    def training():
        lower_thread_priority(19)
        lower_thread_priority(19)
        seen["trainer"] = niceness_of(threading.get_native_id())

    thread = threading.Thread(target=training)
    thread.start()
    thread.join()
    assert seen["trainer"] == 19
