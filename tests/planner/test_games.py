"""Security games across targets (vtsim.analysis.games): hand-solved games, brute force on
small random games, properties, quantal response and input checks.

Payoff rows are (Dc, Du, Ac, Au) = (defender_covered, defender_uncovered, attacker_covered,
attacker_uncovered); with coverage c, an attack on t is worth Ud_t(c) = Du_t + c_t (Dc_t - Du_t)
to the defender and Ua_t(c) = Au_t + c_t (Ac_t - Au_t) to the attacker.
"""

from __future__ import annotations

import numpy as np
import pytest

from vtsim.analysis.games import (
    Equilibrium,
    attacker_best_response,
    quantal_response,
    strong_stackelberg,
    utilities,
)
from vtsim.errors import VtsimError
from vtsim.model.streams import Streams

EXACT = 1e-9

# Each entry: (payoffs, resources, coverage, defender utility, attacker utility, target,
# attack set), all derived by hand below.
HAND_SOLVED = {
    # Two targets, one resource, coverage equalises the attacker's utilities.
    # Ua0 = 6 - 10 c0, Ua1 = 4 - 6 c1, Ud0 = -8 + 10 c0, Ud1 = -3 + 4 c1.
    # LP for t=0: max c0 s.t. 6 - 10 c0 >= 4 - 6 c1, c0 + c1 <= 1
    #   => c1 >= (10 c0 - 2)/6 and c1 <= 1 - c0 => c0 <= 1/2; Ud0 = -8 + 5 = -3.
    # LP for t=1: max c1 s.t. 4 - 6 c1 >= 6 - 10 c0 => c0 >= (2 + 6 c1)/10 <= 1 - c1
    #   => c1 <= 1/2; Ud1 = -3 + 2 = -1.  Best: t=1, c = (1/2, 1/2), Ua = 4 - 3 = 1.
    "two-targets": (
        [[2, -8, -4, 6], [1, -3, -2, 4]],
        1,
        [0.5, 0.5],
        -1.0,
        1.0,
        1,
        (0, 1),
    ),
    # Ties broken in the defender's favour. Ua0 = 10 (1 - c0), Ua1 = 5 (1 - c1);
    # Ud0 = -10 (1 - c0), Ud1 = -2 (1 - c1); one resource.
    # LP t=0: max c0 s.t. 10 - 10 c0 >= 5 - 5 c1, c1 <= 1 - c0 => 15 c0 <= 10, c0 = 2/3,
    #   Ud0 = -10/3.  LP t=1: max c1 s.t. 5 - 5 c1 >= 10 - 10 c0, c0 <= 1 - c1
    #   => c1 <= 1/3, c0 = 2/3, Ud1 = -2 (2/3) = -4/3.  At c = (2/3, 1/3) the attacker is
    #   indifferent (Ua = 10/3 on both); it attacks target 1, the defender's preference
    #   (a pessimistic tie-break would give the defender -10/3).
    "tie-defender-favour": (
        [[0, -10, 0, 10], [0, -2, 0, 5]],
        1,
        [2 / 3, 1 / 3],
        -4 / 3,
        10 / 3,
        1,
        (0, 1),
    ),
    # No resource, the attacker indifferent (Au = 5 on both): it attacks the target the
    # defender loses less at (target 1, not the lowest index).
    "tie-no-resource": ([[0, -10, 0, 5], [0, -1, 0, 5]], 0, [0, 0], -1.0, 5.0, 1, (0, 1)),
    # Coverage split across three targets, one resource; Ua_t = a_t (1 - c_t) with
    # a = (6, 4, 3) and Ud_t = -v_t (1 - c_t) with v = (12, 4, 9).
    # Any LP: the attacked target's utility u is minimised; every other target needs
    # c_t >= 1 - u/a_t, so 3 - u (1/6 + 1/4 + 1/3) <= 1 => u >= 8/3 (< 3 = a_2, so all
    # three are in the attack set), c = (1 - 8/18, 1 - 8/12, 1 - 8/9) = (5/9, 1/3, 1/9).
    # Ud_t = -u v_t / a_t = -(8/3) (2, 1, 3): the defender prefers t=1, Ud = -8/3.
    "three-targets-split": (
        [[0, -12, 0, 6], [0, -4, 0, 4], [0, -9, 0, 3]],
        1,
        [5 / 9, 1 / 3, 1 / 9],
        -8 / 3,
        8 / 3,
        1,
        (0, 1, 2),
    ),
    # Two resources, four targets; a = (10, 8, 5, 2), v = (10, 4, 5, 100).
    # Attack set {0, 1, 2}: 3 - u (1/10 + 1/8 + 1/5) = 2 => u = 1/0.425 = 40/17 > 2 = a_3,
    # so target 3 is never worth attacking and stays uncovered (its LP is infeasible: u <= 2
    # needs 3 - 2 (0.425) = 2.15 > 2 resources).  c = (1 - 4/17, 1 - 5/17, 1 - 8/17, 0) =
    # (13/17, 12/17, 9/17, 0); Ud_t = -u v_t/a_t = -(40/17)(1, 1/2, 1): t=1, Ud = -20/17.
    "two-resources": (
        [[0, -10, 0, 10], [0, -4, 0, 8], [0, -5, 0, 5], [0, -100, 0, 2]],
        2,
        [13 / 17, 12 / 17, 9 / 17, 0],
        -20 / 17,
        40 / 17,
        1,
        (0, 1, 2),
    ),
    # One target never worth covering, one resource: a = (10, 8, 1), v = (10, 4, 50).
    # Attack set {0, 1}: 2 - u (1/10 + 1/8) = 1 => u = 40/9 > 1 = a_2: target 2 is outside
    # the attack set however much the defender would lose there.  c = (5/9, 4/9, 0);
    # Ud = -(40/9)(1, 1/2): t=1, Ud = -20/9.
    "outside-attack-set": (
        [[0, -10, 0, 10], [0, -4, 0, 8], [0, -50, 0, 1]],
        1,
        [5 / 9, 4 / 9, 0],
        -20 / 9,
        40 / 9,
        1,
        (0, 1),
    ),
    # More resources than targets (5 for 2): coverage 1 everywhere is allowed. With
    # Ua = (10 (1 - c0), 5 (1 - c1)) the LP for t=0 needs 10 (1 - c0) >= 5 (1 - c1):
    # c0 = 1 forces c1 = 1, Ud0 = 0 = Dc0; t=1 gives Ud1 = 0 too: the tie keeps t=0.
    "more-resources-than-targets": (
        [[0, -10, 0, 10], [0, -2, 0, 5]],
        5,
        [1, 1],
        0.0,
        0.0,
        0,
        (0, 1),
    ),
    # The usual assumption violated: covering the only target is worse for the defender
    # (Dc = -1 < Du = 0). The attacker attacks it anyway; the defender leaves its resource
    # idle: c = 0, Ud = 0, Ua = 1.
    "defender-prefers-uncovered": ([[-1, 0, 0, 1]], 1, [0], 0.0, 1.0, 0, (0,)),
}


