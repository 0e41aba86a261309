#!/usr/bin/env bash
# Builds the package (interfaces + Python modules + executables) with colcon into the
# venv, which is itself the ROS prefix the ros-* wheels form. Python sources are
# symlinked, so edits to existing modules need no rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=$(pwd)/.venv
export AMENT_PREFIX_PATH=$VENV CMAKE_PREFIX_PATH=$VENV
export PATH=$VENV/bin:$PATH
log=build/colcon.log
mkdir -p build
if ! colcon --log-base build/log build --base-paths . --build-base build --install-base "$VENV" \
    --merge-install --symlink-install \
    --cmake-args -DPython3_EXECUTABLE="$VENV/bin/python" -DBUILD_TESTING=OFF \
    --event-handlers console_direct- >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "error: colcon build failed; full log in $log" >&2
  exit 1
fi
