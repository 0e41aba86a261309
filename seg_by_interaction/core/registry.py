"""Things chosen by name, as "module:attribute" strings imported only when a name is used
(so that, e.g., `sbi --help` or checking a config does not import torch, PyBullet or
rclpy).

`Registry` holds one family of interchangeable parts (labelers, mask losses,
segmentation methods, model architectures), each built from its own validated parameter
dataclass. A dataclass given a section per part (`Registry.sections`) imports every
part's parameter class when it is defined, so those classes belong in modules no heavier
to import than that dataclass's own."""
from __future__ import annotations

import dataclasses
import importlib
from typing import Any

from seg_by_interaction.core.validated import ConfigError, from_dict, setting


def resolve(table: dict[str, str], name: str, kind: str):
    """The attribute `table[name]` points to; KeyError naming the choices otherwise."""
    return _load(_entry(table, name, kind))


@dataclasses.dataclass(frozen=True)
class Part:
    """What builds a part: `builder` takes an instance of `params`, the part's parameter
    dataclass, or nothing when the part has no parameters (`params` None); parts built
    from more than their parameters call their `Registry.builder` themselves."""
    builder: str
    params: str | None = None
    description: str = ""


class Registry:
    """One family of interchangeable parts, by name; `kind` names the family in errors."""

    def __init__(self, kind: str, parts: dict[str, Part]):
        self.kind = kind
        self._parts = parts

    def names(self) -> tuple[str, ...]:
        return tuple(self._parts)

    def choice(self, default: str, description: str) -> Any:
        """A `setting` naming one of the parts."""
        return setting(default, description, choices=self.names())

    def builder(self, name: str) -> Any:
        return _load(_entry(self._parts, name, self.kind).builder)

    def make(self, name: str, params: Any = None) -> Any:
        """The part `name`, built from `params`: an instance of its parameter class, plain
        data validated by that class (ConfigError), or None for its defaults."""
        part = _entry(self._parts, name, self.kind)
        builder = _load(part.builder)
        if part.params is None:
            if params:
                raise ConfigError(f"the {self.kind} '{name}' takes no parameters, got {params}")
            return builder()
        params_class = _load(part.params)
        if not isinstance(params, params_class):
            params = from_dict(params_class, params or {}, f"{name} {self.kind}")
        return builder(params)

    def make_chosen(self, params: Any, choice: str) -> Any:
        """The part named by field `choice` of `params`, a dataclass with `sections`, built
        from its section."""
        name = getattr(params, choice)
        return self.make(name, getattr(params, name, None))

    def sections(self, cls: type) -> type:
        """Class decorator, under `@dataclass`: gives `cls` one field per part with
        parameters, named after the part and holding its parameters."""
        for name, part in self._parts.items():
            if part.params:
                params_class = _load(part.params)
                cls.__annotations__[name] = params_class
                setattr(cls, name, setting(params_class(), part.description))
        return cls


def _entry(table: dict, name: str, kind: str):
    if name not in table:
        raise KeyError(f"unknown {kind} '{name}'; available: {sorted(table)}")
    return table[name]


def _load(path: str):
    module, attribute = path.split(":")
    return getattr(importlib.import_module(module), attribute)
