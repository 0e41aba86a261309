"""Fully populated messages of the package's interfaces, built the same way in the
publishing process and in the test that checks what arrived."""
import numpy as np
from geometry_msgs.msg import Point, PoseStamped, Vector3
from sensor_msgs.msg import RegionOfInterest
from std_msgs.msg import Header

from seg_by_interaction.msg import (InteractionRecord, Metric, ModelUpdate, ObjectHypothesis,
                                    ObjectHypothesisArray, Primitive)
from seg_by_interaction.ros import images

HEADER = Header(frame_id="table_camera_color_optical_frame")


def sample_rgb(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (240, 320, 3), dtype=np.uint8)


def sample_depth(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.4, 2.0, (240, 320)).astype(np.float32)


def sample_record() -> InteractionRecord:
    target = PoseStamped(header=Header(frame_id="base"))
    target.pose.position.x, target.pose.position.y, target.pose.position.z = 0.7, -0.1, 0.02
    primitive = Primitive(type=Primitive.PICK_PLACE, target_px=Point(x=161.0, y=97.0),
                          target=target, direction=Vector3(x=1.0), distance=0.1,
                          poke_magnitude=Primitive.POKE_HEAVY, model_version=2,
                          hypothesis=sample_hypotheses().hypotheses[0])
    return InteractionRecord(
        header=HEADER, record_id="000042",
        primitive=primitive, outcome=InteractionRecord.OUTCOME_NOTHING_GRASPED,
        reason="gripper closed on nothing",
        before_rgb=images.to_msg(sample_rgb(1), "rgb8", HEADER),
        before_depth=images.to_msg(sample_depth(2), "32FC1", HEADER),
        after_rgb=images.to_msg(sample_rgb(3), "rgb8", HEADER),
        timings=[Metric(name="plan_s", value=0.25), Metric(name="execute_s", value=4.5)])


def sample_hypotheses() -> ObjectHypothesisArray:
    mask = np.zeros((20, 30), np.uint8)
    mask[5:15, 3:25] = 255
    hypothesis = ObjectHypothesis(
        id="h0", source=ObjectHypothesis.SOURCE_MODEL, score=0.875,  # exact in float32, so equality holds after the trip
        bbox=RegionOfInterest(x_offset=100, y_offset=50, width=30, height=20),
        mask=images.to_msg(mask, "mono8", HEADER), centroid_px=Point(x=114.0, y=60.0),
        major_axis_angle=0.0, grasp_valid=True)
    return ObjectHypothesisArray(header=HEADER, image_height=240, image_width=320,
                                 model_version=7, hypotheses=[hypothesis])


def sample_model_update() -> ModelUpdate:
    return ModelUpdate(header=HEADER, checkpoint_path="/runs/demo/checkpoints/v3.pt",
                       sha256="ab" * 32, version=3, architecture="deepmask_resnet18",
                       interactions_seen=300, metrics=[Metric(name="ap30", value=0.41)])
