"""Self-supervised instance segmentation by robot interaction."""
import pkgutil

# The generated interfaces (.msg, .srv, .action) are installed beside these sources by
# the colcon build; this lets them import even when the source tree comes first on
# sys.path (e.g. `python -c` run from the repository root).
__path__ = pkgutil.extend_path(__path__, __name__)
