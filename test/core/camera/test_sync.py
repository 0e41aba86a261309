"""Camera images checked on arrival and colour paired with depth by approximate time."""
import dataclasses

import pytest

from seg_by_interaction.core.camera.sync import (FramePairer, FrameSyncParams, ImageHeader,
                                                 UnpairedTime, check_image)
from seg_by_interaction.core.images import ImageError

PARAMS = FrameSyncParams()
MS = 1_000_000


def header(stamp_ms, encoding="rgb8", size=(4, 6), frame_id="optical"):
    height, width = size
    step = width * {"rgb8": 3, "32FC1": 4, "16UC1": 2}[encoding]
    return ImageHeader(stamp_ms * MS, frame_id, height, width, encoding, step, step * height)


@pytest.mark.parametrize("kind, image, reason", [
    ("rgb", header(0, size=(0, 0)), "empty image"),
    ("rgb", header(0, size=(5, 6)), "camera's are 6x4"),
    ("rgb", header(0, "32FC1"), "expected one of"),
    ("depth", header(0, "rgb8"), "expected one of"),
    ("rgb", dataclasses.replace(header(0), size=7), "needs 72 bytes"),
    ("rgb", header(2000), "in the future"),
])
def test_images_that_cannot_be_the_camera_s_are_refused(kind, image, reason):
    with pytest.raises(ImageError, match=reason):
        check_image(kind, image, (4, 6), now_ns=1000 * MS, params=PARAMS)


def test_good_images_pass_and_an_unstarted_clock_checks_no_stamp():
    check_image("depth", header(1400, "32FC1"), (4, 6), now_ns=1000 * MS, params=PARAMS)
    check_image("rgb", header(10 ** 6), (4, 6), now_ns=0, params=PARAMS)


def test_colour_and_depth_pair_within_the_slop_and_only_newer_frames_complete():
    pairer = FramePairer(("rgb", "depth"), PARAMS)
    assert pairer.add("rgb", header(100), "rgb100") is None
    assert pairer.add("depth", header(125, "32FC1"), "depth125") is None     # 25 ms apart
    assert pairer.add("depth", header(112, "32FC1"), "depth112") == {"rgb": "rgb100",
                                                                      "depth": "depth112"}
    assert pairer.add("rgb", header(90), "rgb90") is None                     # older than the last
    assert pairer.add("depth", header(95, "32FC1"), "depth95") is None
    assert pairer.add("rgb", header(130), "rgb130") == {"rgb": "rgb130", "depth": "depth125"}


def test_frames_from_a_source_that_restarted_its_clock_pair_again():
    pairer = FramePairer(("rgb", "depth"), PARAMS)
    pairer.add("rgb", header(60_000), "rgb60s")
    assert pairer.add("depth", header(60_005, "32FC1"), "depth60s")
    pairer.add("rgb", header(55_000), "rgb55s")                  # 5 s back: stale
    assert pairer.add("depth", header(55_000, "32FC1"), "depth55s") is None
    pairer.add("rgb", header(100), "rgb_restarted")              # 60 s back: a restart
    assert pairer.add("depth", header(104, "32FC1"), "depth_restarted") == {
        "rgb": "rgb_restarted", "depth": "depth_restarted"}
    pairer.add("rgb", header(90), "rgb90")
    assert pairer.add("depth", header(90, "32FC1"), "depth90") is None   # older than the new last
    assert pairer.add("depth", header(55_010, "32FC1"), "depth55s_after") is None  # rgb55s gone


def test_depth_must_be_registered_to_colour_or_stated_so():
    pairer = FramePairer(("rgb", "depth"), PARAMS)
    pairer.add("rgb", header(100), "rgb")
    with pytest.raises(ImageError, match="not registered"):
        pairer.add("depth", header(100, "32FC1", frame_id="depth_optical"), "depth")
    assert pairer.add("depth", header(105, "32FC1"), "registered") == {"rgb": "rgb",
                                                                       "depth": "registered"}
    registered = dataclasses.replace(PARAMS, depth_frame_id="depth_optical")
    stated = FramePairer(("rgb", "depth"), registered)
    stated.add("rgb", header(100), "rgb")
    assert stated.add("depth", header(100, "32FC1", frame_id="depth_optical"), "depth")


def test_ground_truth_completes_a_frame_when_it_is_wanted():
    pairer = FramePairer(("rgb", "depth", "truth"), PARAMS)
    pairer.add("rgb", header(100), "rgb")
    assert pairer.add("depth", header(100, "32FC1"), "depth") is None
    assert pairer.add("truth", header(100, "16UC1"), "truth")["truth"] == "truth"


def test_unpaired_time_counts_from_the_first_image_since_the_last_frame():
    unpaired = UnpairedTime()
    assert unpaired.unpaired_for(100.0) == 0.0      # a camera silent for long, then an image
    assert unpaired.unpaired_for(100.5) == 0.5
    unpaired.paired()
    assert unpaired.unpaired_for(130.0) == 0.0      # a motion without images in between
    assert unpaired.unpaired_for(136.0) == 6.0      # images arrive, none pairs
