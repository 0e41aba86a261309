"""Hostile and malformed messages, goals and requests for every interface of the graph,
hand-written and seeded random: the one source of fuzz cases for the node tests and
`sbi bench faults`. Each generator takes a numpy Generator and yields messages; none
of them is valid as a whole unless its docstring says it may be."""
from __future__ import annotations

import math
import os
import pathlib
from typing import Iterator

import numpy as np
from builtin_interfaces.msg import Time as TimeMsg
from geometry_msgs.msg import Point, Quaternion, Vector3
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from seg_by_interaction.action import Interact, Motion
from seg_by_interaction.core.interaction.motion import ToolPose
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.msg import InteractionRecord, LabeledExample, ModelUpdate, Primitive
from seg_by_interaction.ros import images, poses
from seg_by_interaction.srv import ResetScene, Segment

ENCODINGS = ["rgb8", "mono8", "32FC1", "16UC1", "yuv422", ""]
NUMBERS = [math.nan, math.inf, -math.inf, -1.0, 0.0, 1e-6, 0.05, 1e30]
FRAME_PAIRS = ["before_after", "sideways", ""]


def pick(rng: np.random.Generator, values):
    return values[int(rng.integers(len(values)))]


def random_image(rng: np.random.Generator, header: Header, height: int, width: int) -> Image:
    """An image message with a random mix of size (0, 1, the camera's, huge), encoding,
    step and data length."""
    rows, columns = (int(pick(rng, [0, 1, size, 4000])) for size in (height, width))
    step = int(pick(rng, [0, columns, columns * 3, columns * 4]))
    return Image(header=header, height=rows, width=columns, encoding=pick(rng, ENCODINGS),
                 step=step, data=bytes(int(pick(rng, [0, 7, step * rows]))))


def camera_frames(rng: np.random.Generator, camera, good: Header, future: Header
                  ) -> Iterator[tuple[str, object]]:
    """('rgb' | 'depth' | 'info', message): hand-written bad frames (empty, stamped in the
    future, too small, wrong encoding, NaN intrinsics), then random ones forever."""
    height, width = camera.intrinsics.height, camera.intrinsics.width
    yield "rgb", Image(header=future, encoding="rgb8")
    yield "depth", Image(header=future, encoding="32FC1")
    yield "rgb", images.to_msg(np.zeros((10, 10, 3), np.uint8), "rgb8", future)
    yield "rgb", images.to_msg(np.ones((height, width), np.float32), "32FC1", good)
    yield "rgb", images.to_msg(np.zeros((height, width, 3), np.uint8), "rgb8", future)
    yield "info", CameraInfo(header=good, width=width, height=height, k=[math.nan] * 9)
    while True:
        kind = pick(rng, ["rgb", "depth", "info"])
        if kind == "info":
            yield kind, CameraInfo(header=good, width=int(pick(rng, [0, width, 10 ** 6])),
                                   height=int(pick(rng, [0, height])),
                                   k=[float(pick(rng, NUMBERS)) for _ in range(9)])
        else:
            yield kind, random_image(rng, pick(rng, [good, future]), height, width)


def record_ids(rng: np.random.Generator) -> Iterator[str]:
    """Record ids that escape the run directory, name no record or are malformed."""
    yield from ["../../etc", "r000001/../../x", "r999999", "", "/records", "r000005"]
    while True:
        yield "".join(pick(rng, list("r0/.9x")) for _ in range(int(rng.integers(1, 12))))


def interaction_records(rng: np.random.Generator) -> Iterator[InteractionRecord]:
    """Records naming no readable record, with unknown enums."""
    for record_id in record_ids(rng):
        yield InteractionRecord(record_id=record_id, outcome=int(rng.integers(10, 256)),
                                primitive=Primitive(type=int(rng.integers(4, 256))))


def labeled_examples(rng: np.random.Generator) -> Iterator[LabeledExample]:
    """A path in the id, a positive with an empty mask, then random mixes of images,
    frame pairs, confidences and action pixels (an occasional one may be valid)."""
    good_image = images.to_msg(np.zeros((24, 32, 3), np.uint8), "rgb8", Header())
    mask = np.zeros((24, 32), np.uint8)
    mask[4:8, 4:8] = 255
    yield LabeledExample(example_id="../escape", image=good_image, frame_pair="before_after",
                         mask=images.to_msg(mask, "mono8", Header()), positive=True)
    yield LabeledExample(example_id="empty", image=good_image, frame_pair="before_after",
                         mask=images.to_msg(mask * 0, "mono8", Header()), positive=True)
    index = 0
    while True:
        yield LabeledExample(
            example_id=f"fuzz{index}", image=random_image(rng, Header(), 24, 32),
            mask=random_image(rng, Header(), 24, 32), positive=bool(rng.integers(2)),
            frame_pair=pick(rng, FRAME_PAIRS),
            confidence=float(pick(rng, [math.nan, -1.0, 0.5, 2.0])),
            action_px=Point(x=float(pick(rng, [math.nan, 3.0, 1e9])), y=3.0))
        index += 1


