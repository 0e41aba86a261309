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
from seg_by_interaction.core.validated import ConfigError, check_value, from_dict, set_dotted
from seg_by_interaction.core.wiring import parse_override


def declare_parameters(node: Node, cls: type) -> typing.Any:
    """Declare `cls`'s fields as parameters of `node` and return the validated values.

    Fields that are themselves dataclasses become dotted names (`depth_noise.base_std_m`),
    which is how ROS 2 reads nested YAML under `ros__parameters`. The node must be created
    with `automatically_declare_parameters_from_overrides=True` so that overrides the
    schema does not know can be reported.
    """
    leaves = {name: (field, hint, default) for name, field, hint, default in _leaves(cls)}
    declared = node.list_parameters([], 0).names
    overrides = {name: node.get_parameter(name).value
                 for name in declared if name not in BUILTIN_PARAMETERS}
    unknown = sorted(set(overrides) - set(leaves))
    if unknown:
        raise ConfigError(f"{node.get_name()}: unknown parameter(s) {unknown}; "
                          f"allowed: {sorted(leaves)}")
    nested: dict = {}
    for name, (field, hint, default) in leaves.items():
        if name in overrides:
            value = check_value(field, hint, overrides[name], f"{node.get_name()}.{name}")
            node.undeclare_parameter(name)
        else:
            value = default
        # the override is checked (an integer given for a float setting is now a float)
        node.declare_parameter(name, _ros_value(value), _descriptor(field, value),
                               ignore_override=True)
        set_dotted(nested, name, _ros_value(value))
    params = from_dict(cls, nested, where=node.get_name())
    node.add_on_set_parameters_callback(
        lambda changes: _validate_changes(node.get_name(), leaves, changes))
    return params


def _leaves(cls: type, prefix: str = "", defaults: typing.Any = None):
    """(dotted name, field, type, default) of every non-dataclass field, depth first."""
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if defaults is not None:
            default = getattr(defaults, field.name)
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = field.default
        if dataclasses.is_dataclass(hints[field.name]):
            yield from _leaves(hints[field.name], f"{prefix}{field.name}.", default)
        else:
            yield f"{prefix}{field.name}", field, hints[field.name], default


def _validate_changes(node_name, leaves, changes) -> SetParametersResult:
    for change in changes:
        if change.name in BUILTIN_PARAMETERS:
            continue
        if change.name not in leaves:
            return SetParametersResult(successful=False, reason=f"unknown parameter '{change.name}'")
        field, hint, _ = leaves[change.name]
        try:
            check_value(field, hint, change.value, f"{node_name}.{change.name}")
        except ConfigError as error:
            return SetParametersResult(successful=False, reason=str(error))
    return SetParametersResult(successful=True)


def _ros_value(value):
    return list(value) if isinstance(value, tuple) else value


def _descriptor(field: dataclasses.Field, value) -> ParameterDescriptor:
    meta = field.metadata
    descriptor = ParameterDescriptor(description=meta.get("description", ""),
                                     read_only=not meta.get("dynamic", False))
    if meta.get("choices"):
        descriptor.additional_constraints = f"one of {list(meta['choices'])}"
    low, high = meta.get("min"), meta.get("max")
    if low is not None and high is not None:
        if isinstance(value, int) and not isinstance(value, bool):
            descriptor.integer_range = [IntegerRange(from_value=int(low), to_value=int(high))]
        elif isinstance(value, float):
            descriptor.floating_point_range = [FloatingPointRange(from_value=float(low),
                                                                  to_value=float(high))]
    return descriptor


def ros_arguments(params_files: list[str], overrides: list[str]) -> list[str]:
    args = ["sbi", "--ros-args"]
    for path in params_files:
        args += ["--params-file", path]
    for override in overrides:
        try:
            node, name, value = parse_override(override)
        except ConfigError as error:
            raise SystemExit(f"error: {error}") from None
        args += ["-p", f"{node}:{name}:={value}"]
    return args
