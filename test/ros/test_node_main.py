"""Running nodes in a process: a callback's uncaught exception ends the process with that
error, instead of leaving it alive with no one spinning its nodes."""
import sys
import textwrap

CRASHING_NODE = textwrap.dedent("""
    from rclpy.node import Node
    from seg_by_interaction.ros.node_main import run_node

    class Crashing(Node):
        def __init__(self):
            super().__init__("crashing")
            self.create_timer(0.2, self.tick)

        def tick(self):
            raise ZeroDivisionError("a bug in a callback")

    run_node(Crashing, [])
""")


def test_an_exception_in_a_callback_ends_the_process_with_it(start_process):
    process = start_process([sys.executable, "-c", CRASHING_NODE])
    assert process.wait(timeout=30) not in (0, None)
    assert "the executor stopped: ZeroDivisionError('a bug in a callback')" in process.output()
