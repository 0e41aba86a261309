"""Acting on the scene: motion backends, primitives, the executor's requests and the collector's policy."""
