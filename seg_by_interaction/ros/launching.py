"""What the package's launch files share: the nodes a wiring gives, each in its own
process, and the middleware setting large images need (imports `launch` and
`launch_ros`, so only launch files use it)."""
from __future__ import annotations

from seg_by_interaction.core.wiring import LoopWiring


def wiring_nodes(wiring: LoopWiring) -> list:
    """A launch_ros Node per node of the wiring, reading the wiring's files then its values."""
    from launch_ros.actions import Node

    return [Node(package="seg_by_interaction", executable=name, name=name, output="screen",
                 parameters=[*wiring.params_files, values])
            for name, values in wiring.parameters.items()]


def large_data_transports():
    """Fast DDS's default transports drop large images between processes."""
    from launch.actions import SetEnvironmentVariable

    return SetEnvironmentVariable("FASTDDS_BUILTIN_TRANSPORTS", "LARGE_DATA")
