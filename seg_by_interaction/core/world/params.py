"""Parameters of the simulated world: the arena, the embedded motion backend and the
world node. Kept free of PyBullet and OMPL imports so configs validate without them."""
from __future__ import annotations

import dataclasses

from seg_by_interaction.core.interaction.trajectory import ArrivalParams
from seg_by_interaction.core.validated import setting
from seg_by_interaction.core.world.depth_noise import DepthNoise


LAYOUTS = ("separated", "touching", "stacked", "mixed")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClutterParams:
    """How objects are put together where a layout asks for clutter, and what a scene of
    the `mixed` layout holds (its other objects stand apart)."""
    row_length: tuple[int, int] = setting((2, 3), "objects per touching group: a pair or a row",
                                          min=2, max=4)
    same_colour_chance: float = setting(0.5, "chance that a touching group is recoloured to "
                                             "one colour", min=0.0, max=1.0)
    touching_groups: int = setting(1, "touching groups per mixed scene", min=0, max=3)
    stacks: int = setting(1, "stacks of two objects per mixed scene", min=0, max=3)
    flat_objects: int = setting(1, "flat objects (under 1 cm tall) per mixed scene", min=0, max=4)

    def __post_init__(self):
        if self.row_length[0] > self.row_length[1]:
            raise ValueError(f"row_length {list(self.row_length)} is not a (fewest, most) range")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ArenaConfig:
    min_objects: int = setting(4, "fewest objects per scene", min=1, max=20)
    max_objects: int = setting(8, "most objects per scene", min=1, max=20)
    objects_dir: str = setting("", "folder of extra object models (URDF or OBJ) used instead "
                                   "of the built-in set ('' = built-in)")
    textures_dir: str = setting("", "folder of table texture images used instead of the "
                                    "built-in set ('' = built-in)")
    shadows: bool = setting(True, "render shadows")
    light_intensity: tuple[float, float] = setting((0.75, 1.0), "range of the light's "
                                                   "brightness", min=0.1, max=2.0)
    light_elevation_deg: tuple[float, float] = setting((35.0, 85.0), "range of the light's "
                                                       "elevation above the table", min=5.0, max=90.0)
    physics_hz: float = setting(240.0, "physics steps per simulated second", min=60.0, max=2000.0)
    sleeping: bool = setting(True, "objects at rest sleep: the solver skips them until "
                                   "something moving touches them (half the physics of a "
                                   "motion among 8 objects)")
    depth_noise: DepthNoise = setting(DepthNoise(), "depth sensor noise model")
    layout: str = setting("separated", "how a scene's objects lie: apart (separated), in "
                                       "touching groups, in stacks, or mixed", choices=LAYOUTS)
    clutter: ClutterParams = setting(ClutterParams(), "touching groups, stacks and flat objects")
    separated_flat: bool = setting(False, "let flat objects into separated scenes too (off: "
                                          "the same separated scenes as before they existed)")

    def __post_init__(self):
        if self.min_objects > self.max_objects:
            raise ValueError(f"min_objects {self.min_objects} exceeds max_objects {self.max_objects}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class EmbeddedMotionParams:
    planning_time_s: float = setting(2.0, "OMPL time budget per query", min=0.05, max=60.0)
    planning_attempts: int = setting(3, "IK goals tried per plan-and-execute", min=1, max=20)
    collision_margin_m: float = setting(0.005, "arm-to-world clearance a planned state needs",
                                        min=0.0, max=0.1)
    cartesian_step_m: float = setting(0.005, "interpolation step of Cartesian paths", min=0.001,
                                      max=0.05)
    max_joint_jump_rad: float = setting(0.25, "largest joint change between Cartesian waypoints "
                                              "before the path counts as discontinuous",
                                        min=0.01, max=3.0)
    limit_slack_rad: float = setting(0.2, "how far past a joint limit (pushed there by contact) "
                                          "the arm may start a motion, which first brings it "
                                          "back within the limit", min=0.0, max=0.5)
    start_jiggle_fraction: float = setting(0.05, "when the arm starts touching the planning "
                                                 "scene, how far (share of each joint's range) "
                                                 "a free start may be sought; as MoveIt's "
                                                 "FixStartStateCollision jiggle_fraction",
                                           min=0.0, max=0.2)
    start_jiggle_attempts: int = setting(100, "states sampled in that search (MoveIt's "
                                              "max_sampling_attempts)", min=1, max=10000)
    # The motion server's, for an arm whose robot config has no `simulation` section:
    robot_description_file: str = setting("", "URDF file of the arm's model ('' = the latched "
                                               "/robot_description topic)")
    robot_description_timeout_s: float = setting(30.0, "wall seconds the motion server waits "
                                                       "for /robot_description at start-up",
                                                 min=1.0, max=600.0)
    mesh_package_dirs: list[str] = setting([], "'package=folder' entries for package:// mesh "
                                               "URIs of packages ament_index cannot find")

    def __post_init__(self):
        malformed = [entry for entry in self.mesh_package_dirs
                     if not all(part.strip() for part in entry.partition("=")[::2])]
        if malformed:
            raise ValueError(f"mesh_package_dirs entries must read 'package=folder': {malformed}")

    def package_dirs(self) -> dict[str, str]:
        """mesh_package_dirs as package name -> folder."""
        return dict(tuple(part.strip() for part in entry.split("=", 1))
                    for entry in self.mesh_package_dirs)


@dataclasses.dataclass(frozen=True, kw_only=True)
class WorldParams:
    robot: str = setting("sawyer", "robot config name (config/<name>.yaml) or path")
    split: str = setting("train", "object and texture split of the first scene",
                         choices=("train", "val", "test"))
    seed: int = setting(0, "seed of the first scene; later resets count up from it", min=0)
    publish_rate_hz: float = setting(10.0, "camera frames per simulated second", min=0.1, max=60.0)
    max_render_hz: float = setting(10.0, "camera frames per wall-clock second at most (rendering "
                                         "costs CPU)", min=0.1, max=60.0)
    min_frame_gap_s: float = setting(0.05, "simulated seconds between two frames at least (a frame "
                                           "asked for sooner, after a motion or a reset, waits "
                                           "for it): more than subscribers' pairing slop "
                                           "(frames.slop_s), or images of two frames pair",
                                     min=0.0, max=1.0)
    # Every message, tick and /clock wakes a composed graph's executor, whose pass over all
    # its nodes' entities costs milliseconds: these rates halved the CPU an interaction
    # takes in `sbi collect` (benchmarks/README.md).
    tick_hz: float = setting(20.0, "wall-clock rate of the simulation loop (while the arm "
                                   "moves, physics runs in slices of 1/tick_hz)", min=1.0,
                             max=500.0)
    real_time_factor: float = setting(1.0, "simulated seconds per wall second while idle",
                                      min=0.0, max=100.0)
    arena: ArenaConfig = setting(ArenaConfig(), "table, objects, light, depth noise")
    joint_states_hz: float = setting(25.0, "joint states per simulated second (and one the "
                                           "moment a motion ends)", min=10.0, max=1000.0)
    clock_hz: float = setting(10.0, "/clock messages per simulated second (and one the moment "
                                    "a motion ends)", min=1.0, max=1000.0)
    controller: ArrivalParams = setting(ArrivalParams(), "when the simulated controllers count "
                                                         "a motion as done (the world then "
                                                         "idles at real_time_factor)")
