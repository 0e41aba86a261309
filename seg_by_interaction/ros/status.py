"""A node's state on /diagnostics (diagnostic_msgs), once a period, as diagnostic
updaters publish it: one status named after the node, its values as key-value pairs."""
from __future__ import annotations

from typing import Callable

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.node import Node
from std_msgs.msg import Header

PERIOD_S = 1.0


class StatusPublisher:
    """`values()` gives the state as (level, message, {key: value}); level is one of
    DiagnosticStatus.OK, WARN, ERROR."""

    def __init__(self, node: Node, values: Callable[[], tuple[bytes, str, dict]],
                 callback_group=None):
        self._node = node
        self._values = values
        self._publisher = node.create_publisher(DiagnosticArray, "/diagnostics", 10)
        node.create_timer(PERIOD_S, self.publish, callback_group=callback_group)

    def publish(self) -> None:
        level, message, values = self._values()
        status = DiagnosticStatus(level=level, name=f"{self._node.get_name()}: state",
                                  message=message,
                                  hardware_id=self._node.get_fully_qualified_name(),
                                  values=[KeyValue(key=k, value=str(v))
                                          for k, v in values.items()])
        self._publisher.publish(DiagnosticArray(
            header=Header(stamp=self._node.get_clock().now().to_msg()), status=[status]))
