"""The memory bank: bounded per class, one atomic file per example, restored from disk
after a crash, sampled uniformly or by priority, and asked for a frame's examples."""
import dataclasses
import json
import logging
import zlib

import numpy as np
import pytest

from seg_by_interaction.core.training.memory_bank import Example, MemoryBank


def example(name, positive=True, seq=0, size=(24, 32)):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    mask = np.zeros(size, bool)
    mask[4:12, 6:20] = positive
    return Example(example_id=name, image=rng.integers(0, 256, (*size, 3), dtype=np.uint8),
                   mask=mask, positive=positive, action_px=(12.0, 8.0), confidence=0.8,
                   record_id=f"record_{name}", frame_pair="before_mid", labeler="frame_diff",
                   created_seq=seq)


def files(directory):
    return sorted(p.name for p in directory.iterdir())


def test_examples_round_trip_through_the_directory(tmp_path):
    bank = MemoryBank(tmp_path)
    original = example("a", seq=7)
    assert bank.add(original)
    restored = MemoryBank(tmp_path).sample(1, 0, np.random.default_rng(0))[0]
    assert np.array_equal(restored.image, original.image)
    assert np.array_equal(restored.mask, original.mask) and restored.mask.dtype == bool
    for field in ("example_id", "positive", "action_px", "confidence", "record_id",
                  "frame_pair", "labeler", "created_seq"):
        assert getattr(restored, field) == getattr(original, field)


def test_depth_and_frame_round_trip_and_examples_are_found_by_frame(tmp_path):
    bank = MemoryBank(tmp_path, capacity_positive=2)
    depth = np.linspace(0.5, 1.5, 24 * 32, dtype=np.float32).reshape(24, 32)
    first = dataclasses.replace(example("a", seq=1), depth=depth, record_id="r1", frame="before")
    second = dataclasses.replace(example("b", seq=2), record_id="r1", frame="before")
    other = dataclasses.replace(example("c", seq=3), record_id="r1", frame="after")
    for item in (first, second, other):
        bank.add(item)
    assert [e.example_id for e in bank.same_frame(second)] == ["b"], "a was evicted"
    restored = MemoryBank(tmp_path)
    assert [e.example_id for e in restored.same_frame(other)] == ["c"]
    assert np.array_equal(restored.same_frame(second)[0].image, second.image)
    kept = MemoryBank(tmp_path / "two")
    kept.add(first)
    assert np.array_equal(MemoryBank(tmp_path / "two").same_frame(first)[0].depth, depth)
    assert example("d").frame_key == "d", "without a frame an example is its own frame"


def test_each_class_keeps_its_newest_examples_and_deletes_the_rest(tmp_path):
    bank = MemoryBank(tmp_path, capacity_positive=3, capacity_negative=2)
    for i in range(5):
        bank.add(example(f"p{i}", seq=i))
    for i in range(3):
        bank.add(example(f"n{i}", positive=False, seq=i))
    assert bank.counts() == (3, 2) and len(bank) == 5
    assert files(tmp_path) == ["index.json", "n1.npz", "n2.npz", "p2.npz", "p3.npz", "p4.npz"]
    assert not bank.add(example("late", seq=1)), "older than every positive kept"
    assert bank.add(example("p5", seq=5)) and "p2.npz" not in files(tmp_path)


def test_writes_are_atomic_and_the_index_lists_the_bank(tmp_path):
    bank = MemoryBank(tmp_path)
    for i in range(3):
        bank.add(example(f"e{i}", positive=i != 1))
    assert files(tmp_path) == ["e0.npz", "e1.npz", "e2.npz", "index.json"], "no temporaries"
    assert json.loads((tmp_path / "index.json").read_text()) == {
        "format": 1, "examples": ["e0", "e1", "e2"]}


def test_an_in_memory_bank_writes_nothing_and_keeps_every_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    held = [example(f"p{i}", seq=i) for i in range(3)] + [example("n0", positive=False)]
    bank = MemoryBank.in_memory([*held, example("p0", positive=False)])
    assert bank.counts() == (3, 1), "a duplicate id is ignored"
    assert bank.directory is None and not any(tmp_path.iterdir())
    drawn = bank.sample(3, 1, np.random.default_rng(0))
    assert {e.example_id for e in drawn} == {e.example_id for e in held}


def test_a_duplicate_id_is_ignored(tmp_path):
    bank = MemoryBank(tmp_path)
    assert bank.add(example("a"))
    before = (tmp_path / "a.npz").read_bytes()
    assert not bank.add(example("a", positive=False))
    assert bank.counts() == (1, 0) and (tmp_path / "a.npz").read_bytes() == before


def test_invalid_examples_are_refused():
    with pytest.raises(ValueError, match="example_id"):
        example("../escape")
    with pytest.raises(ValueError, match="mask must be"):
        Example(example_id="a", image=np.zeros((4, 4, 3), np.uint8), mask=np.zeros((4, 5), bool),
                positive=True, action_px=(0, 0))
    with pytest.raises(ValueError, match="depth must be"):
        Example(example_id="a", image=np.zeros((4, 4, 3), np.uint8), mask=np.zeros((4, 4), bool),
                positive=True, action_px=(0, 0), depth=np.zeros((4, 4)))


