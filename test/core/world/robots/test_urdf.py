"""URDF files of the simulated robots: mesh references made absolute."""
import pytest

from seg_by_interaction.core.world.robots.urdf import RobotModelError, parse_with_absolute_meshes


def urdf_with_mesh(folder, filename):
    folder.mkdir(parents=True, exist_ok=True)
    urdf = folder / "robot.urdf"
    urdf.write_text(f'<robot name="r"><link name="a"><visual><geometry>'
                    f'<mesh filename="{filename}"/></geometry></visual></link></robot>')
    return urdf


def mesh_file(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    return path


@pytest.mark.parametrize("filename, mesh", [
    ("package://arm_description/meshes/hand.stl", "arm_description/meshes/hand.stl"),
    ("package://meshes/hand.stl", "arm_description/urdf/meshes/hand.stl"),
    ("../meshes/hand.stl", "arm_description/meshes/hand.stl"),
])
def test_mesh_references_become_absolute_paths(tmp_path, filename, mesh):
    expected = mesh_file(tmp_path / mesh)
    root = parse_with_absolute_meshes(urdf_with_mesh(tmp_path / "arm_description" / "urdf", filename))
    assert root.find(".//mesh").get("filename") == str(expected.resolve())


def test_collada_visuals_become_the_stl_beside_them(tmp_path):
    mesh_file(tmp_path / "meshes" / "hand.dae")
    stl = mesh_file(tmp_path / "meshes" / "hand.stl")
    root = parse_with_absolute_meshes(urdf_with_mesh(tmp_path, "meshes/hand.dae"))
    assert root.find(".//mesh").get("filename") == str(stl.resolve())


def test_a_missing_mesh_is_named(tmp_path):
    with pytest.raises(RobotModelError, match="cannot resolve mesh 'package://meshes/hand.stl'"):
        parse_with_absolute_meshes(urdf_with_mesh(tmp_path, "package://meshes/hand.stl"))
