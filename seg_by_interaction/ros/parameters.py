"""Declare a node's ROS parameters from its validated dataclass.

The dataclass that checks a node's YAML file is the one the running node declares: each
field becomes a parameter with its description and range, overrides are validated when
the node starts (unknown names and out-of-range values are errors, not silently
ignored), and later `set_parameters` calls are checked the same way.
"""
from __future__ import annotations

import dataclasses
import typing

from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                SetParametersResult)
from rclpy.node import Node

from seg_by_interaction.core.node_params import BUILTIN_PARAMETERS
from seg_by_interaction.core.validated import ConfigError, check_value



def declare_parameters(node: Node, cls: type) -> typing.Any:
    """Declare `cls`'s fields as parameters of `node` and return the validated values.

    The node must be created with `automatically_declare_parameters_from_overrides=True`
    so that overrides the schema does not know can be reported.
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    declared = node.list_parameters([], 0).names
    overrides = {name: node.get_parameter(name).value
                 for name in declared if name not in BUILTIN_PARAMETERS}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ConfigError(f"{node.get_name()}: unknown parameter(s) {unknown}; "
                          f"allowed: {sorted(fields)}")
    values = {}
    for name, field in fields.items():
        where = f"{node.get_name()}.{name}"
        if name in overrides:
            value = check_value(field, hints[name], overrides[name], where)
            node.undeclare_parameter(name)
        else:
            value = field.default if field.default_factory is dataclasses.MISSING \
                else field.default_factory()
        values[name] = value
        node.declare_parameter(name, _ros_value(value), _descriptor(field))
    params = cls(**values)
    node.add_on_set_parameters_callback(
        lambda changes: _validate_changes(node.get_name(), fields, hints, changes))
    return params


def _validate_changes(node_name, fields, hints, changes) -> SetParametersResult:
    for change in changes:
        if change.name in BUILTIN_PARAMETERS:
            continue
        try:
            check_value(fields[change.name], hints[change.name], change.value,
                        f"{node_name}.{change.name}")
        except (ConfigError, KeyError) as error:
            return SetParametersResult(successful=False, reason=str(error))
    return SetParametersResult(successful=True)


def _ros_value(value):
    return list(value) if isinstance(value, tuple) else value


def _descriptor(field: dataclasses.Field) -> ParameterDescriptor:
    meta = field.metadata
    descriptor = ParameterDescriptor(description=meta.get("description", ""),
                                     read_only=not meta.get("dynamic", False))
    if meta.get("choices"):
        descriptor.additional_constraints = f"one of {list(meta['choices'])}"
    low, high = meta.get("min"), meta.get("max")
    if low is not None and high is not None and not isinstance(field.default, (list, tuple)):
        if isinstance(field.default, int) and not isinstance(field.default, bool):
            descriptor.integer_range = [IntegerRange(from_value=int(low), to_value=int(high))]
        elif isinstance(field.default, float):
            descriptor.floating_point_range = [FloatingPointRange(from_value=float(low),
                                                                  to_value=float(high))]
    return descriptor
