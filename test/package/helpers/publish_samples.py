"""A separate process that publishes the sample messages until it is stopped:
records and hypotheses (reliable) repeatedly, the model update once (latched)."""
import pathlib
import sys

import rclpy
from rclpy.executors import ExternalShutdownException

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from sample_messages import sample_hypotheses, sample_model_update, sample_record  # noqa: E402

from seg_by_interaction.msg import (InteractionRecord, ModelUpdate,  # noqa: E402
                                    ObjectHypothesisArray)
from seg_by_interaction.ros import qos  # noqa: E402


def main():
    rclpy.init()
    node = rclpy.create_node("sample_publisher")
    record_pub = node.create_publisher(InteractionRecord, "interaction_records",
                                       qos.INTERACTION_DATA)
    hypotheses_pub = node.create_publisher(ObjectHypothesisArray, "hypotheses", qos.RELIABLE)
    node.create_publisher(ModelUpdate, "model_updates", qos.LATCHED).publish(sample_model_update())
    record, hypotheses = sample_record(), sample_hypotheses()

    def publish():
        record_pub.publish(record)
        hypotheses_pub.publish(hypotheses)

    node.create_timer(0.1, publish)
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass


if __name__ == "__main__":
    main()
