"""QoS conventions of the stack.

- Image streams (RGB, depth, camera info, overlays): sensor-data QoS, best effort,
  shallow; a slow subscriber drops old frames instead of stalling the camera.
- Model updates and trainer status: reliable + transient local, depth 1, so a node
  that starts late still receives the current model and state.
- Interaction records and labelled examples: reliable, keep last 100. Each was bought
  with robot time, and a labeler rescanning its run directory or a trainer in a
  training step must not drop the ones that arrive meanwhile (both also recover what
  was stored but never delivered from the run directory).
- Everything else (hypotheses): reliable, keep last 10.
"""
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy,
                       qos_profile_sensor_data)

SENSOR_DATA = qos_profile_sensor_data

LATCHED = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                     reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)

RELIABLE = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                      reliability=ReliabilityPolicy.RELIABLE,
                      durability=DurabilityPolicy.VOLATILE)

INTERACTION_DATA = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=100,
                     reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.VOLATILE)
