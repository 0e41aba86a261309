import pytest

from seg_by_interaction.core.camera.joint_history import JointHistory

S = 1_000_000_000


def filled(stamps_s, now_s=None):
    history = JointHistory(keep_s=10.0, max_future_s=0.5)
    for stamp in stamps_s:
        history.add(int(stamp * S), {"head_pan": stamp}, int((now_s or stamp) * S))
    return history


def test_the_state_nearest_the_stamp_is_found_whatever_order_states_arrived_in():
    history = filled([100.0, 100.2, 100.1, 100.3])
    assert history.nearest(int(100.12 * S), within_s=0.1) == {"head_pan": 100.1}
    assert history.nearest(int(100.29 * S), within_s=0.1) == {"head_pan": 100.3}


def test_no_state_within_the_gap_is_none():
    history = filled([100.0])
    assert history.nearest(int(100.5 * S), within_s=0.1) is None
    assert JointHistory().nearest(S, within_s=0.1) is None


def test_a_state_stamped_ahead_of_the_clock_is_refused_and_leaves_the_history_as_it_was():
    history = filled([100.0, 100.1])
    with pytest.raises(ValueError, match="in the future"):
        history.add(3000 * S, {"head_pan": 0.0}, int(100.1 * S))
    assert len(history) == 2 and history.nearest(int(100.05 * S), 0.1) is not None


def test_states_older_than_the_history_are_dropped_as_new_ones_arrive():
    history = filled([float(t) for t in range(100, 131)])
    assert len(history) == 11                     # 120..130 s
    assert history.nearest(110 * S, within_s=0.1) is None


def test_after_a_clock_restart_the_states_of_the_old_clock_are_dropped():
    history = filled([500.0, 500.1], now_s=500.1)
    history.add(1 * S, {"head_pan": 1.0}, 1 * S)
    assert len(history) == 1 and history.nearest(1 * S, 0.1) == {"head_pan": 1.0}


def test_a_state_arriving_late_leaves_the_newer_ones():
    history = filled([100.0, 100.6, 100.3])
    assert len(history) == 3


def test_a_future_stamp_taken_before_the_clock_started_is_gone_with_the_next_state():
    history = filled([100.0])
    history.add(3000 * S, {"head_pan": 0.0}, now_ns=0)
    history.add(int(100.1 * S), {"head_pan": 100.1}, now_ns=0)
    assert len(history) == 1 and history.nearest(int(100.1 * S), 0.1) == {"head_pan": 100.1}


def test_a_node_on_wall_time_follows_joint_states_on_simulated_time():
    history = filled([5.0, 5.1], now_s=1.8e9)
    assert history.nearest(int(5.1 * S), 0.1) == {"head_pan": 5.1}
