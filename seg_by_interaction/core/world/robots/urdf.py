"""URDF files of the simulated robots: finding a model's files, editing its tree, writing
the result, and the kinematic copy inverse kinematics runs on.

Meshes referenced as package://<pkg>/... (<pkg> an ancestor folder of the URDF, or a
folder beside it) or relatively are made absolute and the resulting URDF is written
(atomically, named by the hash of its content) into $XDG_CACHE_HOME/seg_by_interaction/urdf
(default ~/.cache/...), or a temp dir.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import math
import os
import pathlib
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
import pybullet

from seg_by_interaction.core.geometry import matrix_to_quaternion, pose_matrix


class RobotModelError(RuntimeError):
    """A robot model's files are missing or inconsistent with the robot config."""


def model_file(distribution: str, relative: str) -> pathlib.Path:
    """A file shipped inside an installed distribution (without importing it)."""
    try:
        path = pathlib.Path(importlib.metadata.distribution(distribution).locate_file(relative))
    except importlib.metadata.PackageNotFoundError as error:
        raise RobotModelError(f"'{distribution}' is not installed; run tools/bootstrap.sh "
                              f"(it installs requirements-nodeps.txt)") from error
    if not path.is_file():
        raise RobotModelError(f"{path} is missing from the installed '{distribution}'")
    return path