@pytest.mark.parametrize("name", sorted(HAND_SOLVED))
def test_hand_solved(name):
    payoffs, resources, coverage, defender, attacker, target, attack_set = HAND_SOLVED[name]
    e = strong_stackelberg(payoffs, resources)
    assert isinstance(e, Equilibrium)
    np.testing.assert_allclose(e.coverage, coverage, rtol=0, atol=EXACT)
    assert e.defender_utility == pytest.approx(defender, rel=0, abs=EXACT)
    assert e.attacker_utility == pytest.approx(attacker, rel=0, abs=EXACT)
    assert e.target == target
    assert e.attack_set == attack_set
    # The returned utilities are those of the returned coverage.
    ud, ua = utilities(e.coverage, payoffs)
    assert e.defender_utility == ud[e.target]
    assert e.attacker_utility == ua[e.target]
    assert attacker_best_response(e.coverage, payoffs) == e.target


def test_result_is_read_only():
    e = strong_stackelberg(HAND_SOLVED["two-targets"][0], 1)
    with pytest.raises(ValueError):
        e.coverage[0] = 1.0
    with pytest.raises(AttributeError):
        e.target = 0  # type: ignore[misc]


# --- brute force ------------------------------------------------------------------------


def _random_game(rng, n, arbitrary):
    if arbitrary:  # any signs: the usual assumption may be violated
        return rng.uniform(-10, 10, (n, 4))
    return np.column_stack(
        [
            rng.uniform(0, 10, n),
            rng.uniform(-10, 0, n),
            rng.uniform(-10, 0, n),
            rng.uniform(0, 10, n),
        ]
    )