def refused_segment_requests(camera) -> list[tuple[Segment.Request, str]]:
    """(request, what its refusal names): a huge image, broken intrinsics, a NaN score,
    sizes that disagree, truncated data, a frame asked for that no camera can give yet."""
    height, width = camera.intrinsics.height, camera.intrinsics.width
    header = Header(frame_id=camera.optical_frame)
    rgb = images.to_msg(np.zeros((height, width, 3), np.uint8), "rgb8", header)
    depth = images.to_msg(np.ones((height, width), np.float32), "32FC1", header)
    truncated = images.to_msg(np.zeros((height, width, 3), np.uint8), "rgb8", header)
    truncated.data = truncated.data[:5]
    return [
        (Segment.Request(image=images.to_msg(np.zeros((960, 1280, 3), np.uint8), "rgb8", header),
                         depth=images.to_msg(np.ones((960, 1280), np.float32), "32FC1", header)),
         "max_pixels"),
        (Segment.Request(image=rgb, depth=depth,
                         camera_info=CameraInfo(width=width, height=height, k=[0.0] * 9)),
         "unusable intrinsics"),
        (Segment.Request(min_score=math.nan), "min_score"),
        (Segment.Request(image=rgb, depth=images.to_msg(np.ones((12, 10), np.float32), "32FC1",
                                                        header)), "differ in size"),
        (Segment.Request(image=truncated, depth=depth), "bytes"),
        (Segment.Request(frame_after=TimeMsg(sec=2 ** 31 - 1)), "ahead of this node's clock")]


def segment_requests(rng: np.random.Generator, camera) -> Iterator[Segment.Request]:
    """The refused requests above, then random mixes."""
    height, width = camera.intrinsics.height, camera.intrinsics.width
    header = Header(frame_id=camera.optical_frame)
    yield from (request for request, _ in refused_segment_requests(camera))
    while True:
        yield Segment.Request(image=random_image(rng, header, height, width),
                              depth=random_image(rng, header, height, width),
                              min_score=float(pick(rng, [math.nan, -math.inf, 0.5])),
                              max_hypotheses=int(rng.integers(0, 2 ** 31)))


def _tool_pose(robot: RobotConfig, position, orientation=(1.0, 0.0, 0.0, 0.0)):
    pose = ToolPose(np.asarray(position, float), np.asarray(orientation, float))
    return poses.to_pose_stamped(pose, Header(frame_id=robot.base_frame))


def refused_motion_goals(robot: RobotConfig) -> list[tuple[Motion.Goal, str]]:
    """(goal, what its refusal names): unknown commands, NaN or impossible openings,
    crawling speeds, zero quaternions, non-finite or negative timeouts, huge, far or
    unnamed boxes."""
    centre = [_tool_pose(robot, np.mean([robot.workspace.min, robot.workspace.max], 0))]
    goals, unit_box = Motion.Goal, Vector3(x=0.1, y=0.1, z=0.1)
    zero_quaternion = [_tool_pose(robot, np.mean([robot.workspace.min, robot.workspace.max], 0),
                                  (0, 0, 0, 0))]
    return [
        (goals(command=99), "unknown motion command 99"),
        (goals(command=goals.GRIPPER, gripper_opening=math.nan), "not finite: gripper_opening"),
        (goals(command=goals.GRIPPER, gripper_opening=5.0), "gripper opening 5.0"),
        (goals(command=goals.MOVE_TO, poses=centre, speed=1e-6), "speed 1e-06"),
        (goals(command=goals.MOVE_TO, poses=zero_quaternion), "non-unit quaternion"),
        (goals(command=goals.LINEAR, poses=centre, timeout=math.inf), "not finite: timeout"),
        (goals(command=goals.LINEAR, poses=centre, timeout=-1.0), "timeout -1.0"),
        (goals(command=goals.ADD_BOX, poses=centre, obstacle_name="b",
               box_size=Vector3(x=50.0, y=50.0, z=50.0)), "box size"),
        (goals(command=goals.ADD_BOX, poses=centre, obstacle_name="b",
               box_size=Vector3(x=1e30, y=0.1, z=0.1)), "box size"),
        (goals(command=goals.ADD_BOX, poses=[_tool_pose(robot, (100.0, 0.0, 0.0))],
               obstacle_name="b", box_size=unit_box), "outside the workspace"),
        (goals(command=goals.ADD_BOX, poses=centre, box_size=unit_box), "needs a name")]


