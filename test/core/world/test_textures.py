"""Procedural table textures: deterministic, varied, and split without overlap."""
import numpy as np
import pytest

from seg_by_interaction.core.world.textures import FAMILIES, make_texture, texture_names


def test_splits_are_disjoint_cover_every_family_and_are_large_enough():
    splits = {split: texture_names(split) for split in ("train", "val", "test")}
    assert len(splits["train"]) >= 24 and len(splits["val"]) >= 6 and len(splits["test"]) >= 10
    all_names = [name for names in splits.values() for name in names]
    assert len(set(all_names)) == len(all_names)
    for names in splits.values():
        assert {name.rpartition("_")[0] for name in names} == set(FAMILIES)


@pytest.mark.parametrize("name", [f"{family}_{i}" for family in FAMILIES for i in (0, 200)])
def test_textures_are_deterministic_and_not_flat(name):
    texture = make_texture(name, size=128)
    assert texture.shape == (128, 128, 3) and texture.dtype == np.uint8
    assert np.array_equal(texture, make_texture(name, size=128))
    assert texture.astype(float).std(axis=(0, 1)).max() > 8, "a flat colour is no texture"


def test_different_names_give_different_textures():
    textures = [make_texture(name, size=64) for name in texture_names("test")]
    for i, a in enumerate(textures):
        for b in textures[i + 1:]:
            assert np.abs(a.astype(int) - b.astype(int)).mean() > 5


@pytest.mark.parametrize("name", ["wood", "velvet_1", "wood_x"])
def test_bad_names_are_rejected(name):
    with pytest.raises(ValueError, match="is not <family>_<index>"):
        make_texture(name)


def test_unknown_split_is_rejected():
    with pytest.raises(ValueError, match="unknown split 'holdout'"):
        texture_names("holdout")
