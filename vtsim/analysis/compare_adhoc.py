"""The packages a comparison runs: package ids of the scenario, and ad-hoc packages
built from measure ids (``--measures a,b``, repeated ``-m``), each named by its measures
(read by :func:`vtsim.analysis.compare.compare`)."""

from __future__ import annotations

from itertools import count

from vtsim.scenario.schema import Scenario


def _package_spec(
    packages, measures, scenario: Scenario | None = None
) -> tuple[list[str], dict[str, list[str]]]:
    """Package ids to run, and the ad-hoc packages to define (name -> measure ids).

    ``measures``: ``"a,b"`` or ``["a", "b"]`` is one package of both measures; a list of
    groups (``[["a", "b"], ["c"]]`` or ``["a,b", ["c"]]``: what repeated ``-m`` gives)
    is one package per group. An ad-hoc package is named by its measures (see
    :func:`_adhoc_name`); a group with the measures of a package of ``scenario`` is that
    package.
    """
    adhoc: dict[str, list[str]] = {}
    ids: list[str] = []
    if isinstance(packages, dict):
        for name, ms in packages.items():
            adhoc[str(name)] = [ms] if isinstance(ms, str) else list(ms)
            ids.append(str(name))
    elif packages:
        ids += [str(p) for p in packages]
    existing = {p.id: list(p.measures) for p in scenario.packages} if scenario else {}
    for ms in _measure_groups(measures):
        name = next((pid for pid, pms in {**existing, **adhoc}.items() if pms == ms), None)
        if name is None:  # a new package, named by its measures
            name = _adhoc_name(ms)
            taken = {*existing, *adhoc, *ids, "baseline"}
            if name in taken:
                name = next(f"{name}-{i}" for i in count(2) if f"{name}-{i}" not in taken)
            adhoc[name] = ms
        if name not in ids:
            ids.append(name)
    return ids, adhoc


def _measure_groups(measures) -> list[list[str]]:
    """``measures`` as groups of measure ids, one group per ad-hoc package."""
    if not measures:
        return []
    if isinstance(measures, str) or all(isinstance(m, str) for m in measures):
        items = [measures if isinstance(measures, str) else ",".join(measures)]
    else:
        items = [m if isinstance(m, str) else ",".join(m) for m in measures]
    groups = [[m.strip() for m in item.split(",") if m.strip()] for item in items]
    return [list(dict.fromkeys(g)) for g in groups if g]


def _adhoc_name(measure_ids: list[str], shown: int = 2) -> str:
    """A readable package id for measures: the measure ids (each already a short name of
    its measure) joined by ``_``; past ``shown`` of them, ``_and-N-more`` (the package's
    full list is in ``packages_frame["measures"]``). Package ids allow letters, digits,
    ``-``, ``_`` and ``.`` only, and figures and tables show the id.

    >>> _adhoc_name(["entrance-screening"])
    'entrance-screening'
    >>> _adhoc_name(["rescue-task-force", "bleeding-control-kits", "hospital-surge-plan"])
    'rescue-task-force_bleeding-control-kits_and-1-more'
    """
    head = "_".join(measure_ids[:shown])
    rest = len(measure_ids) - shown
    return f"{head}_and-{rest}-more" if rest > 0 else head
