"""Running nodes in a process: a callback's uncaught exception ends the process with that
error, instead of leaving it alive with no one spinning its nodes; a second Ctrl-C during
clean-up does not abort it."""
import signal
import sys
import textwrap
import time

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


SLOW_TO_STOP_NODE = textwrap.dedent("""
    import time
    from rclpy.node import Node
    from seg_by_interaction.ros.node_main import run_node

    class SlowToStop(Node):
        def __init__(self):
            super().__init__("slow_to_stop")
            self.stopping_since = None
            print("ready", flush=True)

        def interrupt(self):
            self.stopping_since = self.stopping_since or time.monotonic()
            return time.monotonic() - self.stopping_since > 1.0

        def destroy_node(self):
            print("cleaned up", flush=True)
            super().destroy_node()

    run_node(SlowToStop, [])
""")


def test_a_second_ctrl_c_during_clean_up_leaves_it_to_finish(start_process):
    process = start_process([sys.executable, "-c", SLOW_TO_STOP_NODE])
    deadline = time.monotonic() + 30
    while "ready" not in process.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    process.signal_group(signal.SIGINT)
    time.sleep(0.3)
    process.signal_group(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert "cleaned up" in process.output() and "terminate called" not in process.output()
