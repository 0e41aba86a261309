"""An rclpy node of one's own in a chosen ROS domain, spun in a background thread, for
programs and tests that talk to nodes running in other processes."""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator


@contextlib.contextmanager
def spun_node(name: str, domain: int) -> Iterator:
    """A node in its own context on `domain`; its callbacks run while the block does.
    Ctrl-C stays a KeyboardInterrupt of the program (rclpy would take it over)."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.signals import SignalHandlerOptions

    context = rclpy.Context()
    rclpy.init(context=context, domain_id=domain, signal_handler_options=SignalHandlerOptions.NO)
    node = rclpy.create_node(name, context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    thread = threading.Thread(target=executor.spin, daemon=True)
    thread.start()
    try:
        yield node
    finally:
        executor.shutdown()
        thread.join(timeout=5)
        node.destroy_node()
        rclpy.shutdown(context=context)
