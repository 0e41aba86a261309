"""The loop on a real Willow Garage PR2 (config/pr2.yaml, right arm): launch/robot_collect.launch.py
with that config. The PR2's drivers (pr2_controller_manager) are ROS 1: run ros1_bridge
as README.md ("Sawyer and PR2 through ros1_bridge") describes, so that the camera topics,
/joint_states and the controller topics of the config's `controllers` section cross it.

    ros2 launch seg_by_interaction pr2.launch.py run_dir:=runs/pr2-1 interactions:=200
"""
from seg_by_interaction.ros.launching import named_robot_launch


def generate_launch_description():
    return named_robot_launch("pr2")
