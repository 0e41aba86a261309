"""The collector's decisions: which hypothesis, which primitive, when to sweep."""
import numpy as np
import pytest

from seg_by_interaction.core.hypotheses.grasp import Grasp, mask_shape
from seg_by_interaction.core.hypotheses.hypothesis import Hypothesis
from seg_by_interaction.core.camera.rgbd import RGBDView
from seg_by_interaction.core.interaction.collection import (CollectorParams, HypothesisChooser,
                                                            Schedule, arrived_pixels,
                                                            away_from_nearest, primitive_mix,
                                                            request_for)
from seg_by_interaction.core.interaction.executor import FailureCounter, InteractionRequest
from seg_by_interaction.core.interaction.kinds import COLLECTED, Aim
from seg_by_interaction.core.interaction.motion import Outcome
from seg_by_interaction.core.robot_config import PrimitiveMix, TableArea, load_robot_config
from seg_by_interaction.core.validated import ConfigError, from_dict

AREA = TableArea(min=(0.4, -0.3), max=(0.9, 0.3))


def hypothesis(name, score, xy=(0.6, 0.0), grasp=True, rows=slice(5, 9)):
    mask = np.zeros((20, 20), bool)
    mask[rows, 5:12] = True
    return Hypothesis(name, "model", score, mask, mask_shape(mask),
                      Grasp(np.array([*xy, 0.8]), 0.3, 0.04) if grasp else None)


def test_best_hypothesis_over_the_table_with_a_grasp():
    chooser = HypothesisChooser(AREA, random_share=0.0, rng=np.random.default_rng(0))
    hypotheses = [hypothesis("off_table", 0.99, xy=(1.5, 0.0)), hypothesis("no_depth", 0.95, grasp=False),
                  hypothesis("good", 0.5), hypothesis("worse", 0.4)]
    chosen, at_random = chooser.choose(hypotheses, "pick_place")
    assert chosen.id == "good" and not at_random
    assert chooser.choose([hypothesis("off", 0.9, xy=(0.0, 0.0))], "pick_place") is None


def test_random_share_explores():
    chooser = HypothesisChooser(AREA, random_share=0.3, rng=np.random.default_rng(1))
    hypotheses = [hypothesis(f"h{i}", 1.0 - i / 10) for i in range(5)]
    picks = [chooser.choose(hypotheses, "push") for _ in range(2000)]
    random_share = np.mean([at_random for _, at_random in picks])
    assert random_share == pytest.approx(0.3, abs=0.04)
    assert {h.id for h, at_random in picks if at_random} == {h.id for h in hypotheses}


def test_requests_follow_the_hypothesis_grasp():
    rng = np.random.default_rng(0)
    h = hypothesis("h", 0.9)
    pick = request_for("pick_place", h, rng)
    assert pick.kind == "pick_place" and pick.yaw == 0.3 and pick.width == 0.04
    np.testing.assert_allclose(pick.target, h.grasp.position)
    poke = request_for("poke", h, rng, Aim(magnitude="heavy"))
    assert poke.magnitude == "heavy" and np.linalg.norm(poke.direction) == pytest.approx(1.0)
    assert poke.half_extent == pytest.approx(0.02)


def test_schedule_sweeps_every_25_and_stops_at_the_budget():
    schedule = Schedule(CollectorParams(interactions=60, reset_every=25, new_scene_every=0))
    events = []
    while not schedule.finished:
        due = schedule.due()
        events.append((schedule.done, due)) if due != "interact" else None
        schedule.mark(due)
    assert events == [(25, "sweep"), (50, "sweep")]
    assert schedule.done == 60


def test_schedule_resumes_on_a_new_scene_and_new_scenes_replace_sweeps():
    params = CollectorParams(interactions=100, reset_every=25, new_scene_every=50, seed=7)
    schedule = Schedule(params, done=40)
    events = []
    while not schedule.finished:
        due = schedule.due()
        events.append((schedule.done, due, schedule.scene_seed())) if due != "interact" else None
        schedule.mark(due)
    assert events == [(40, "new_scene", 47), (65, "sweep", 72), (90, "new_scene", 97)]
    fresh = Schedule(params)
    assert fresh.due() == "interact"


def test_the_primitive_is_drawn_per_interaction_with_the_configured_weights():
    mix = primitive_mix(CollectorParams(primitive="mix",
                                        primitive_mix=PrimitiveMix(pick_place=1.0, push=3.0)),
                        load_robot_config("sawyer"))
    kinds = [mix.draw(np.random.default_rng(7)) for _ in range(3)]
    assert len(set(kinds)) == 1                       # the run's seed decides
    rng = np.random.default_rng(0)
    drawn = [mix.draw(rng) for _ in range(2000)]
    assert drawn.count("push") / len(drawn) == pytest.approx(0.75, abs=0.03)
    assert "poke" not in drawn


