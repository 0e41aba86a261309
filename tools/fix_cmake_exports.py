"""Rewrite the ROS wheels' exported CMake files to name this venv's Python paths.

The wheels were built in a manylinux container, and their generated
`export_*__rosidl_generator_pyExport.cmake` files name that container's Python
include and NumPy include directories (under /opt/python/cp311-cp311). Building
interfaces against them needs the paths of the interpreter running this script.
"""
import pathlib
import sys
import sysconfig

import numpy

BUILDER_PREFIX = "/opt/python/cp311-cp311"
REPLACEMENTS = {
    f"{BUILDER_PREFIX}/lib/python3.11/site-packages/numpy/_core/include": numpy.get_include(),
    f"{BUILDER_PREFIX}/include/python3.11": sysconfig.get_paths()["include"],
}


def rewrite(path: pathlib.Path) -> bool:
    text = path.read_text()
    fixed = text
    for old, new in REPLACEMENTS.items():
        fixed = fixed.replace(old, new)
    if fixed == text:
        return False
    tmp = path.with_suffix(".cmake.tmp")
    tmp.write_text(fixed)
    tmp.replace(path)
    return True


def main() -> int:
    share = pathlib.Path(sys.prefix) / "share"
    changed = [p for p in share.glob("*/cmake/*.cmake") if rewrite(p)]
    leftovers = [p for p in share.glob("*/cmake/*.cmake") if BUILDER_PREFIX in p.read_text()]
    if leftovers:
        print(f"error: unknown builder paths remain in {leftovers[0]}", file=sys.stderr)
        return 1
    print(f"fix_cmake_exports: rewrote {len(changed)} CMake export files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
