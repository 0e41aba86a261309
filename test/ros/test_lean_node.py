"""The package's nodes carry no default QoS-event handlers (the executor walks every one
each time it wakes); one asked for explicitly is kept."""
import pytest
from rclpy.event_handler import EventHandler, SubscriptionEventCallbacks
from std_msgs.msg import String

from seg_by_interaction.ros.lean_node import LeanNode


@pytest.fixture
def context(ros_env):
    import rclpy

    context = rclpy.Context()
    rclpy.init(context=context, domain_id=int(ros_env["ROS_DOMAIN_ID"]))
    yield context
    rclpy.shutdown(context=context)


def event_handlers(node) -> list:
    return [waitable for waitable in node.waitables if isinstance(waitable, EventHandler)]


def test_publishers_and_subscriptions_come_without_event_handlers(context):
    import rclpy

    plain = rclpy.create_node("plain", context=context)
    lean = LeanNode("lean", context=context)
    for node in (plain, lean):
        node.create_publisher(String, "chatter", 10)
        node.create_subscription(String, "chatter", lambda message: None, 10)
    assert event_handlers(plain), "rclpy's default handlers, which LeanNode leaves out"
    assert event_handlers(lean) == []
    plain.destroy_node()
    lean.destroy_node()


def test_an_explicit_event_callback_is_kept(context):
    lean = LeanNode("lean", context=context)
    lean.create_subscription(String, "chatter", lambda message: None, 10,
                             event_callbacks=SubscriptionEventCallbacks(
                                 incompatible_qos=lambda event: None))
    assert event_handlers(lean)
    lean.destroy_node()
