"""Security games across targets: where should m identical resources go when the
attacker watches where protection is and chooses the target?

The model (compact form, Kiekintveld et al. 2009): a defender has ``m`` identical
resources (patrol teams, mobile packages), each covering one target at a time. A mixed
strategy is summarised by its coverage ``c_t``, the probability that target ``t`` is
covered, with ``0 <= c_t <= 1`` and ``sum_t c_t <= m``; every such vector can be
implemented by a randomised schedule of the m resources. Each target has four payoffs,
one row ``(defender_covered, defender_uncovered, attacker_covered, attacker_uncovered)``,
so that an attack on ``t`` is worth, to the defender and to the attacker::

    U_d(t, c) = c_t * defender_covered_t + (1 - c_t) * defender_uncovered_t
    U_a(t, c) = c_t * attacker_covered_t + (1 - c_t) * attacker_uncovered_t

The defender commits to ``c`` first; the attacker observes it and attacks a target that
maximises ``U_a``. In the strong Stackelberg equilibrium (SSE) ties are broken in the
defender's favour (the defender can always make its preferred target strictly better
for the attacker by an arbitrarily small change of coverage, so this is the usual
value of the game). It is computed exactly by the multiple-LPs method (Conitzer &
Sandholm 2006): for every target ``t``, a linear programme finds the coverage that
maximises ``U_d(t, c)`` subject to ``t`` being a best response of the attacker; the
best feasible one is the equilibrium. The programmes are solved with scipy's HiGHS and
the vertex it returns is polished (its active constraints solved as a linear system)
so that hand-solved games come out exact to rounding.

The usual assumption (covering a target is better for the defender and worse for the
attacker) is *not* needed: the programmes are correct for any payoffs, and a defender
who would rather leave a target uncovered simply does so (coverage may sum to less than
``m``).

A bounded-rationality attacker (:func:`quantal_response`, Yang et al. 2012) attacks
target ``t`` with probability proportional to ``exp(lam * U_a(t, c))``: ``lam = 0`` is a
uniformly random choice, ``lam -> infinity`` a best response.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize

from vtsim.errors import VtsimError
from vtsim.model.streams import Streams

COLUMNS = ("defender_covered", "defender_uncovered", "attacker_covered", "attacker_uncovered")

#: Relative tolerance (times the largest absolute payoff, at least 1) under which two
#: attacker utilities count as equal (the attack set, tie-breaking).
TOLERANCE = 1e-8

_HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """A strong Stackelberg equilibrium of a security game (see the module's docstring).

    ``coverage``: the probability that each target is covered (read-only array).
    ``target``: the index of the target attacked (a best response, ties broken in the
    defender's favour). ``defender_utility`` and ``attacker_utility``: the expected
    payoffs of that attack under ``coverage``. ``attack_set``: every target the attacker
    is indifferent among at ``coverage`` (its utility within the tolerance of the best),
    in increasing order; it contains ``target``.
    """

    coverage: np.ndarray
    defender_utility: float
    attacker_utility: float
    target: int
    attack_set: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class QuantalResponse:
    """The defender's best coverage against a quantal-response attacker.

    ``coverage``: the probability that each target is covered. ``attack_probabilities``:
    the attacker's probability of choosing each target under it. ``defender_utility`` and
    ``attacker_utility``: the expected payoffs over those probabilities. ``target``: the
    most likely target. ``lam``: the attacker's rationality parameter. ``starts``: how
    many starting points the local optimiser was run from (the best local optimum is
    kept; it is not guaranteed to be global).
    """

    coverage: np.ndarray
    attack_probabilities: np.ndarray
    defender_utility: float
    attacker_utility: float
    target: int
    lam: float
    starts: int


# --- input checks -------------------------------------------------------------------


def _payoffs(payoffs) -> np.ndarray:
    try:
        array = np.array(payoffs, dtype=float)
    except (TypeError, ValueError) as exc:
        raise VtsimError(
            f"payoffs must be numbers: one row per target with four columns "
            f"({', '.join(COLUMNS)}); they could not be read as numbers ({exc})."
        ) from None
    if array.ndim != 2 or array.shape[1] != 4 or array.shape[0] == 0:
        raise VtsimError(
            f"payoffs must have one row per target and four columns ({', '.join(COLUMNS)}); "
            f"got an array of shape {array.shape}. Give at least one target, e.g. "
            "[[0, -10, -5, 10], [0, -4, -2, 6]]."
        )
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        row, column = (int(i) for i in bad[0])
        raise VtsimError(
            f"payoffs must be finite numbers; target {row} has {array[row, column]} as its "
            f"{COLUMNS[column]} ({len(bad)} value(s) are missing or infinite in all)."
        )
    array.setflags(write=False)
    return array


def _resources(resources, targets: int) -> int:
    if isinstance(resources, bool) or not isinstance(resources, numbers.Real):
        raise VtsimError(
            f"resources must be a whole number of resources (0 or more); got {resources!r}."
        )
    value = float(resources)
    if not math.isfinite(value) or not value.is_integer() or value < 0:
        raise VtsimError(
            f"resources must be a whole number of resources (0 or more): each resource "
            f"covers one target at a time; got {resources!r}."
        )
    # More resources than targets: every target can be covered with certainty.
    return min(int(value), targets)


def _coverage(coverage, targets: int) -> np.ndarray:
    try:
        array = np.array(coverage, dtype=float)
    except (TypeError, ValueError):
        raise VtsimError(
            f"coverage must be numbers, one probability per target; got {coverage!r}."
        ) from None
    if array.shape != (targets,):
        raise VtsimError(
            f"coverage must have one probability per target ({targets}); got an array of "
            f"shape {array.shape}."
        )
    if not np.all(np.isfinite(array)) or np.any(array < -1e-9) or np.any(array > 1 + 1e-9):
        raise VtsimError(f"coverage must be probabilities between 0 and 1; got {array.tolist()}.")
    return np.clip(array, 0.0, 1.0)


def _lam(lam) -> float:
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real):
        raise VtsimError(f"lam (the attacker's rationality) must be a number >= 0; got {lam!r}.")
    value = float(lam)
    if not math.isfinite(value) or value < 0:
        raise VtsimError(
            f"lam (the attacker's rationality) must be a finite number >= 0: 0 attacks "
            f"every target alike, larger values approach a best response; got {lam!r}."
        )
    return value


def _tolerance(payoffs: np.ndarray) -> float:
    return TOLERANCE * max(1.0, float(np.max(np.abs(payoffs))))


# --- helpers ---------------------------------------------------------------------


def utilities(coverage, payoffs) -> tuple[np.ndarray, np.ndarray]:
    """The defender's and the attacker's utility of an attack on each target.

    Returns two arrays ``(defender, attacker)`` with, for every target ``t``,
    ``c_t * covered_t + (1 - c_t) * uncovered_t`` for each side.
    """
    table = _payoffs(payoffs)
    c = _coverage(coverage, len(table))
    return _utilities(c, table)


def _utilities(c: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    defender = table[:, 1] + c * (table[:, 0] - table[:, 1])
    attacker = table[:, 3] + c * (table[:, 2] - table[:, 3])
    return defender, attacker


def attacker_best_response(coverage, payoffs, *, tol: float | None = None) -> int:
    """The target an attacker who observes ``coverage`` attacks.

    A target maximising the attacker's utility; among those within ``tol`` of the best
    (default: :data:`TOLERANCE` times the largest absolute payoff, at least 1), the one best
    for the defender (the strong Stackelberg tie-breaking), then the lowest index.
    """
    table = _payoffs(payoffs)
    c = _coverage(coverage, len(table))
    return _best_response(c, table, _tolerance(table) if tol is None else tol)[0]


def _best_response(c: np.ndarray, table: np.ndarray, tol: float) -> tuple[int, tuple[int, ...]]:
    defender, attacker = _utilities(c, table)
    attack_set = np.flatnonzero(attacker >= attacker.max() - tol)
    best = int(attack_set[np.argmax(defender[attack_set])])
    return best, tuple(int(t) for t in attack_set)


# --- strong Stackelberg equilibrium -------------------------------------------------


def strong_stackelberg(payoffs, resources) -> Equilibrium:
    """The strong Stackelberg equilibrium of a security game in compact form.

    ``payoffs``: one row per target ``(defender_covered, defender_uncovered,
    attacker_covered, attacker_uncovered)``. ``resources``: the number ``m`` of identical
    resources, each covering one target at a time (more than the number of targets is
    allowed: every target can then be covered). Solved exactly by one linear programme per
    candidate target (Conitzer & Sandholm 2006) with scipy's HiGHS; see the module's
    docstring for the model. Raises :class:`VtsimError` on malformed input.
    """
    table = _payoffs(payoffs)
    m = _resources(resources, len(table))
    tol = _tolerance(table)
    n = len(table)
    alpha = table[:, 2] - table[:, 3]  # d U_a / d c_t
    delta = table[:, 0] - table[:, 1]  # d U_d / d c_t

    best: tuple[float, int, np.ndarray] | None = None
    for t in range(n):
        solved = _solve_target(t, table, alpha, delta, m, tol)
        if solved is None:
            continue
        value = float(table[t, 1] + solved[t] * delta[t])
        if best is None or value > best[0] + tol:
            best = (value, t, solved)
    if best is None:  # some target is always a best response: a solver failure
        raise RuntimeError("No linear programme of the security game could be solved.")

    _, t, c = best
    target, attack_set = _best_response(c, table, tol)
    if t in attack_set:  # the programme's target, unless polishing moved the tie
        target = t
    defender, attacker = _utilities(c, table)
    c.setflags(write=False)
    return Equilibrium(
        coverage=c,
        defender_utility=float(defender[target]),
        attacker_utility=float(attacker[target]),
        target=target,
        attack_set=attack_set,
    )


def _solve_target(
    t: int, table: np.ndarray, alpha: np.ndarray, delta: np.ndarray, m: int, tol: float
) -> np.ndarray | None:
    """Coverage maximising the defender's utility when ``t`` is a best response, or None."""
    n = len(table)
    rows: list[np.ndarray] = []
    bounds: list[float] = []
    for other in range(n):  # U_a(other) <= U_a(t)
        if other == t:
            continue
        row = np.zeros(n)
        row[other] += alpha[other]
        row[t] -= alpha[t]
        rows.append(row)
        bounds.append(float(table[t, 3] - table[other, 3]))
    if m < n:
        rows.append(np.ones(n))
        bounds.append(float(m))
    a_ub = np.array(rows).reshape(len(rows), n)
    b_ub = np.array(bounds)
    objective = np.zeros(n)
    objective[t] = -delta[t]
    result = linprog(
        objective,
        A_ub=a_ub if len(rows) else None,
        b_ub=b_ub if len(rows) else None,
        bounds=[(0.0, 1.0)] * n,
        method="highs",
        options=_HIGHS_OPTIONS,
    )
    if result.status == 2:  # infeasible: t cannot be made a best response
        return None
    if result.status != 0 or result.x is None:
        raise RuntimeError(f"The security game's linear programme failed: {result.message}")
    c = np.clip(np.asarray(result.x, dtype=float), 0.0, 1.0)
    return _polish(c, objective, a_ub, b_ub, tol)


def _polish(
    c: np.ndarray, objective: np.ndarray, a_ub: np.ndarray, b_ub: np.ndarray, tol: float
) -> np.ndarray:
    """The vertex of the programme at ``c``, solved from its active constraints.

    HiGHS returns a vertex up to its tolerances; solving the active constraints (those
    within a small slack) as a linear system removes that noise. The polished point is kept
    only when the system determines it, it is feasible and it is no worse than ``c``.
    """
    n = len(c)
    a_full = np.vstack([a_ub, np.eye(n), -np.eye(n)])
    b_full = np.concatenate([b_ub, np.ones(n), np.zeros(n)])
    scale = np.maximum(1.0, np.abs(a_full).max(axis=1))
    active = np.abs(a_full @ c - b_full) <= 1e-7 * scale
    if active.sum() < n or np.linalg.matrix_rank(a_full[active]) < n:
        return c
    polished = np.linalg.lstsq(a_full[active], b_full[active], rcond=None)[0]
    feasible = bool(np.all(a_full @ polished <= b_full + 1e-12 * scale))
    if not feasible and np.all(a_full @ polished <= b_full + tol * scale):
        polished = np.clip(polished, 0.0, 1.0)
        feasible = True
    if not feasible or objective @ polished > objective @ c + tol:
        return c
    return np.clip(polished, 0.0, 1.0)


# --- quantal response ---------------------------------------------------------------


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max())
    return z / z.sum()


def quantal_response(payoffs, resources, lam, *, starts: int = 8, seed: int = 0) -> QuantalResponse:
    """The defender's best coverage against a logit quantal-response attacker.

    The attacker attacks target ``t`` with probability ``q_t`` proportional to
    ``exp(lam * U_a(t, c))`` (Yang et al. 2012): ``lam = 0`` attacks every target alike,
    a large ``lam`` approaches a best response. ``lam`` is per unit of the attacker's payoff:
    scaling the payoffs by k is the same game with ``lam / k``. The defender maximises its
    expected utility ``sum_t q_t U_d(t, c)`` over coverage with ``0 <= c_t <= 1`` and
    ``sum_t c_t <= m``.

    The problem is smooth but not convex: it is solved by SLSQP with the exact gradient
    from several starting points (the strong Stackelberg coverage, uniform coverage, no
    coverage, all resources on the targets the attacker values most, and ``starts``
    random feasible points from the named stream ``security-game-starts`` of ``seed``),
    keeping the best. The result is the best local optimum found, not a proven global one.
    """
    table = _payoffs(payoffs)
    m = _resources(resources, len(table))
    rate = _lam(lam)
    if isinstance(starts, bool) or not isinstance(starts, int) or starts < 0:
        raise VtsimError(
            f"starts (random starting points) must be a whole number >= 0; got {starts!r}."
        )
    n = len(table)
    alpha = table[:, 2] - table[:, 3]
    delta = table[:, 0] - table[:, 1]

    def negative_value(c: np.ndarray) -> tuple[float, np.ndarray]:
        defender, attacker = _utilities(c, table)
        q = _softmax(rate * attacker)
        value = float(q @ defender)
        gradient = q * delta + rate * alpha * q * (defender - value)
        return -value, -gradient

    candidates = [
        np.asarray(strong_stackelberg(table, m).coverage, dtype=float),
        np.full(n, m / n),
        np.zeros(n),
    ]
    top = np.zeros(n)
    top[np.argsort(-table[:, 3], kind="stable")[:m]] = 1.0
    candidates.append(top)
    rng = Streams(seed, 0).get("security-game-starts", n, m)
    for _ in range(starts):
        point = rng.dirichlet(np.ones(n + 1))[:n] * m  # sum <= m
        candidates.append(np.minimum(point, 1.0))

    constraints = (
        []
        if m >= n
        else [{"type": "ineq", "fun": lambda c: m - c.sum(), "jac": lambda c: -np.ones(n)}]
    )
    best_c: np.ndarray | None = None
    best_value = -math.inf
    for start in candidates:
        result = minimize(
            negative_value,
            start,
            jac=True,
            method="SLSQP",
            bounds=[(0.0, 1.0)] * n,
            constraints=constraints,
            options={"maxiter": 500, "ftol": 1e-12},
        )
        for point in (np.asarray(result.x, dtype=float), start):
            c = _feasible(point, m)
            value = -negative_value(c)[0]
            if value > best_value:
                best_value, best_c = value, c
    assert best_c is not None
    defender, attacker = _utilities(best_c, table)
    q = _softmax(rate * attacker)
    best_c.setflags(write=False)
    q.setflags(write=False)
    return QuantalResponse(
        coverage=best_c,
        attack_probabilities=q,
        defender_utility=float(q @ defender),
        attacker_utility=float(q @ attacker),
        target=int(np.argmax(q)),
        lam=rate,
        starts=len(candidates),
    )


def _feasible(c: np.ndarray, m: int) -> np.ndarray:
    c = np.clip(c, 0.0, 1.0)
    total = c.sum()
    if total > m:
        c = c * (m / total)
    return c
