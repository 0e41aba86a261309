"""Which proposals count as the objects on the table: one segment per object, neither its
fragments nor its merges with a neighbour."""
import numpy as np

from seg_by_interaction.core.masks import Proposal
from seg_by_interaction.core.rearrangement.segments import scene_segments
from seg_by_interaction.core.robot_config import load_robot_config
from top_down_boxes import boxes_seen_from_above, boxes_view, looking_down_from

ROBOT = load_robot_config("sawyer")
CAMERA = looking_down_from(0.65, 0.0, ROBOT.table_height + 1.0)
BOXES = [(0.6, 0.0, 0.04, 0.06, 0.05), (0.64, 0.0, 0.04, 0.06, 0.05)]   # touching along x


def test_fragments_and_merges_of_better_segments_are_dropped():
    view = boxes_view(*BOXES, camera=CAMERA, table_z=ROBOT.table_height)
    _, (left, right) = boxes_seen_from_above(*BOXES, camera=CAMERA, table_z=ROBOT.table_height)
    fragment = left.copy()
    fragment[:, :int(np.nonzero(left)[1].mean())] = False
    proposals = [Proposal(left, 0.9), Proposal(right, 0.8), Proposal(left | right, 0.5),
                 Proposal(fragment, 0.4)]
    segments = scene_segments(proposals, view, ROBOT, "test")
    assert [s.id for s in segments] == ["s0", "s1"]
    assert (segments[0].mask == left).all() and (segments[1].mask == right).all()
    assert all(s.grasp.refusal == "" for s in segments)     # each fits between the fingers