def _grid_best(payoffs, m, steps, slack):
    """The defender's best value over coverage vectors on a grid (sum <= m): the attacker
    takes any target within ``slack`` of its best and breaks ties in the defender's
    favour."""
    n = len(payoffs)
    axis = np.arange(steps + 1) / steps
    c = np.array(np.meshgrid(*[axis] * n, indexing="ij")).reshape(n, -1).T
    c = c[c.sum(axis=1) <= m + 1e-12]
    ud = payoffs[:, 1] + c * (payoffs[:, 0] - payoffs[:, 1])
    ua = payoffs[:, 3] + c * (payoffs[:, 2] - payoffs[:, 3])
    best_response = ua >= ua.max(axis=1, keepdims=True) - slack
    return np.where(best_response, ud, -np.inf).max(axis=1).max()


GAMES = 50
STEPS = {2: 200, 3: 50, 4: 20}


@pytest.mark.parametrize("game", range(GAMES))
def test_brute_force(game):
    # A fixed seed per game: 2-4 targets, 1-2 resources, one game in five with payoffs of
    # any sign.
    rng = Streams(16, game).get("brute-force")
    n = int(rng.integers(2, 5))
    m = int(rng.integers(1, 3))
    payoffs = _random_game(rng, n, arbitrary=game % 5 == 4)
    e = strong_stackelberg(payoffs, m)
    steps = STEPS[n]
    h = 1 / steps
    alpha = np.abs(payoffs[:, 2] - payoffs[:, 3]).max()
    delta = np.abs(payoffs[:, 0] - payoffs[:, 1]).max()

    # No coverage on the grid does better than the equilibrium (the attacker best-responds
    # strictly, ties to the defender).
    assert e.defender_utility >= _grid_best(payoffs, m, steps, 1e-12) - 1e-9
    # The grid comes close: rounding the equilibrium coverage down to the grid moves each
    # attacker utility by at most alpha h, so its target stays within 2 alpha h of the best,
    # and the defender loses at most delta h there.
    relaxed = _grid_best(payoffs, m, steps, 2 * alpha * h + 1e-9)
    assert relaxed >= e.defender_utility - delta * h - 1e-9
    # The equilibrium is what it says it is.
    assert e.coverage.sum() <= m + 1e-12
    assert np.all((e.coverage >= 0) & (e.coverage <= 1))
    ud, ua = utilities(e.coverage, payoffs)
    assert e.target in e.attack_set
    assert ua[e.target] >= ua.max() - 1e-9
    assert e.defender_utility == ud[e.target]


# --- properties -------------------------------------------------------------------------


@pytest.mark.parametrize("game", range(10))
def test_more_resources_never_hurt(game):
    rng = Streams(1616, game).get("monotone")
    n = int(rng.integers(2, 6))
    payoffs = _random_game(rng, n, arbitrary=game % 3 == 2)
    values = []
    for m in range(n + 2):
        e = strong_stackelberg(payoffs, m)
        assert e.coverage.sum() <= min(m, n) + 1e-12
        assert np.all((e.coverage >= 0) & (e.coverage <= 1))
        _, ua = utilities(e.coverage, payoffs)
        assert ua[e.target] >= ua.max() - 1e-9  # a best response
        assert set(np.flatnonzero(ua >= ua.max() - 1e-9)) == set(e.attack_set)
        values.append(e.defender_utility)
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:]))


def test_best_response_helper_breaks_ties_for_the_defender():
    payoffs = HAND_SOLVED["tie-defender-favour"][0]
    assert attacker_best_response([2 / 3, 1 / 3], payoffs) == 1
    assert attacker_best_response([2 / 3 + 1e-3, 1 / 3 - 1e-3], payoffs) == 1
    assert attacker_best_response([2 / 3 - 1e-3, 1 / 3 + 1e-3], payoffs) == 0
    ud, ua = utilities([0.5, 0.25], payoffs)
    np.testing.assert_allclose(ud, [-5, -1.5])
    np.testing.assert_allclose(ua, [5, 3.75])


