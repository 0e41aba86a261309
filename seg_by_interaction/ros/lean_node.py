"""The base of this package's nodes: an rclpy Node whose publishers and subscriptions
come without rclpy's default QoS-event handlers.

rclpy gives every publisher and subscription two event handlers by default, which only
log an incompatible QoS or type. Each is a waitable the executor walks in Python every
time anything wakes it, and the loop's nodes have about a hundred of them. Composed in one
process (`sbi collect`) they took half its CPU, and interactions took 1.4 times as long
(benchmarks/README.md, "The executor's wait set"). A handler asked for explicitly is kept.
`ros2 topic info --verbose` shows both ends' QoS where the log would have warned.
"""
from __future__ import annotations

from rclpy.event_handler import PublisherEventCallbacks, SubscriptionEventCallbacks
from rclpy.node import Node


class LeanNode(Node):
    def create_publisher(self, *args, event_callbacks: PublisherEventCallbacks | None = None,
                         **kwargs):
        if event_callbacks is None:
            event_callbacks = PublisherEventCallbacks(use_default_callbacks=False)
        return super().create_publisher(*args, event_callbacks=event_callbacks, **kwargs)

    def create_subscription(self, *args,
                            event_callbacks: SubscriptionEventCallbacks | None = None, **kwargs):
        if event_callbacks is None:
            event_callbacks = SubscriptionEventCallbacks(use_default_callbacks=False)
        return super().create_subscription(*args, event_callbacks=event_callbacks, **kwargs)