def cache_dir() -> pathlib.Path:
    base = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    for candidate in (base / "seg_by_interaction" / "urdf",
                      pathlib.Path(tempfile.gettempdir()) / f"seg_by_interaction-{os.getuid()}"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise RobotModelError("no writable cache directory for generated URDFs")


def write_urdf(tree: ET.Element, stem: str) -> pathlib.Path:
    """Write `tree` as <cache>/<stem>-<hash>.urdf unless it is there; atomic."""
    text = ET.tostring(tree, encoding="unicode")
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    directory = cache_dir()
    path = directory / f"{stem}-{digest}.urdf"
    if path.is_file() and path.read_text() == text:
        return path
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise
    return path


def parse_with_absolute_meshes(urdf: pathlib.Path) -> ET.Element:
    """The URDF with absolute mesh paths; COLLADA visuals are swapped for the STL of the
    same name where one exists: the CPU renderer draws every triangle of every mesh,
    in view or not, and the COLLADA files carry several times more of them."""
    root = ET.parse(urdf).getroot()
    for mesh in root.iter("mesh"):
        path = _resolve_mesh(mesh.get("filename", ""), urdf)
        lighter = path.with_suffix(".stl")
        mesh.set("filename", str(lighter if path.suffix == ".dae" and lighter.is_file() else path))
    return root


def _resolve_mesh(filename: str, urdf: pathlib.Path) -> pathlib.Path:
    if filename.startswith("package://"):
        package, _, rest = filename[len("package://"):].partition("/")
        candidates = [ancestor / rest for ancestor in urdf.parents if ancestor.name == package]
        candidates.append(urdf.parent / package / rest)   # pybullet_data's URDFs
    elif filename.startswith("file://"):
        candidates = [pathlib.Path(filename[len("file://"):])]
    else:
        candidates = [urdf.parent / filename]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise RobotModelError(f"{urdf}: cannot resolve mesh '{filename}'")


def element(parent, tag, **attributes):
    child = ET.SubElement(parent, tag)
    for key, value in attributes.items():
        child.set(key, value)
    return child


def vec(values) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def add_link(root, name, mass, boxes=(), rgba=(0.2, 0.2, 0.2, 1.0)):
    """A link with a box inertia; `boxes` are (size xyz, centre xyz) pairs."""
    link = element(root, "link", name=name)
    inertial = element(link, "inertial")
    centre = np.mean([c for _, c in boxes], axis=0) if boxes else np.zeros(3)
    size = np.max([s for s, _ in boxes], axis=0) if boxes else np.full(3, 0.01)
    element(inertial, "origin", xyz=vec(centre), rpy="0 0 0")
    element(inertial, "mass", value=f"{mass:.6g}")
    i = mass / 12.0 * np.array([size[1] ** 2 + size[2] ** 2, size[0] ** 2 + size[2] ** 2,
                                size[0] ** 2 + size[1] ** 2])
    element(inertial, "inertia", ixx=f"{i[0]:.6g}", iyy=f"{i[1]:.6g}", izz=f"{i[2]:.6g}",
            ixy="0", ixz="0", iyz="0")
    for index, (box_size, box_centre) in enumerate(boxes):
        for kind in ("visual", "collision"):
            geometry = element(link, kind)
            element(geometry, "origin", xyz=vec(box_centre), rpy="0 0 0")
            element(element(geometry, "geometry"), "box", size=vec(box_size))
            if kind == "visual":
                material = element(geometry, "material", name=f"{name}_{index}")
                element(material, "color", rgba=vec(rgba))
    return link


def add_joint(root, name, kind, parent, child, xyz=(0, 0, 0), rpy=(0, 0, 0), axis=None,
              limit=None):
    joint = element(root, "joint", name=name, type=kind)
    element(joint, "origin", xyz=vec(xyz), rpy=vec(rpy))
    element(joint, "parent", link=parent)
    element(joint, "child", link=child)
    if axis is not None:
        element(joint, "axis", xyz=vec(axis))
    if limit is not None:
        lower, upper, effort, velocity = limit
        element(joint, "limit", lower=f"{lower:.6g}", upper=f"{upper:.6g}",
                effort=f"{effort:.6g}", velocity=f"{velocity:.6g}")
    return joint


def add_tiny_inertia(link: ET.Element) -> None:
    """1 g and a tiny inertia, for a frame without one (PyBullet would give it 1 kg)."""
    inertial = element(link, "inertial")
    element(inertial, "mass", value="0.001")
    element(inertial, "inertia", ixx="1e-06", iyy="1e-06", izz="1e-06", ixy="0", ixz="0", iyz="0")


def kinematic_copy(tree: ET.Element, keep: set[str], values: dict[str, float]) -> ET.Element:
    """The model without geometry, every joint not in `keep` fixed at values[name] (0)."""
    root = ET.fromstring(ET.tostring(tree))
    for link in root.findall("link"):
        for tag in ("visual", "collision"):
            for geometry in link.findall(tag):
                link.remove(geometry)
        # Inertial frames at the link frames: PyBullet's IK with currentPositions takes
        # the base's inertial frame for its link frame.
        for origin in link.findall("inertial/origin"):
            origin.set("xyz", "0 0 0")
            origin.set("rpy", "0 0 0")
    for unused in root.findall("gazebo") + root.findall("transmission"):
        root.remove(unused)
    for joint in root.findall("joint"):
        if joint.get("type") != "fixed" and joint.get("name") not in keep:
            _fix_joint(joint, values.get(joint.get("name"), 0.0))
    return root


def _fix_joint(joint: ET.Element, value: float) -> None:
    """Turn a moving joint into a fixed one at `value`, folded into its origin."""
    kind, name = joint.get("type"), joint.get("name")
    origin = joint.find("origin")
    if origin is None:
        origin = element(joint, "origin")
    xyz = [float(v) for v in origin.get("xyz", "0 0 0").split()]
    rpy = [float(v) for v in origin.get("rpy", "0 0 0").split()]
    axis_element = joint.find("axis")
    axis = np.array([float(v) for v in axis_element.get("xyz").split()]) if axis_element is not None \
        else np.array([1.0, 0.0, 0.0])
    axis = axis / np.linalg.norm(axis)
    transform = pose_matrix(xyz, pybullet.getQuaternionFromEuler(rpy))
    motion = np.eye(4)
    if kind == "prismatic":
        motion[:3, 3] = axis * value
    elif kind in ("revolute", "continuous"):
        motion[:3, :3] = _axis_angle(axis, value)
    else:
        raise RobotModelError(f"joint '{name}' of type {kind} is not supported")
    transform = transform @ motion
    origin.set("xyz", vec(transform[:3, 3]))
    origin.set("rpy", vec(pybullet.getEulerFromQuaternion(
        matrix_to_quaternion(transform[:3, :3]).tolist())))
    joint.set("type", "fixed")
    for tag in ("axis", "limit", "mimic", "dynamics", "safety_controller", "calibration"):
        for detail in joint.findall(tag):
            joint.remove(detail)


def _axis_angle(axis, angle) -> np.ndarray:
    x, y, z = axis
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * k @ k


def description_packages(text: str) -> set[str]:
    """The packages a robot description's package:// mesh URIs name."""
    return {_package_uri(mesh.get("filename", ""))[0]
            for mesh in _parse_description(text).iter("mesh")
            if mesh.get("filename", "").startswith("package://")}


def description_tree(text: str, package_dirs: dict[str, str]) -> ET.Element:
    """A robot description (URDF text, as on /robot_description) without its visuals, its
    collision meshes' package:// and file:// URIs resolved to absolute paths
    (`package_dirs`: package name -> its folder)."""
    root = _parse_description(text)
    for link in root.findall("link"):
        for visual in link.findall("visual"):
            link.remove(visual)
    for mesh in root.iter("mesh"):
        mesh.set("filename", str(_description_mesh(mesh.get("filename", ""), package_dirs)))
    return root


def _parse_description(text: str) -> ET.Element:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise RobotModelError(f"the robot description is not valid XML: {error}") from None
    if root.tag != "robot":
        raise RobotModelError(f"the robot description's root element is <{root.tag}>, "
                              f"not <robot>")
    return root


def _package_uri(filename: str) -> tuple[str, str]:
    package, _, rest = filename[len("package://"):].partition("/")
    return package, rest


def _description_mesh(filename: str, package_dirs: dict[str, str]) -> pathlib.Path:
    if filename.startswith("package://"):
        package, rest = _package_uri(filename)
        if package not in package_dirs:
            raise RobotModelError(f"the robot description's mesh '{filename}' is in package "
                                  f"'{package}', which is not installed and not mapped to a "
                                  f"folder (embedded.mesh_package_dirs)")
        path = pathlib.Path(package_dirs[package]) / rest
    else:
        path = pathlib.Path(filename.removeprefix("file://"))
        if not path.is_absolute():
            raise RobotModelError(f"the robot description's mesh '{filename}' is a relative "
                                  f"path; use a package:// or file:// URI")
    if not path.is_file():
        raise RobotModelError(f"the robot description's mesh '{filename}' is missing ({path})")
    return path.resolve()
