"""The Panda model: pybullet_data's arm and hand, its fingers touching rigidly."""
import pybullet


def test_finger_contacts_are_rigid(sim_robot):
    robot = sim_robot("panda")
    for finger in robot._pad_links:
        damping, stiffness = pybullet.getDynamicsInfo(robot.body, finger,
                                                      physicsClientId=robot.client)[8:10]
        assert (damping, stiffness) == (-1.0, -1.0)   # PyBullet's rigid default


def test_opening_starts_where_the_overlapping_finger_meshes_part(sim_robot):
    robot = sim_robot("panda")
    assert robot._opening_table[0] == 0.0 and robot._master_table[1] > 0.001
    assert robot.config.gripper.max_opening <= robot._opening_table[-1]
