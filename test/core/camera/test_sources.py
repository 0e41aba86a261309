"""Recorded folders: frames in order, intrinsics from the folder, bad files left out."""
import cv2
import numpy as np
import pytest

from seg_by_interaction.core.camera.sources import FolderSource, PinholeIntrinsics
from seg_by_interaction.core.images import metres_to_millimetres
from seg_by_interaction.core.validated import ConfigError

K = PinholeIntrinsics(width=64, height=48, fx=100.0, fy=100.0, cx=32.0, cy=24.0)


def write_frame(folder, name, rgb, depth=None):
    (folder / "rgb").mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / "rgb" / name), rgb[:, :, ::-1])
    if depth is not None:
        (folder / "depth").mkdir(exist_ok=True)
        cv2.imwrite(str(folder / "depth" / name), depth)


def test_frames_in_name_order_with_depth_in_metres(tmp_path):
    rgb = np.full((48, 64, 3), (10, 20, 30), np.uint8)
    write_frame(tmp_path, "b.png", rgb, metres_to_millimetres(np.full((48, 64), 1.25, np.float32)))
    write_frame(tmp_path, "a.png", rgb)
    frames = list(FolderSource(tmp_path, K, loop=False).frames())
    assert frames[0].depth is None and np.allclose(frames[1].depth, 1.25)     # a, then b
    assert frames[0].rgb[0, 0].tolist() == [10, 20, 30]
    assert frames[0].intrinsics == K


def test_folder_intrinsics_override_the_default(tmp_path):
    write_frame(tmp_path, "a.png", np.zeros((48, 64, 3), np.uint8))
    (tmp_path / "camera_info.yaml").write_text("width: 64\nheight: 48\nfx: 50\nfy: 51\ncx: 31.5\ncy: 23.5\n")
    frame = next(FolderSource(tmp_path, K).frames())
    assert frame.intrinsics.fx == 50 and frame.intrinsics.cy == 23.5


def test_bad_files_are_left_out_and_an_all_bad_folder_ends(tmp_path, caplog):
    write_frame(tmp_path, "a.png", np.zeros((48, 64, 3), np.uint8), np.zeros((10, 10), np.uint16))
    (tmp_path / "rgb" / "b.png").write_bytes(b"garbage")
    assert list(FolderSource(tmp_path, K, loop=True).frames()) == []
    assert "depth (10, 10) and rgb (48, 64) differ" in caplog.text
    assert "b.png: not a readable image" in caplog.text


def test_frames_of_another_size_than_the_intrinsics_are_left_out(tmp_path, caplog):
    write_frame(tmp_path, "a.png", np.zeros((40, 60, 3), np.uint8))
    assert list(FolderSource(tmp_path, K).frames()) == []
    assert "60x40 frame, but the intrinsics are for 64x48" in caplog.text


@pytest.mark.parametrize("text, message", [
    ("width: 64\nheight: 48\nfx: abc\nfy: 1\ncx: 1\ncy: 1\n", "fx: expected float, got 'abc'"),
    ("[1, 2]", "expected a mapping"),
    ("width: [", "while parsing"),
    ("width: 64\n", "missing required key 'height'"),
    ("{width: 64, height: 48, fx: 1, fy: 1, cx: 70, cy: 1}", "principal point (70.0, 1.0) lies outside"),
])
def test_bad_camera_info_is_a_config_error(tmp_path, text, message):
    write_frame(tmp_path, "a.png", np.zeros((48, 64, 3), np.uint8))
    (tmp_path / "camera_info.yaml").write_text(text)
    with pytest.raises(ConfigError) as error:
        FolderSource(tmp_path, K)
    assert message in str(error.value)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no rgb/\\*.png frames"):
        FolderSource(tmp_path, K)
