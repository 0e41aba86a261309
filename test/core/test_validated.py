"""Validated configuration dataclasses: unknown keys, types, ranges, choices, nesting."""
import dataclasses

import pytest

from seg_by_interaction.core.validated import ConfigError, from_dict, setting, to_dict


@dataclasses.dataclass(frozen=True, kw_only=True)
class Inner:
    size: tuple[float, float] = setting((1.0, 2.0), "two sizes", min=0.0)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Outer:
    name: str = setting(description="required")
    rate: float = setting(10.0, "Hz", min=0.1, max=100.0)
    count: int = setting(3, "how many", min=1)
    mode: str = setting("fast", "speed", choices=("fast", "slow"))
    enabled: bool = setting(True, "on or off")
    inner: Inner = setting(Inner(), "nested")
    poses: dict[str, list[float]] = setting({}, "named joint vectors")


def test_defaults_fill_in_and_ints_widen_to_floats():
    config = from_dict(Outer, {"name": "a", "rate": 5})
    assert config.rate == 5.0 and isinstance(config.rate, float)
    assert config.inner == Inner() and config.count == 3


def test_round_trips_through_plain_data():
    config = from_dict(Outer, {"name": "a", "inner": {"size": [3, 4]}, "poses": {"home": [0, 1]}})
    assert from_dict(Outer, to_dict(config)) == config


@pytest.mark.parametrize("data, message", [
    ({"name": "a", "rat": 5.0}, "unknown key(s) ['rat'] (did you mean 'rate'?)"),
    ({}, "missing required key 'name'"),
    ({"name": "a", "rate": 0.0}, "Outer.rate: 0.0 is below the minimum 0.1"),
    ({"name": "a", "rate": 1e9}, "above the maximum 100.0"),
    ({"name": "a", "rate": float("nan")}, "not a finite number"),
    ({"name": "a", "count": 2.5}, "Outer.count: expected int, got 2.5"),
    ({"name": "a", "enabled": 1}, "expected bool"),
    ({"name": "a", "mode": "medium"}, "'medium' is not one of ['fast', 'slow']"),
    ({"name": "a", "inner": {"size": [1.0]}}, "Outer.inner.size: expected 2 values, got 1"),
    ({"name": "a", "inner": {"size": [1.0, -1.0]}}, "Outer.inner.size: -1.0 is below the minimum"),
    ({"name": "a", "poses": {"home": ["x"]}}, "Outer.poses.home[0]: expected float"),
    ("not a mapping", "expected a mapping"),
])
def test_bad_values_are_rejected_with_where_and_why(data, message):
    with pytest.raises(ConfigError) as error:
        from_dict(Outer, data)
    assert message in str(error.value)
