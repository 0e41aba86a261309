"""Benchmark of the simulated world: rendering speed, seconds per primitive, grasp and
push success on isolated test-split objects (grasps from PCA of the ground-truth mask),
and how often a primitive disturbs a neighbour."""
from __future__ import annotations

import collections
import time

import numpy as np
from tqdm import tqdm

from seg_by_interaction.core.hypotheses.grasp import top_down_grasp
from seg_by_interaction.core.interaction.primitives import Primitives
from seg_by_interaction.core.robot_config import RobotConfig
from seg_by_interaction.core.world import objects
from seg_by_interaction.core.world.arena import Arena
from seg_by_interaction.core.world.embedded_backend import EmbeddedMotionBackend
from seg_by_interaction.core.world.params import ArenaConfig

LIFT_SUCCESS_M = 0.05
PUSH_SUCCESS_M = 0.05
PUSH_MAX_ANGLE_DEG = 45.0
NEIGHBOUR_MOVED_M = 0.01


def render_rate(robot: RobotConfig, width: int, height: int, frames: int = 20) -> float:
    """Camera frames per second (RGB, noisy depth, ground truth), shadows on, 8 objects."""
    arena = Arena(robot.with_image_size(width, height), ArenaConfig(min_objects=8))
    try:
        arena.reset_scene("test", 0)
        arena.observe()
        start = time.perf_counter()
        for _ in range(frames):
            arena.observe()
        return frames / (time.perf_counter() - start)
    finally:
        arena.close()


class PrimitiveTrials:
    """Runs primitives on chosen objects and measures what happened to them."""

    def __init__(self, robot: RobotConfig, seed: int = 0, arena: ArenaConfig = ArenaConfig()):
        self.arena = Arena(robot, arena)
        self.robot = robot
        self.backend = EmbeddedMotionBackend.in_world(self.arena, seed=seed)
        self.poses_at: dict[str, np.ndarray] = {}
        self.primitives = Primitives(self.backend, robot, self._capture)
        self.target = None
        self.seconds: dict[str, list[float]] = collections.defaultdict(list)

    def _capture(self, label):
        if self.target is not None:
            self.poses_at[label] = self.arena.object_pose(self.target)[0]
            self.poses_at[f"{label}_contacts"] = self.arena.robot.finger_contacts(self.target.body)
        return self.arena.observe()

    def _mask_grasp(self, obj):
        view = self.arena.observe()
        return top_down_grasp(view.instance_mask == obj.instance_id, view.depth, view.intrinsics,
                              view.camera_pose)

    def _timed(self, name, call):
        start = time.perf_counter()
        result = call()
        self.seconds[name].append(time.perf_counter() - start)
        return result

    def grasp(self, obj) -> tuple[bool, str]:
        """Lifted >= 5 cm and held by the fingers when the arm is out of view (mid frame)."""
        self.target, self.poses_at = obj, {}
        start, _ = self.arena.object_pose(obj)
        grasp = self._mask_grasp(obj)
        if grasp is None:
            return False, "no depth under the mask"
        result = self._timed("pick_place", lambda: self.primitives.pick_place(
            grasp.position, grasp.yaw, grasp.width_m))
        lifted = "mid" in self.poses_at and self.poses_at["mid"][2] - start[2] >= LIFT_SUCCESS_M
        held = self.poses_at.get("mid_contacts", 0) > 0
        if result.success and not (lifted and held):
            return False, "not lifted 5 cm by the fingers"
        return bool(lifted and held), result.reason

    def push(self, obj, rng) -> tuple[bool, str]:
        """Moved >= 5 cm within 45 degrees of the push direction."""
        self.target = obj
        start, _ = self.arena.object_pose(obj)
        angle = rng.uniform(-np.pi, np.pi)
        heading = np.array([np.cos(angle), np.sin(angle), 0.0])
        result = self._timed("push", lambda: self.primitives.push(start, heading))
        moved = (self.arena.object_pose(obj)[0] - start)[:2]
        distance = np.linalg.norm(moved)
        along = distance > 0 and np.degrees(np.arccos(np.clip(moved @ heading[:2] / distance, -1, 1)))
        if not result.success:
            return False, result.reason
        if distance < PUSH_SUCCESS_M:
            return False, "moved less than 5 cm"
        if along > PUSH_MAX_ANGLE_DEG:
            return False, "moved more than 45 degrees off the push direction"
        return True, result.reason

    def close(self):
        self.arena.close()


