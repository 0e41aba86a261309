"""The self-supervised loop end to end: the world and every node of the loop as separate
processes over DDS, a small budget of interactions drawn half pick-and-place, half push
(Eitel et al. 2019), labels stored beside their records (pushes by optical flow, picks by
frame difference), a checkpoint announced by the trainer and reloaded by the hypothesis
server, which then answers from the model; then every process stopped together by a
terminal's double Ctrl-C ends cleanly, the trainer with its final checkpoint. The PR2 and
the Panda run a few interactions of the same graph."""
import json
import re
import signal
import time

import pytest
from ros_harness import call_service, wait_for_message, wait_for_node, wait_until

from seg_by_interaction.core.run_store import RunStore
from seg_by_interaction.core.wiring import LoopRun, loop_wiring
from seg_by_interaction.msg import InteractionRecord, LabeledExample, ModelUpdate, Primitive
from seg_by_interaction.ros import qos
from seg_by_interaction.ros.loop import loop_commands
from seg_by_interaction.srv import Segment

INTERACTIONS = 6      # records the test checks
BUDGET = 30           # the collector's: enough that some bootstrap pick succeeds (one in four does)
OTHER_ROBOTS_BUDGET = 3


def ci_loop(run_dir):
    """The loop as `sbi collect` wires it, with a budget and a pace small enough for CI."""
    overrides = (
        "world_node:arena.min_objects:=4", "world_node:arena.max_objects:=4",
        "hypothesis_server:segmenter.scales:=[1.0]",
        "interaction_executor:max_consecutive_failures:=1000",
        "online_trainer:training.min_positives:=1", "online_trainer:training.batch_size:=4",
        "online_trainer:steps_per_example:=2.0", "online_trainer:checkpoint_every_steps:=1000",
        "collector:reset_every:=0", "collector:new_scene_every:=10", "collector:random_share:=0.0",
        "collector:primitive:=mix", "collector:primitive_mix.push:=1.0")
    return loop_wiring(LoopRun(run_dir=run_dir, interactions=BUDGET, first_model_after=2,
                               overrides=overrides))


