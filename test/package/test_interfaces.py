"""The generated interfaces: importable, and intact after a trip between two processes."""
import pathlib
import sys

import numpy as np
from ros_harness import wait_for_message

from seg_by_interaction.action import Interact, Rearrange, Singulate
from seg_by_interaction.msg import (InteractionRecord, LabeledExample, ModelUpdate,
                                    ObjectHypothesisArray, Primitive, TrainerStatus)
from seg_by_interaction.ros import images, qos
from seg_by_interaction.srv import DisplaceObjects, ResetScene, Segment, SnapshotGoal

HELPERS = pathlib.Path(__file__).parent / "helpers"
sys.path.insert(0, str(HELPERS))
from sample_messages import sample_hypotheses, sample_model_update, sample_record  # noqa: E402


def test_interfaces_import_with_their_constants_and_defaults():
    assert (Primitive.PICK_PLACE, Primitive.PUSH, Primitive.POKE, Primitive.RESET_SWEEP) == (0, 1, 2, 3)
    assert ResetScene.Request().seed == -1
    assert Interact.Feedback.PHASE_CAPTURING_MID == 5
    assert TrainerStatus.STATE_ERROR == 4
    for service in (Segment, ResetScene, SnapshotGoal, DisplaceObjects):
        assert service.Request and service.Response
    goal = Rearrange.Goal()
    assert (goal.tolerance_px, goal.max_interactions) == (15.0, 10)     # Pathak et al. 2018
    assert DisplaceObjects.Request().min_distance_m == np.float32(0.05)
    assert LabeledExample().positive is False
    singulate = Singulate.Goal()
    assert singulate.max_pushes == 1 and singulate.region.width == singulate.region.height == 0


def test_messages_round_trip_between_processes(start_process, test_node):
    records, hypotheses, updates = [], [], []
    test_node.create_subscription(InteractionRecord, "interaction_records", records.append,
                                  qos.INTERACTION_DATA)
    test_node.create_subscription(ObjectHypothesisArray, "hypotheses", hypotheses.append, qos.RELIABLE)
    start_process([sys.executable, str(HELPERS / "publish_samples.py")])

    record = wait_for_message(records, what="an InteractionRecord")
    assert record == sample_record()
    assert np.array_equal(images.depth_from_msg(record.before_depth),
                          images.depth_from_msg(sample_record().before_depth))
    assert wait_for_message(hypotheses, what="hypotheses") == sample_hypotheses()

    # A subscriber that joins late still gets the current model (transient local).
    test_node.create_subscription(ModelUpdate, "model_updates", updates.append, qos.LATCHED)
    assert wait_for_message(updates, what="the latched ModelUpdate") == sample_model_update()


def test_core_outcomes_mirror_the_record_constants():
    from seg_by_interaction.core.interaction.motion import Outcome
    for outcome in Outcome:
        assert getattr(InteractionRecord, f"OUTCOME_{outcome.name}") == outcome.value
