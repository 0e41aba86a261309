"""The ROS-free core: everything here imports no rclpy and no generated interfaces."""