def test_interactions_become_labels_and_a_model_the_server_reloads(start_process, test_node, tmp_path):
    run_dir = tmp_path / "run"
    records, examples, updates = [], [], []
    test_node.create_subscription(InteractionRecord, "interaction_records", records.append,
                                  qos.INTERACTION_DATA)
    test_node.create_subscription(LabeledExample, "labeled_examples", examples.append,
                                  qos.INTERACTION_DATA)
    test_node.create_subscription(ModelUpdate, "model_updates", updates.append, qos.LATCHED)
    processes = {name: start_process(command) for name, command in loop_commands(ci_loop(run_dir)).items()}
    wait_for_node(test_node, "collector", timeout=90)

    wait_until(lambda: len(records) >= INTERACTIONS, 200, interval=0.5, what=f"{INTERACTIONS} records")
    wait_for_message(examples, timeout=60, what="a labelled example")
    # the first model needs a positive label: a bootstrap pick that lifted an object
    wait_until(lambda: any(e.positive for e in examples), 300, interval=0.5, what="a positive label")
    update = wait_for_message(updates, timeout=120, what="a model update")
    assert update.version >= 1 and len(update.sha256) == 64 and update.architecture == "efficientnet_lite0_embedding"

    segment = test_node.create_client(Segment, "/hypothesis_server/segment")
    wait_until(lambda: call_service(test_node, segment, Segment.Request()).hypotheses.model_version >= 1,
               60, interval=1.0, what="the hypothesis server answering from the new model")
    answer = call_service(test_node, segment, Segment.Request(max_hypotheses=3))
    assert answer.success and 0 < len(answer.hypotheses.hypotheses) <= 3
    # a model of a few interactions may see nothing above the table: then the frame is
    # the bootstrap's (core/hypotheses/proposer.py), never a mix
    assert {h.source for h in answer.hypotheses.hypotheses} in ({"model"}, {"bottom_up"})

    store = RunStore(run_dir)
    record_ids = store.record_ids()
    assert len(record_ids) >= INTERACTIONS
    first = next(r for r in records if r.primitive.type == Primitive.PICK_PLACE)
    assert first.record_id in record_ids and first.before_rgb.width == 320
    assert first.primitive.hypothesis.source == "bottom_up"      # passive bootstrap, no ground truth
    meta = json.loads((store.record_dir(first.record_id) / "record.json").read_text())
    assert meta["primitive"] == "pick_place" and meta["action_px"] is not None
    wait_until(lambda: all(store.read_labels(r) is not None for r in record_ids[:INTERACTIONS]), 30,
               what="labels stored beside every record")
    pushed = {r.record_id for r in records if r.primitive.type == Primitive.PUSH}
    assert pushed, "half the interactions should be pushes"
    wait_until(lambda: any(e.record_id in pushed for e in examples), 60, what="a push labelled")
    assert all((e.depth.encoding, e.depth.width, e.depth.height) == ("32FC1", 320, 240)
               for e in examples)                                    # RGB-D models train on it
    own = [e for e in examples if not e.frame_pair.startswith("carried_")]   # not carried forward
    assert {e.labeler for e in own if e.record_id in pushed} == {"optical_flow"}
    assert {e.labeler for e in own if e.record_id not in pushed} == {"frame_difference"}
    for name, process in processes.items():
        assert process.process.poll() is None, f"{name} exited:\n{process.output()[-2000:]}"

    # a terminal's Ctrl-C under launch: SIGINT twice, 0.3 s apart, to every node together;
    # all end cleanly within 20 s, the trainer with a final checkpoint of what it learned
    for process in processes.values():
        process.signal_group(signal.SIGINT)
    time.sleep(0.3)
    for process in processes.values():
        process.signal_group(signal.SIGINT)
    exits = {name: p.wait(timeout=20) for name, p in processes.items()}
    assert exits == dict.fromkeys(processes, 0)
    final = re.search(r"final checkpoint at step (\d+)", processes["online_trainer"].output())
    assert final and any(f"step {final[1]}," in line for line in
                         processes["online_trainer"].output().splitlines() if "announced" in line)


@pytest.mark.parametrize("robot, primitive", [("pr2", Primitive.PUSH),
                                              ("panda", Primitive.PICK_PLACE)])
def test_the_other_robots_run_the_loop_through_the_motion_server(start_process, test_node,
                                                                 tmp_path, robot, primitive):
    """The PR2 (pushing, its camera on the moving head) and the Panda: the world as the
    arm's hardware, the motion server's embedded backend, each node its own process; their
    interactions are recorded and labelled."""
    run_dir = tmp_path / "run"
    wiring = loop_wiring(LoopRun(run_dir=run_dir, interactions=OTHER_ROBOTS_BUDGET, robot=robot,
                                 first_model_after=1000, overrides=(
        "world_node:arena.min_objects:=3", "world_node:arena.max_objects:=3",
        "interaction_executor:max_consecutive_failures:=1000",
        "collector:reset_every:=0", "collector:random_share:=0.0")))
    records = []
    test_node.create_subscription(InteractionRecord, "interaction_records", records.append,
                                  qos.INTERACTION_DATA)
    processes = {name: start_process(command) for name, command in loop_commands(wiring).items()}
    assert "motion_server" in processes
    wait_until(lambda: len(records) >= OTHER_ROBOTS_BUDGET, 300, interval=0.5,
               what=f"{OTHER_ROBOTS_BUDGET} records")
    assert {record.primitive.type for record in records} == {primitive}
    store = RunStore(run_dir)
    wait_until(lambda: all(store.read_labels(r.record_id) is not None for r in records), 60,
               what="labels stored beside every record")
    for name, process in processes.items():
        assert process.process.poll() is None, f"{name} exited:\n{process.output()[-2000:]}"
