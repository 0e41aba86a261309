"""The embedded simulated world (a stand-in for Gazebo): arena, objects, textures."""
