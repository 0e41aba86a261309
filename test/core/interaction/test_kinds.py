"""The table of primitive kinds: each entry agrees with the message, the primitives, the
labelers and the action feedback it stands for."""
from unittest import mock

import numpy as np
import pytest

from seg_by_interaction.core.interaction.executor import InteractionRequest, run_interaction
from seg_by_interaction.core.interaction.kinds import COLLECTED, KINDS, LABELLED
from seg_by_interaction.core.labelers.base import FRAME_PAIRS


def test_each_kind_has_its_own_primitive_message_constant():
    from seg_by_interaction.msg import Primitive
    assert sorted(getattr(Primitive, kind.upper()) for kind in KINDS) == list(range(len(KINDS)))


def test_stroke_phases_are_interact_feedback_phases():
    from seg_by_interaction.action import Interact
    for kind in KINDS.values():
        assert hasattr(Interact.Feedback, f"PHASE_{kind.stroke_phase.upper()}"), kind.name


def test_labelled_kinds_name_known_frame_pairs():
    assert LABELLED == ("pick_place", "push", "poke")
    assert all(pair in FRAME_PAIRS for kind in KINDS.values() for pair in kind.frame_pairs)


@pytest.mark.parametrize("request_, call", [
    (InteractionRequest(kind="pick_place", target=np.ones(3), yaw=0.5, width=0.04),
     mock.call.pick_place(mock.ANY, 0.5, 0.04, None, mock.ANY)),
    (InteractionRequest(kind="push", target=np.ones(3), direction=np.ones(3), distance=0.1),
     mock.call.push(mock.ANY, mock.ANY, 0.1)),
    (InteractionRequest(kind="poke", target=np.ones(3), direction=np.ones(3), magnitude="heavy",
                        half_extent=0.02),
     mock.call.poke(mock.ANY, mock.ANY, "heavy", 0.02)),
    (InteractionRequest(kind="reset_sweep"), mock.call.reset_sweep()),
])
def test_each_kind_runs_its_primitive_with_the_request(request_, call):
    primitives = mock.Mock()
    run_interaction(primitives, request_, np.random.default_rng(0))
    assert primitives.mock_calls == [call]


def test_the_collector_chooses_every_kind_but_the_sweep():
    assert COLLECTED == ("pick_place", "push", "poke")