# --- quantal response ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["two-targets", "three-targets-split", "two-resources"])
def test_quantal_response_approaches_sse(name):
    payoffs, resources = HAND_SOLVED[name][:2]
    sse = strong_stackelberg(payoffs, resources)
    qr = quantal_response(payoffs, resources, lam=1e4)
    assert qr.defender_utility == pytest.approx(sse.defender_utility, abs=1e-2)
    assert qr.target == sse.target
    np.testing.assert_allclose(qr.coverage, sse.coverage, atol=1e-2)
    assert qr.attack_probabilities.sum() == pytest.approx(1.0)


def test_quantal_response_lambda_zero_is_uniform():
    payoffs = HAND_SOLVED["three-targets-split"][0]
    qr = quantal_response(payoffs, 1, lam=0)
    np.testing.assert_allclose(qr.attack_probabilities, [1 / 3] * 3, rtol=0, atol=1e-15)
    # Against a uniform attacker the defender covers the target where coverage is worth
    # most (v = 12 at target 0): Ud = (0 - 4 - 9) / 3.
    np.testing.assert_allclose(qr.coverage, [1, 0, 0], atol=1e-9)
    assert qr.defender_utility == pytest.approx(-13 / 3, abs=1e-9)


@pytest.mark.parametrize("lam", [0.1, 1.0, 10.0])
def test_quantal_response_is_feasible_and_beats_its_starts(lam):
    payoffs = HAND_SOLVED["two-resources"][0]
    qr = quantal_response(payoffs, 2, lam=lam)
    assert qr.coverage.sum() <= 2 + 1e-9
    assert np.all((qr.coverage >= 0) & (qr.coverage <= 1))
    ud, ua = utilities(qr.coverage, payoffs)
    q = np.exp(lam * (ua - ua.max()))
    q /= q.sum()
    np.testing.assert_allclose(qr.attack_probabilities, q)
    assert qr.defender_utility == pytest.approx(q @ ud)
    assert qr.attacker_utility == pytest.approx(q @ ua)
    for start in (strong_stackelberg(payoffs, 2).coverage, np.full(4, 0.5)):
        sd, sa = utilities(start, payoffs)
        p = np.exp(lam * (sa - sa.max()))
        assert qr.defender_utility >= (p / p.sum()) @ sd - 1e-9


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payoffs", "resources", "field"),
    [
        ([1, 2, 3, 4], 1, "payoffs"),
        ([[1, 2, 3]], 1, "payoffs"),
        ([], 1, "payoffs"),
        ([[0, -1, 0, float("nan")]], 1, "attacker_uncovered"),
        ([[0, float("inf"), 0, 1]], 1, "defender_uncovered"),
        ([["a", -1, 0, 1]], 1, "payoffs"),
        ([[0, -1, 0, 1]], -1, "resources"),
        ([[0, -1, 0, 1]], 1.5, "resources"),
        ([[0, -1, 0, 1]], "2", "resources"),
        ([[0, -1, 0, 1]], True, "resources"),
        ([[0, -1, 0, 1]], float("nan"), "resources"),
    ],
)
def test_bad_input(payoffs, resources, field):
    with pytest.raises(VtsimError, match=field):
        strong_stackelberg(payoffs, resources)
    with pytest.raises(VtsimError, match=field):
        quantal_response(payoffs, resources, 1.0)


@pytest.mark.parametrize("lam", [-1, float("nan"), float("inf"), "1", None])
def test_bad_lambda(lam):
    with pytest.raises(VtsimError, match="lam"):
        quantal_response([[0, -1, 0, 1]], 1, lam)


@pytest.mark.parametrize("coverage", [[0.5], [0.5, 1.5], [0.5, -0.1], [0.5, float("nan")]])
def test_bad_coverage(coverage):
    payoffs = HAND_SOLVED["two-targets"][0]
    with pytest.raises(VtsimError, match="coverage"):
        utilities(coverage, payoffs)
    with pytest.raises(VtsimError, match="coverage"):
        attacker_best_response(coverage, payoffs)


def test_integral_float_resources_are_accepted():
    payoffs = HAND_SOLVED["two-resources"][0]
    a = strong_stackelberg(payoffs, 2.0)
    b = strong_stackelberg(payoffs, np.int64(2))
    np.testing.assert_array_equal(a.coverage, b.coverage)
