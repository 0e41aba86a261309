"""A family of parts chosen by name: each built from its own validated parameters, its
module imported only when the part is made, and a section of parameters per part."""
import dataclasses

import pytest

from seg_by_interaction.core.registry import Part, Registry
from seg_by_interaction.core.validated import ConfigError, from_dict, setting


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScaleParams:
    factor: float = setting(2.0, "what to multiply by", min=0.0, max=10.0)


class Scale:
    def __init__(self, params: ScaleParams):
        self.params = params


class Identity:
    pass


PARTS = Registry("transform", {
    "scale": Part(f"{__name__}:Scale", f"{__name__}:ScaleParams", "multiplies"),
    "identity": Part(f"{__name__}:Identity"),
})


@dataclasses.dataclass(frozen=True, kw_only=True)
@PARTS.sections
class NodeParams:
    transform: str = PARTS.choice("identity", "which transform")


def test_parts_are_made_from_plain_data_their_parameters_or_defaults():
    assert PARTS.make("scale", {"factor": 3.0}).params == ScaleParams(factor=3.0)
    assert PARTS.make("scale", ScaleParams(factor=4.0)).params.factor == 4.0
    assert PARTS.make("scale").params == ScaleParams()
    assert isinstance(PARTS.make("identity"), Identity)
    assert PARTS.builder("scale") is Scale


def test_unknown_names_list_the_choices():
    assert PARTS.names() == ("scale", "identity")
    with pytest.raises(KeyError, match=r"unknown transform 'rotate'; available: "
                                       r"\['identity', 'scale'\]"):
        PARTS.make("rotate")


def test_bad_parameters_are_config_errors():
    with pytest.raises(ConfigError, match="scale transform.factor: 11.0 is above the maximum"):
        PARTS.make("scale", {"factor": 11.0})
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['fator'\]"):
        PARTS.make("scale", {"fator": 1.0})
    with pytest.raises(ConfigError, match="'identity' takes no parameters"):
        PARTS.make("identity", {"factor": 1.0})


def test_a_part_is_imported_only_when_it_is_made():
    missing = Registry("transform", {"missing": Part("no_such_module:Part",
                                                     "no_such_module:Params")})
    assert missing.names() == ("missing",)
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        missing.make("missing")


def test_sections_give_each_part_with_parameters_its_own_validated_section():
    assert [f.name for f in dataclasses.fields(NodeParams)] == ["transform", "scale"]
    params = from_dict(NodeParams, {"transform": "scale", "scale": {"factor": 5.0}})
    assert PARTS.make_chosen(params, "transform").params.factor == 5.0
    assert isinstance(PARTS.make_chosen(NodeParams(), "transform"), Identity)
    assert NodeParams().scale == ScaleParams()
    with pytest.raises(ConfigError, match=r"NodeParams.transform: 'rotate' is not one of"):
        from_dict(NodeParams, {"transform": "rotate"})
    with pytest.raises(ConfigError, match="NodeParams.scale.factor: -1.0 is below the minimum"):
        from_dict(NodeParams, {"scale": {"factor": -1.0}})
