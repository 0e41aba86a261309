"""Self-supervised instance segmentation by robot interaction."""
import os
import pkgutil

# OpenBLAS's worker threads busy-wait for work: on a 2-core machine with the loop's other
# processes running, numpy's small matrix products took up to 100 times longer with them
# (benchmarks/README.md, "OpenBLAS's threads"). One per process, as for torch, unless the
# environment says otherwise; set before numpy is first imported, and inherited by the
# processes the package starts.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# The generated interfaces (.msg, .srv, .action) are installed beside these sources by
# the colcon build; this lets them import even when the source tree comes first on
# sys.path (e.g. `python -c` run from the repository root).
__path__ = pkgutil.extend_path(__path__, __name__)
