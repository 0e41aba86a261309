"""camera_node: publishes RGB, depth and CameraInfo from a recorded folder or a USB camera.

On a real robot the camera's own driver publishes these topics (remap them to the
robot config's names); in simulation the world node does.

Publishes (sensor-data QoS), names from the robot config's camera entry:
  <rgb_topic> sensor_msgs/Image rgb8, <depth_topic> sensor_msgs/Image 32FC1 metres,
  <camera_info_topic> sensor_msgs/CameraInfo; frame_id = the camera's optical frame.
Services:
  ~/set_streaming std_srvs/SetBool: pause (false) or resume (true) publishing.
"""
from __future__ import annotations

from rclpy.parameter import Parameter
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
from std_srvs.srv import SetBool

from seg_by_interaction.core.camera.sources import CameraNodeParams, FolderSource, UsbSource
from seg_by_interaction.core.robot_config import load_robot_config
from seg_by_interaction.ros import images, qos
from seg_by_interaction.ros.lean_node import LeanNode
from seg_by_interaction.ros.node_main import run_node
from seg_by_interaction.ros.parameters import declare_parameters


class CameraNode(LeanNode):
    def __init__(self, **kwargs):
        super().__init__("camera_node", automatically_declare_parameters_from_overrides=True, **kwargs)
        self.params = declare_parameters(self, CameraNodeParams)
        self.camera = load_robot_config(self.params.robot).camera(self.params.camera)
        self.frames = self._open_source().frames()
        self.streaming = True
        self.rgb_pub = self.create_publisher(Image, self.camera.rgb_topic, qos.SENSOR_DATA)
        self.depth_pub = self.create_publisher(Image, self.camera.depth_topic, qos.SENSOR_DATA)
        self.info_pub = self.create_publisher(CameraInfo, self.camera.camera_info_topic,
                                              qos.SENSOR_DATA)
        self.create_service(SetBool, "~/set_streaming", self._set_streaming)
        self.timer = self.create_timer(1.0 / self.params.publish_rate_hz, self._publish_next)
        self.add_post_set_parameters_callback(self._on_parameters_set)
        self.get_logger().info(f"publishing {self.params.source} frames on {self.camera.rgb_topic} "
                               f"at {self.params.publish_rate_hz} Hz")

    def _open_source(self):
        if self.params.source == "folder":
            return FolderSource(self.params.folder, self.camera.intrinsics, loop=self.params.loop)
        return UsbSource(self.params.device, self.camera.intrinsics)

    def _publish_next(self):
        if not self.streaming:
            return
        frame = next(self.frames, None)
        if frame is None:
            self.get_logger().info("recorded folder finished", once=True)
            return
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.camera.optical_frame)
        height, width = frame.size
        self.rgb_pub.publish(images.to_msg(frame.rgb, "rgb8", header))
        if frame.depth is not None:
            self.depth_pub.publish(images.to_msg(frame.depth, "32FC1", header))
        self.info_pub.publish(images.camera_info_msg(frame.intrinsics.matrix(), width, height, header))

    def _set_streaming(self, request: SetBool.Request, response: SetBool.Response):
        self.streaming = request.data
        response.success = True
        response.message = "streaming" if self.streaming else "paused"
        return response

    def _on_parameters_set(self, parameters: list[Parameter]):
        for parameter in parameters:
            if parameter.name == "publish_rate_hz":
                self.timer.timer_period_ns = int(1e9 / parameter.value)
                self.timer.reset()


def main(args=None) -> int:
    return run_node(CameraNode, args)
