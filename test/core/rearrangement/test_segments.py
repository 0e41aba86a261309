"""Which proposals count as the objects on the table: one segment per object, neither its
fragments nor its merges with a neighbour; a goal's merge of two touching objects split
where the scene shows that one of them left."""
import numpy as np

from seg_by_interaction.core.masks import Proposal
from seg_by_interaction.core.rearrangement.segments import scene_segments, split_along, split_by_change
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


def test_a_goal_segment_of_two_touching_objects_splits_where_one_of_them_left():
    goal = boxes_view(*BOXES, camera=CAMERA, table_z=ROBOT.table_height)
    _, (left, right) = boxes_seen_from_above(*BOXES, camera=CAMERA, table_z=ROBOT.table_height)
    displaced = [(0.6, 0.15, 0.04, 0.06, 0.05), BOXES[1]]    # the left box taken away
    scene = boxes_view(*displaced, camera=CAMERA, table_z=ROBOT.table_height)
    both = Proposal(left | right, 0.7)
    parts = split_by_change([both], goal, scene)
    assert len(parts) == 2 and all(p.score == 0.7 for p in parts)
    vacated, stayed = parts
    assert iou(vacated.mask, left) > 0.8 and iou(stayed.mask, right) > 0.8
    assert split_by_change([both], goal, goal) == [both]             # nothing changed
    assert split_by_change([Proposal(right, 0.9)], goal, scene)[0].mask is right


def iou(a, b) -> float:
    return (a & b).sum() / (a | b).sum()


def test_a_scene_segment_of_two_objects_splits_along_the_goals_where_nothing_changed():
    goal = boxes_view(*BOXES, camera=CAMERA, table_z=ROBOT.table_height)
    _, (left, right) = boxes_seen_from_above(*BOXES, camera=CAMERA, table_z=ROBOT.table_height)
    back_in_place = boxes_view(*BOXES, camera=CAMERA, table_z=ROBOT.table_height)
    both = Proposal(left | right, 0.7)
    parts = split_along([both], back_in_place, goal, [left, right])
    assert [p.score for p in parts] == [0.7, 0.7]
    assert iou(parts[0].mask, left) > 0.9 and iou(parts[1].mask, right) > 0.9
    assert (parts[0].mask | parts[1].mask).sum() == both.mask.sum()     # every pixel kept
    assert split_along([both], back_in_place, goal, [left | right]) == [both]
