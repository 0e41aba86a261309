"""The table of the package's nodes."""
import dataclasses

from seg_by_interaction.core.node_params import params_class
from seg_by_interaction.core.wiring import NODES


def test_every_node_has_a_parameter_dataclass():
    assert all(dataclasses.is_dataclass(params_class(name)) for name in NODES)
