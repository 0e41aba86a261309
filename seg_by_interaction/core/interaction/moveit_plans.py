"""The pure parts of the MoveIt 2 backend (ros/moveit_backend.py), testable without
MoveIt: its parameters and MoveIt's error codes as motion outcomes. Its planned
trajectories pass MotionBackend.execute_planned (core/interaction/motion.py) like the
embedded backend's: MoveIt's workspace parameters do not bound an arm."""
from __future__ import annotations

import dataclasses

from seg_by_interaction.core.interaction.motion import MotionError, Outcome
from seg_by_interaction.core.validated import setting

# moveit_msgs/MoveItErrorCodes values, by the outcome each means for a motion.
_OUTCOMES_BY_CODE = {
    1: Outcome.OK,                                   # SUCCESS
    -1: Outcome.PLANNING_FAILED,                     # PLANNING_FAILED
    -2: Outcome.PLANNING_FAILED,                     # INVALID_MOTION_PLAN
    -3: Outcome.COLLISION,                           # MOTION_PLAN_INVALIDATED_BY_ENVIRONMENT_CHANGE
    -4: Outcome.FAILED,                              # CONTROL_FAILED
    -6: Outcome.TIMEOUT,                             # TIMED_OUT
    -7: Outcome.CANCELLED,                           # PREEMPTED
    -10: Outcome.COLLISION,                          # START_STATE_IN_COLLISION
    -12: Outcome.PLANNING_FAILED,                    # GOAL_IN_COLLISION
    -14: Outcome.PLANNING_FAILED,                    # GOAL_CONSTRAINTS_VIOLATED
    -15: Outcome.INVALID_REQUEST,                    # INVALID_GROUP_NAME
    -16: Outcome.INVALID_REQUEST,                    # INVALID_GOAL_CONSTRAINTS
    -18: Outcome.INVALID_REQUEST,                    # INVALID_LINK_NAME
    -19: Outcome.INVALID_REQUEST,                    # INVALID_OBJECT_NAME
    -27: Outcome.UNREACHABLE,                        # GOAL_STATE_INVALID
    -31: Outcome.UNREACHABLE,                        # NO_IK_SOLUTION
}


def outcome_of(error_code: int) -> Outcome:
    """The motion outcome a MoveItErrorCodes value means; FAILED for any other code."""
    return _OUTCOMES_BY_CODE.get(int(error_code), Outcome.FAILED)


def check_error_code(error_code: int, what: str) -> None:
    """MotionError naming `what` and the code unless it is SUCCESS."""
    outcome = outcome_of(error_code)
    if outcome != Outcome.OK:
        raise MotionError(outcome, f"{what}: MoveIt error code {int(error_code)}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class MoveItParams:
    """MoveIt 2 through moveit_py: its planners, and where its configuration comes from."""
    moveit_config_package: str = setting("", "the robot's MoveIt configuration package "
                                             "('' = the parameters given to this node)")
    pipeline: str = setting("ompl", "planning pipeline of MOVE_TO and NAMED")
    planner_id: str = setting("RRTConnectkConfigDefault", "planner of MOVE_TO and NAMED")
    linear_pipeline: str = setting("pilz_industrial_motion_planner",
                                   "planning pipeline of straight-line moves")
    linear_planner_id: str = setting("LIN", "planner of straight-line moves (Pilz LIN)")
    planning_time_s: float = setting(5.0, "planning time per request", min=0.1, max=60.0)