def test_the_pr2_pushes_and_the_sawyer_picks_by_default():
    params = CollectorParams()
    assert params.primitive == "robot"
    rng = np.random.default_rng(0)
    assert {primitive_mix(params, load_robot_config("pr2")).draw(rng) for _ in range(20)} == {"push"}
    assert {primitive_mix(params, load_robot_config("sawyer")).draw(rng) for _ in range(20)} == {"pick_place"}
    mixed = primitive_mix(CollectorParams(primitive="mix"), load_robot_config("sawyer"))
    assert {mixed.draw(rng) for _ in range(20)} == {"pick_place", "push"}   # 'mix' mixes
    one = primitive_mix(CollectorParams(primitive="poke"), load_robot_config("pr2"))
    assert one.draw(rng) == "poke" and set(one.weights()) == set(COLLECTED)
    with pytest.raises(ConfigError, match="at least one weight"):
        from_dict(CollectorParams, {"primitive_mix": {"pick_place": 0.0}})
    with pytest.raises(ConfigError, match="is not one of"):
        from_dict(CollectorParams, {"primitive": "mixed"})


def test_a_push_separates_the_hypothesis_from_its_nearest_neighbour():
    target = hypothesis("target", 0.9, xy=(0.6, 0.0))
    near = hypothesis("near", 0.5, xy=(0.6, -0.08), rows=slice(12, 16))
    far = hypothesis("far", 0.5, xy=(0.8, 0.0), rows=slice(0, 3))
    same_object = hypothesis("same", 0.8, xy=(0.6, 0.02), rows=slice(6, 10))   # overlaps target
    away = away_from_nearest(target, [target, far, same_object, near])
    np.testing.assert_allclose(away, [0.0, 1.0, 0.0], atol=1e-9)
    push = request_for("push", target, np.random.default_rng(0), Aim(away=away, push_distance=0.05))
    np.testing.assert_allclose(push.direction, away)
    assert push.distance == 0.05
    assert away_from_nearest(target, [target, same_object]) is None
    alone = {tuple(request_for("push", target, np.random.default_rng(seed)).direction) for seed in range(3)}
    assert len(alone) == 3                              # no neighbour: a random direction


def test_requests_are_checked():
    with pytest.raises(ValueError, match="unknown primitive"):
        InteractionRequest(kind="throw")
    with pytest.raises(ValueError, match="needs a target"):
        InteractionRequest(kind="push")
    with pytest.raises(ValueError, match="needs a direction"):
        InteractionRequest(kind="poke", target=np.zeros(3))
    assert InteractionRequest(kind="reset_sweep").target is None


def test_only_execution_failures_count_toward_stopping():
    counter = FailureCounter(limit=3)
    for outcome in (Outcome.COLLISION, Outcome.TIMEOUT, Outcome.NOTHING_GRASPED, Outcome.PLANNING_FAILED,
                    Outcome.CANCELLED, Outcome.COLLISION):
        counter.add(outcome)
    assert counter.consecutive == 2 and not counter.tripped
    counter.add(Outcome.FAILED)
    assert counter.tripped


def test_places_that_failed_are_skipped_until_the_scene_changes():
    chooser = HypothesisChooser(AREA, random_share=0.0, rng=np.random.default_rng(0), failure_radius_px=5)
    best, other = hypothesis("best", 0.9), hypothesis("other", 0.5)
    chooser.remember_failure(best.shape.centroid_px)
    assert chooser.choose([best], "pick_place") is None
    object.__setattr__(other, "shape", other.shape.__class__(28, (30.0, 30.0), 0.0, (28, 28, 4, 7)))
    assert chooser.choose([best, other], "pick_place")[0].id == "other"
    chooser.scene_changed()
    assert chooser.choose([best, other], "pick_place")[0].id == "best"


def scene_view(boxes, colour=(200, 40, 40)):
    """A 20x20 frame of a table 0.8 m away with boxes (rows, cols, height m) on it."""
    rgb = np.full((20, 20, 3), 90, np.uint8)
    depth = np.full((20, 20), 0.8, np.float32)
    for rows, cols, height in boxes:
        rgb[rows, cols] = colour
        depth[rows, cols] -= height
    return RGBDView(rgb, depth)


def test_an_object_put_down_arrives_where_the_table_was_not_where_it_left():
    base = (slice(12, 18), slice(12, 18), 0.03)
    before = scene_view([(slice(2, 6), slice(2, 6), 0.04), base, (slice(13, 16), slice(13, 16), 0.06)])
    after = scene_view([(slice(2, 6), slice(10, 14), 0.04), base])    # moved right; top lifted off
    arrived = arrived_pixels(before, after)
    assert arrived[2:6, 10:14].all()
    assert not arrived[2:6, 2:6].any()        # the vacated spot is table again
    assert not arrived[12:18, 12:18].any()    # the surface the lifted object uncovered


def test_unvisited_hypotheses_first_until_a_reset():
    chooser = HypothesisChooser(AREA, random_share=0.0, rng=np.random.default_rng(0),
                                prefer_unvisited=True)
    moved, other = hypothesis("moved", 0.9, rows=slice(2, 6)), hypothesis("other", 0.5, rows=slice(12, 16))
    before = scene_view([])
    chooser.remember_arrivals(before, scene_view([(slice(2, 6), slice(5, 12), 0.04)]))
    assert chooser.choose([moved, other], "pick_place")[0].id == "other"
    assert chooser.choose([moved], "pick_place")[0].id == "moved"     # nothing else left
    chooser.scene_changed()                   # another interaction: still visited
    assert chooser.choose([moved, other], "pick_place")[0].id == "other"
    chooser.scene_reset()
    assert chooser.choose([moved, other], "pick_place")[0].id == "moved"
    with pytest.raises(ValueError, match="frames of"):
        chooser.remember_arrivals(before, RGBDView(np.zeros((10, 10, 3), np.uint8)))
