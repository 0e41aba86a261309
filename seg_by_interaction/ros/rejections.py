"""What a node refused from the graph: each rejection is logged with its reason and
counted by interface, and the counts go out on /diagnostics (diagnostic_msgs), so a
hostile or broken publisher shows without taking the node down."""
from __future__ import annotations

import collections
import threading

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.node import Node
from std_msgs.msg import Header

PUBLISH_PERIOD_S = 1.0
STREAM_LOG_PERIOD_S = 2.0


class Rejections:
    def __init__(self, node: Node):
        self._node = node
        self._counts: collections.Counter[str] = collections.Counter()
        self._reasons: dict[str, str] = {}
        self._lock = threading.Lock()
        self._publisher = node.create_publisher(DiagnosticArray, "/diagnostics", 10)
        node.create_timer(PUBLISH_PERIOD_S, self._publish)

    def reject(self, interface: str, reason: str, stream: bool = False) -> None:
        """Count a message refused on `interface`; a stream (camera images) logs at most
        every few seconds."""
        with self._lock:
            self._counts[interface] += 1
            self._reasons[interface] = reason
        message = f"rejected on {interface}: {reason}"
        if stream:
            self._node.get_logger().warning(message, throttle_duration_sec=STREAM_LOG_PERIOD_S)
        else:
            self._node.get_logger().warning(message)

    def _publish(self) -> None:
        """Every period once anything was rejected, as diagnostic updaters do."""
        with self._lock:
            if not self._counts:
                return
            statuses = [DiagnosticStatus(
                level=DiagnosticStatus.WARN, name=f"{self._node.get_name()}: {interface}",
                hardware_id=self._node.get_fully_qualified_name(),
                message=f"rejected: {self._reasons[interface]}",
                values=[KeyValue(key="rejected", value=str(count))])
                for interface, count in sorted(self._counts.items())]
        self._publisher.publish(DiagnosticArray(
            header=Header(stamp=self._node.get_clock().now().to_msg()), status=statuses))
