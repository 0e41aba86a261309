"""Atomic writes leave either the old file or the complete new one."""
import numpy as np
import pytest

from seg_by_interaction.core.files import write_bytes_atomic, write_png_atomic


def test_replaces_whole_files_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "sub" / "a.bin"
    write_bytes_atomic(path, b"old")
    write_bytes_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert [p.name for p in path.parent.iterdir()] == ["a.bin"]


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "a.png"
    write_png_atomic(path, np.zeros((4, 4, 3), np.uint8))
    before = path.read_bytes()
    with pytest.raises(ValueError, match="cannot encode"):
        write_png_atomic(path, np.zeros((4, 4, 3), np.float64))
    assert path.read_bytes() == before and len(list(tmp_path.iterdir())) == 1