def motion_goals(rng: np.random.Generator, robot: RobotConfig) -> Iterator[Motion.Goal]:
    """The refused goals above, then seeded random mixes of every field near the
    workspace's centre."""
    centre = np.mean([robot.workspace.min, robot.workspace.max], 0)
    goals = Motion.Goal
    yield from (goal for goal, _ in refused_motion_goals(robot))
    while True:
        yield goals(command=int(rng.integers(0, 9)), speed=float(pick(rng, NUMBERS)),
                    gripper_opening=float(pick(rng, NUMBERS)),
                    timeout=float(pick(rng, NUMBERS)), obstacle_name=pick(rng, ["", "box", "../x"]),
                    named_pose=pick(rng, ["", "nowhere"]),
                    box_size=Vector3(x=float(pick(rng, NUMBERS)), y=float(pick(rng, NUMBERS)),
                                     z=float(pick(rng, NUMBERS))),
                    poses=[_tool_pose(robot, centre + rng.normal(0, 0.05, 3), rng.normal(0, 1, 4))
                           for _ in range(int(rng.integers(0, 3)))])


def pick_goal(robot: RobotConfig, xyz, timeout: float = 0.0) -> Interact.Goal:
    target = poses.to_pose_stamped(ToolPose.top_down(xyz, 0.0), Header(frame_id=robot.base_frame))
    return Interact.Goal(primitive=Primitive(type=Primitive.PICK_PLACE, target=target),
                         timeout=timeout)


def interact_goals(rng: np.random.Generator, robot: RobotConfig, xyz
                   ) -> Iterator[tuple[Interact.Goal, str]]:
    """(goal, what its refusal names): a pick at `xyz` spoilt in one field (frame, type,
    quaternion, height, hypothesis mask, direction, timeout); random mixes forever."""
    for change, reason in [
            (lambda p: setattr(p.target.header, "frame_id", "camera"), "frame"),
            (lambda p: setattr(p, "type", 99), "unknown primitive type"),
            (lambda p: setattr(p.target.pose, "orientation", Quaternion(w=0.0)), "quaternion"),
            (lambda p: setattr(p.target.pose.position, "z", 2.5), "outside the workspace"),
            (lambda p: setattr(p.hypothesis, "id", "h0") or setattr(p.hypothesis.bbox, "width", 9)
             or setattr(p.hypothesis.bbox, "height", 9), "hypothesis 'h0' mask")]:
        goal = pick_goal(robot, xyz)
        change(goal.primitive)
        yield goal, reason
    yield pick_goal(robot, xyz, timeout=-1.0), "timeout -1.0"
    while True:
        goal = pick_goal(robot, xyz)
        goal.primitive.type = int(pick(rng, [Primitive.PUSH, Primitive.POKE]))
        goal.primitive.direction.x = float(pick(rng, [math.nan, math.inf, 0.0]))
        goal.primitive.poke_magnitude = int(rng.integers(0, 3))
        yield goal, "direction"


def reset_requests(rng: np.random.Generator) -> Iterator[ResetScene.Request]:
    """Unknown splits and path-like names, huge seeds and object counts."""
    while True:
        yield ResetScene.Request(split=pick(rng, ["nope", "../train", "\x00", "test" * 100]),
                                 seed=int(pick(rng, [-(2 ** 63), -2, 2 ** 63 - 1, 7])),
                                 num_objects=int(pick(rng, [0, 10 ** 4, 2 ** 32 - 1])))


def model_updates(rng: np.random.Generator, work: pathlib.Path, checkpoint_dir: pathlib.Path
                  ) -> Iterator[ModelUpdate]:
    """Announcements of /dev/zero, a FIFO, a directory, a torn file, a file outside the
    checkpoint directory, a path escaping it, a nonexistent one; random versions and
    digests. Creates its files under `work` and `checkpoint_dir`."""
    work.mkdir(parents=True, exist_ok=True)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    fifo = checkpoint_dir / "model_v000900.pt"
    if not fifo.exists():
        os.mkfifo(fifo)
    torn = checkpoint_dir / "model_v000901.pt"
    torn.write_bytes(b"torn")
    outside = work / "model_v000902.pt"
    outside.write_bytes(bytes(1024))
    paths = ["/dev/zero", str(fifo), str(checkpoint_dir), str(torn), str(outside),
             str(checkpoint_dir / ".." / "x.pt"), str(checkpoint_dir / "missing.pt"), ""]
    while True:
        yield ModelUpdate(checkpoint_path=pick(rng, paths),
                          version=int(rng.integers(1, 2 ** 32)),
                          sha256=pick(rng, ["", "0" * 64, "zz"]))