def isolated_trials(trials: PrimitiveTrials, kind: str, count: int, seed: int) -> dict:
    """`count` grasps or pushes, each on one test-split object alone on the table."""
    names = objects.object_names("test")
    rng = np.random.default_rng(seed)
    per_family = collections.defaultdict(lambda: [0, 0])
    failures = collections.Counter()
    for index in tqdm(range(count), desc=f"{trials.robot.name} {kind}", unit="trial"):
        name = names[index % len(names)]
        obj = trials.arena.reset_scene("test", seed + index, object_names=[name],
                                       layout="separated").objects[0]
        ok, reason = trials.grasp(obj) if kind == "grasp" else trials.push(obj, rng)
        per_family[obj.family][0] += ok
        per_family[obj.family][1] += 1
        if not ok:
            failures[reason.split(":")[0].split(" [")[0]] += 1
    successes = sum(s for s, _ in per_family.values())
    return {"success_rate": successes / count, "trials": count,
            "per_family": {f: {"success_rate": s / n, "trials": n} for f, (s, n) in sorted(per_family.items())},
            "failure_reasons": dict(failures.most_common())}


def neighbour_disturbance(trials: PrimitiveTrials, count: int, seed: int) -> dict:
    """Share of primitives (alternating pick-place, push, poke) in cluttered test scenes
    that move a non-target object by >= 1 cm."""
    rng = np.random.default_rng(seed)
    disturbed = 0
    for index in tqdm(range(count), desc=f"{trials.robot.name} neighbours", unit="trial"):
        scene = trials.arena.reset_scene("test", 1000 + seed + index)
        target = scene.objects[int(rng.integers(len(scene.objects)))]
        others = [o for o in scene.objects if o != target]
        before = {o: trials.arena.object_pose(o)[0] for o in others}
        kind = ("grasp", "push", "poke")[index % 3]
        if kind == "grasp":
            trials.grasp(target)
        elif kind == "push":
            trials.push(target, rng)
        else:
            trials.target = target
            centre = trials.arena.object_pose(target)[0]
            trials._timed("poke", lambda: trials.primitives.poke(
                centre, (rng.normal(), rng.normal(), 0.0), ("light", "medium", "heavy")[index % 3]))
        moved = [np.linalg.norm(trials.arena.object_pose(o)[0][:2] - before[o][:2]) for o in others
                 if o in trials.arena.objects()]
        disturbed += any(m >= NEIGHBOUR_MOVED_M for m in moved)
    return {"rate": disturbed / count, "trials": count}


def sleeping_cost(robot: RobotConfig, scenes: int, seed: int, layout: str = "mixed") -> dict:
    """CPU seconds per simulated second of pick-and-places in `layout` clutter, objects at
    rest sleeping or awake: both worlds in this process, scene by scene in turn, so that
    whatever else loads the machine weighs on both alike."""
    worlds = {name: PrimitiveTrials(robot, seed, ArenaConfig(layout=layout, sleeping=sleeping))
              for name, sleeping in (("sleeping", True), ("awake", False))}
    cpu, simulated = collections.Counter(), collections.Counter()
    try:
        for index in tqdm(range(scenes), desc=f"{robot.name} sleeping or awake", unit="scene"):
            for name, trials in worlds.items():
                scene = trials.arena.reset_scene("test", 2000 + seed + index)
                start_cpu, start_sim = time.process_time(), trials.arena.sim_time
                trials.grasp(scene.objects[index % len(scene.objects)])
                cpu[name] += time.process_time() - start_cpu
                simulated[name] += trials.arena.sim_time - start_sim
    finally:
        for trials in worlds.values():
            trials.close()
    per_second = {name: cpu[name] / simulated[name] for name in worlds}
    return {"layout": layout, "scenes": scenes, "cpu_s_per_simulated_s": per_second,
            "awake_over_sleeping": per_second["awake"] / per_second["sleeping"]}


def run(robot: RobotConfig, targets: int, neighbour_trials: int, seed: int,
        arena: ArenaConfig = ArenaConfig()) -> dict:
    """Render rates; grasps and pushes on isolated objects; primitives in scenes of
    `arena`'s layout."""
    figures = {"robot": robot.name, "layout": arena.layout, "sleeping": arena.sleeping,
               "render_fps_320x240": render_rate(robot, 320, 240),
               "render_fps_640x480": render_rate(robot, 640, 480)}
    trials = PrimitiveTrials(robot, seed, arena)
    try:
        figures["grasp"] = isolated_trials(trials, "grasp", targets, seed)
        figures["push"] = isolated_trials(trials, "push", targets, seed + 10_000)
        figures["neighbour_disturbance"] = neighbour_disturbance(trials, neighbour_trials, seed)
        trials.target = None
        start = time.perf_counter()
        trials.primitives.reset_sweep()
        trials.seconds["reset_sweep"].append(time.perf_counter() - start)
    finally:
        trials.close()
    figures["pick_place_physics"] = sleeping_cost(robot, neighbour_trials, seed)
    figures["seconds_per_primitive"] = {k: float(np.mean(v)) for k, v in trials.seconds.items()}
    return figures
