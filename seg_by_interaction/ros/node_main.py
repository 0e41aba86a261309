"""Running nodes: one per process (`ros2 run`, launch files) or several composed in one
process with a multi-threaded executor (`sbi run`, this machine's stand-in for launch)."""
from __future__ import annotations

import _thread
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from typing import Callable, Iterator, Sequence

import rclpy
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.signals import SignalHandlerOptions
from rclpy.node import Node


NodeFactory = Callable[[], Node]
INTERRUPT_GRACE_S = 15.0
SHUTDOWN_POLL_S = 0.5
SPIN_TIMEOUT_S = 0.1
# What a node raises when its parameters, files or checkpoint are unusable at startup
# (ConfigError, ImageError and CheckpointError are ValueErrors).
STARTUP_ERRORS = (ValueError, OSError)


def configure_middleware() -> None:
    """Fast DDS's default transports drop most large images between processes; its
    LARGE_DATA builtin transports (TCP + shared memory for data) deliver them. Must run
    before rclpy.init; an explicit setting in the environment wins."""
    os.environ.setdefault("FASTDDS_BUILTIN_TRANSPORTS", "LARGE_DATA")


class RosLogHandler(logging.Handler):
    """Sends the core's Python logging to the ROS log (console, files, /rosout)."""

    def emit(self, record: logging.LogRecord) -> None:
        logger = rclpy.logging.get_logger(record.name)
        severity = ("fatal" if record.levelno >= logging.CRITICAL else
                    "error" if record.levelno >= logging.ERROR else
                    "warning" if record.levelno >= logging.WARNING else
                    "info" if record.levelno >= logging.INFO else "debug")
        getattr(logger, severity)(self.format(record))


@contextlib.contextmanager
def composed(factories: Sequence[NodeFactory], args: list[str] | None = None,
             threads: int | None = None) -> Iterator[list[Node]]:
    """The nodes created in one context, spun by a multi-threaded executor in a background
    thread while the caller's block runs; on leaving it (normally, by an exception, or by
    Ctrl-C / SIGTERM, which raise KeyboardInterrupt in the main thread) nodes with an
    `interrupt()` method are asked to abandon what they wait for while the executor still
    spins, then everything is shut down."""
    configure_middleware()
    # rclpy's own handlers shut the context down at once, under callbacks still running.
    # The executor spins in another thread, so the main thread, waiting in Python, takes
    # the signal even when no callback would ever wake the executor.
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    for signum in (signal.SIGINT, signal.SIGTERM):    # SIGINT too where it came in ignored
        signal.signal(signum, _interrupt)
    handler = RosLogHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    nodes: list[Node] = []
    executor = MultiThreadedExecutor(num_threads=threads)
    spinner = Spinner(executor)
    try:
        for factory in factories:
            nodes.append(factory())
            executor.add_node(nodes[-1])
        spinner.start()
        yield nodes
    finally:
        interrupt(nodes)
        spinner.stop()
        _finish_dispatched_callbacks(executor)
        executor.shutdown()
        for node in nodes:
            node.destroy_node()
        rclpy.try_shutdown()
        if spinner.error is not None:    # instead of the KeyboardInterrupt it caused
            raise RuntimeError(f"the executor stopped: {spinner.error!r}") from spinner.error


class Spinner(threading.Thread):
    """The executor spinning in a thread until `stop()`. An exception that ends the spin (a
    callback's) is kept and the main thread interrupted, so that the process does not live
    on with no one spinning its nodes."""

    def __init__(self, executor: MultiThreadedExecutor):
        super().__init__(name="executor", daemon=True)
        self.executor = executor
        self.error: BaseException | None = None
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set() and self.executor.context.ok():
                self.executor.spin_once(timeout_sec=SPIN_TIMEOUT_S)
        except ExternalShutdownException:
            pass
        except Exception as error:                  # noqa: BLE001 - reported by composed()
            self.error = error
            _thread.interrupt_main()

    def stop(self) -> None:
        """Dispatch no more callbacks; returns once the spin loop has ended."""
        self._stopping.set()
        if self.is_alive():
            self.join()


def _finish_dispatched_callbacks(executor: MultiThreadedExecutor) -> None:
    """Let the callbacks already handed to the executor's thread pool finish. rclpy's
    Executor.shutdown (Kilted) skips its own wait and destroys the guard condition those
    callbacks signal when they end ("cannot use Destroyable because destruction was
    requested"); the pool's shutdown waits for them."""
    pool = getattr(executor, "_executor", None)
    if pool is not None:
        pool.shutdown(wait=True)


def interrupt(nodes: Sequence[Node], grace_s: float = INTERRUPT_GRACE_S) -> None:
    """Ask nodes to abandon long waits (an interaction under way) and give them time to,
    while the executor still spins to deliver their cancellations: once it stops, an
    answer they wait for could no longer arrive. `interrupt()` returns whether the node
    is idle, and is called until it is or the grace period ends."""
    deadline = time.monotonic() + grace_s
    pending = [node for node in nodes if hasattr(node, "interrupt")]
    while pending and time.monotonic() < deadline:
        pending = [node for node in pending if not node.interrupt()]
        time.sleep(0.05)


def spin_composed(factories: Sequence[NodeFactory], args: list[str] | None = None,
                  threads: int | None = None) -> int:
    """Create the nodes in one context and spin them until shutdown (Ctrl-C, SIGTERM).

    Returns a process exit code: 0 on a clean shutdown, 2 on a configuration error.
    """
    try:
        with composed(factories, args, threads):
            while rclpy.ok():
                time.sleep(SHUTDOWN_POLL_S)
    except STARTUP_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    return 0


def _interrupt(signum, frame):
    # Under a terminal Ctrl-C every node gets SIGINT twice (from the tty and from launch).
    # The second arrives during clean-up, where a KeyboardInterrupt makes rclpy abort the
    # process ("terminate called without an active exception"), or while Python exits,
    # where the default handler kills it. Ignored from here on: clean-up is bounded by
    # INTERRUPT_GRACE_S, and launch escalates to SIGKILL if it ever hangs.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def run_node(factory: NodeFactory, args: list[str] | None = None,
             threads: int | None = None) -> int:
    """Entry point of a single-node executable (`threads`: the executor's, default one a CPU)."""
    return spin_composed([factory], args=args if args is not None else sys.argv, threads=threads)
