"""A node's parameters from its validated dataclass: overrides are checked and converted
before they are declared."""
import dataclasses

import pytest
import rclpy
from rclpy.context import Context
from rclpy.node import Node
from rclpy.parameter import Parameter

from seg_by_interaction.core.validated import ConfigError, setting
from seg_by_interaction.ros.parameters import declare_parameters


@dataclasses.dataclass(frozen=True, kw_only=True)
class Rates:
    rate_hz: float = setting(50.0, "a rate", min=1.0, max=100.0)


@pytest.fixture
def node_with(ros_env):
    context = Context()
    rclpy.init(context=context)
    nodes = []

    def create(*overrides: Parameter) -> Node:
        nodes.append(Node("rates", context=context, parameter_overrides=list(overrides),
                          automatically_declare_parameters_from_overrides=True))
        return nodes[-1]
    yield create
    for node in nodes:
        node.destroy_node()
    rclpy.shutdown(context=context)


def test_an_integer_given_for_a_float_setting_is_that_float(node_with):
    node = node_with(Parameter("rate_hz", value=20))         # as `-p rate_hz:=20` gives it
    params = declare_parameters(node, Rates)
    assert params.rate_hz == 20.0 and isinstance(params.rate_hz, float)
    assert node.get_parameter("rate_hz").value == 20.0


def test_an_override_out_of_range_is_refused_by_name(node_with):
    with pytest.raises(ConfigError, match="rate_hz"):
        declare_parameters(node_with(Parameter("rate_hz", value=500.0)), Rates)
