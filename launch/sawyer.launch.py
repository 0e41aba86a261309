"""The loop on a real Rethink Sawyer (config/sawyer.yaml): launch/robot_collect.launch.py
with that config. The Sawyer's drivers (intera) are ROS 1: run ros1_bridge as README.md ("Sawyer and
PR2 through ros1_bridge") describes, so that the camera topics, /joint_states and the
controller topics of the config's `controllers` section cross it.

    ros2 launch seg_by_interaction sawyer.launch.py run_dir:=runs/sawyer-1 interactions:=200
"""
from seg_by_interaction.ros.launching import named_robot_launch


def generate_launch_description():
    return named_robot_launch("sawyer")
