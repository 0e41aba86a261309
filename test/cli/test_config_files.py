"""Node parameter files are checked by the same dataclasses the nodes declare from."""
import pytest

from seg_by_interaction.cli.config_files import check_config_file
from seg_by_interaction.core.validated import ConfigError


def test_valid_parameter_file(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("/**:\n  ros__parameters:\n    use_sim_time: true\n"
                    "camera_node:\n  ros__parameters:\n    folder: /data\n    publish_rate_hz: 5\n")
    assert check_config_file(path) == "parameters for /**, camera_node"


@pytest.mark.parametrize("text, message", [
    ("camera_node:\n  ros__parameters:\n    publish_rate_hz: 0.0\n", "below the minimum 0.1"),
    ("camera_node:\n  ros__parameters:\n    source: bag\n", "'bag' is not one of ['folder', 'usb']"),
    ("camera_node:\n  folder: /data\n", "expected exactly one key, 'ros__parameters'"),
    ("cmaera_node:\n  ros__parameters: {}\n", "unknown node 'cmaera_node'"),
    ("/**:\n  ros__parameters:\n    folder: /x\n", "may only set"),
    ("[1, 2", "while parsing"),
])
def test_invalid_parameter_files(tmp_path, text, message):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        check_config_file(path)
    assert message in str(error.value)
