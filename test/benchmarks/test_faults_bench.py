"""`sbi bench faults` within the test suite's budget: a fast subset of its fuzz cases
against the labeler and the trainer as separate processes, and a labeler SIGKILLed while
it labels, started again: nothing lost, nothing damaged."""
import json
import signal

from ros_harness import node_command, wait_until

from seg_by_interaction.benchmarks import fault_fuzz, fault_loops
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.core.run_store import RunStore

ROBOT = load_robot_config("sawyer")
CASES = 60


def test_a_fuzz_subset_leaves_the_labeler_and_trainer_running_and_serving(start_process, test_node,
                                                                         tmp_path):
    run_dir = tmp_path / "run"
    processes = [start_process(node_command(name, "-p", f"run_dir:={run_dir}"))
                 for name in ("mask_labeler", "online_trainer")]
    counted = fault_fuzz.rejections_counted(test_node)
    wait_until(lambda: {"mask_labeler", "online_trainer"} <= set(test_node.get_node_names()), 90,
               what="the nodes")
    tally = fault_fuzz.fuzz_graph(test_node, ROBOT, run_dir, CASES, seed=18,
                                  interfaces=("interaction_records", "labeled_examples"))
    assert tally.cases == tally.answers[fault_fuzz.SENT] == CASES
    wait_until(lambda: counted.get("mask_labeler: interaction_records") == CASES // 2
               and counted.get("online_trainer: labeled_examples") == CASES // 2, 30,
               what="every hostile record and example refused with a reason")
    assert fault_fuzz.labeler_serves(test_node, RunStore(run_dir), ROBOT.camera())
    assert fault_fuzz.trainer_serves(test_node)
    assert all(process.running() for process in processes)


def test_a_labeler_killed_while_labelling_resumes_and_loses_nothing(start_process, tmp_path):
    store = RunStore(tmp_path / "run")
    record_ids = {fault_fuzz.write_control_record(store, ROBOT.camera()) for _ in range(30)}
    command = node_command("mask_labeler", "-p", f"run_dir:={store.root}",
                           "-p", "rescan_every_s:=0.5")
    labeler = start_process(command)
    wait_until(lambda: (store.records_dir / min(record_ids) / "labels" / "labels.json").is_file(),
               60, interval=0.01, what="the first labels")
    labeler.signal_group(signal.SIGKILL)
    labeler.wait(timeout=10)
    unlabelled_at_kill = fault_loops.losses(store, record_ids)["records_unlabelled"]
    start_process(command)
    wait_until(lambda: fault_loops.losses(store, record_ids)["records_unlabelled"] == 0, 60,
               interval=0.5, what="every record labelled after the restart")
    figures = fault_loops.losses(store, record_ids)
    assert unlabelled_at_kill > 0                      # the kill came while it was labelling
    assert figures["records_lost"] == 0 and figures["files_quarantined"] == []
    assert all(store.read_labels(record_id) for record_id in record_ids)


def test_soak_memory_grows_from_the_warm_up_of_the_processes_running_last(tmp_path):
    samples = tmp_path / "memory.jsonl"
    lines = [{"interactions": n, "trainer": [1, 900.0]} for n in (0, 300)]      # a first soak
    lines += [{"interactions": n, "trainer": [2, rss]}                           # resumed
              for n, rss in [(300, 10.0), (320, 400.0), (500, 500.0), (510, 510.0), (700, 550.0)]]
    samples.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert fault_loops.memory_growth(samples)["rss_mb"]["trainer"] == {
        "from_interaction": 500, "rss_mb_then": 500.0, "to_interaction": 700, "rss_mb_now": 550.0,
        "growth_percent": 10.0}