def test_reopening_restores_the_bank_and_its_eviction_order(tmp_path):
    bank = MemoryBank(tmp_path, capacity_positive=2)
    bank.add(example("old", seq=1))
    bank.add(example("new", seq=2))
    reopened = MemoryBank(tmp_path, capacity_positive=2)
    assert reopened.counts() == (2, 0)
    reopened.add(example("newest", seq=3))
    assert files(tmp_path) == ["index.json", "new.npz", "newest.npz"]


def test_a_file_the_index_missed_is_adopted(tmp_path, caplog):
    bank = MemoryBank(tmp_path)
    bank.add(example("a"))
    index = (tmp_path / "index.json").read_bytes()
    bank.add(example("b", positive=False))
    (tmp_path / "index.json").write_bytes(index)  # killed between the example and the index
    with caplog.at_level(logging.WARNING):
        assert MemoryBank(tmp_path).counts() == (1, 1)
    assert "rebuilding" in caplog.text
    assert json.loads((tmp_path / "index.json").read_text())["examples"] == ["a", "b"]


def test_corrupt_files_and_a_torn_index_are_survived(tmp_path, caplog):
    bank = MemoryBank(tmp_path)
    for name in ("a", "b", "c"):
        bank.add(example(name))
    (tmp_path / "b.npz").write_bytes(b"PK\x03\x04 not a zip")
    (tmp_path / "index.json").write_text('{"format": 1, "exam')
    (tmp_path / ".c.npz.x1y2.tmp").write_bytes(b"half")
    with caplog.at_level(logging.WARNING):
        reopened = MemoryBank(tmp_path)
    assert reopened.counts() == (2, 0)
    assert "skipping unreadable b.npz" in caplog.text and "unreadable index" in caplog.text
    assert json.loads((tmp_path / "index.json").read_text())["examples"] == ["a", "c"]
    assert files(tmp_path) == ["a.npz", "b.npz.corrupt", "c.npz", "index.json"]
    with caplog.at_level(logging.WARNING):
        caplog.clear()
        MemoryBank(tmp_path)
    assert caplog.text == "", "reported once"



def test_a_bank_on_disk_keeps_the_pixels_of_its_last_drawn_examples_only(tmp_path):
    bank = MemoryBank(tmp_path, cache_examples=2)
    originals = {name: example(name, seq=i) for i, name in enumerate("abcd")}
    for item in originals.values():
        bank.add(item)
    assert bank.pixels_held == 2
    drawn = bank.sample(4, 0, np.random.default_rng(0))
    assert sorted(e.example_id for e in drawn) == list("abcd") and bank.pixels_held == 2
    assert all(np.array_equal(e.image, originals[e.example_id].image) for e in drawn)


def test_an_example_whose_file_breaks_after_opening_is_set_aside_when_drawn(tmp_path, caplog):
    bank = MemoryBank(tmp_path, cache_examples=1)
    for name in ("a", "b"):
        bank.add(example(name))
    (tmp_path / "a.npz").write_bytes(b"PK\x03\x04 not a zip")
    with caplog.at_level(logging.WARNING), pytest.raises(ValueError, match="a no longer reads"):
        bank.same_frame(example("a"))
    assert "setting aside unreadable a.npz" in caplog.text and "a" not in bank
    assert [e.example_id for e in bank.sample(2, 0, np.random.default_rng(0))] == ["b", "b"]
    assert json.loads((tmp_path / "index.json").read_text())["examples"] == ["b"]


def test_an_example_whose_file_is_gone_is_left_out_when_drawn(tmp_path):
    bank = MemoryBank(tmp_path, cache_examples=1)
    for name in ("a", "b"):
        bank.add(example(name))                      # b's pixels are the ones in memory
    (tmp_path / "a.npz").unlink()
    with pytest.raises(ValueError, match="a no longer reads"):
        bank.same_frame(example("a"))
    assert "a" not in bank and files(tmp_path) == ["b.npz", "index.json"]


def test_sampling_draws_the_requested_counts(tmp_path):
    bank = MemoryBank(tmp_path)
    for i in range(4):
        bank.add(example(f"p{i}"))
    bank.add(example("n0", positive=False))
    drawn = bank.sample(3, 2, np.random.default_rng(0))
    assert [e.positive for e in drawn] == [True] * 3 + [False] * 2
    assert len({e.example_id for e in drawn[:3]}) == 3, "no repeats while there are enough"
    assert [e.example_id for e in drawn[3:]] == ["n0", "n0"], "repeats when there are not"
    with pytest.raises(ValueError, match="holds none"):
        MemoryBank(tmp_path / "empty").sample(1, 0, np.random.default_rng(0))


def test_sampling_is_uniform_until_priorities_favour_examples(tmp_path):
    bank = MemoryBank(tmp_path)
    for i in range(10):
        bank.add(example(f"p{i}"))
    rng = np.random.default_rng(0)

    def share_of_p0(sampled, draws=4000):
        return np.mean([sampled.sample(1, 0, rng)[0].example_id == "p0" for _ in range(draws)])

    assert share_of_p0(bank) == pytest.approx(0.1, abs=0.02)
    bank.set_priority(["p0", "gone"], [10.0, 5.0])
    assert share_of_p0(bank) == pytest.approx(10 / 19, abs=0.03)
    with pytest.raises(ValueError, match="finite and > 0"):
        bank.set_priority(["p1"], [0.0])
    assert share_of_p0(MemoryBank(tmp_path)) == pytest.approx(0.1, abs=0.02), \
        "priorities live in memory only"
