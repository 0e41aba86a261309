"""What the camera gives: RGB-D views, and the sources of frames when no camera driver publishes them."""
