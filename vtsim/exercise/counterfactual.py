"""What the choices changed: the same storyline with each alternative, and many storylines.

*On this storyline*: every decision the teams took is replayed with each of its
other options (all other decisions as taken), on the same seed and replication,
so only that decision differs (common random numbers). *Over many storylines*:
replications ``0..n-1`` of the same seed, played with the chosen path and with
each alternative, paired per replication. A decision point that a storyline
reaches but the session did not takes its first option.

This module is the entry point (:func:`on_storyline`, :func:`monte_carlo`,
:func:`summarise`, :func:`debrief`) and re-exports what front ends use; the work is in

- :mod:`vtsim.exercise.replays`: the paths replayed, on one storyline and over many;
- :mod:`vtsim.exercise.debrief_outcomes`: the outcomes compared, their phases and verdicts;
- :mod:`vtsim.exercise.debrief_words`: every phrase of the debrief, from the catalogue;
- :mod:`vtsim.exercise.debrief_compare`: each alternative against the chosen path.
"""

from __future__ import annotations

from vtsim.exercise.debrief_compare import compare_on_storyline as compare_on_storyline
from vtsim.exercise.debrief_compare import compare_over_storylines as compare_over_storylines
from vtsim.exercise.debrief_compare import outcomes as outcomes
from vtsim.exercise.debrief_compare import storyline_counts as storyline_counts
from vtsim.exercise.debrief_compare import with_values as with_values
from vtsim.exercise.debrief_outcomes import COMPOSITE as COMPOSITE
from vtsim.exercise.debrief_outcomes import PHASES as PHASES
from vtsim.exercise.debrief_outcomes import Outcome as Outcome
from vtsim.exercise.debrief_outcomes import _o as _o
from vtsim.exercise.debrief_outcomes import phase_of as phase_of
from vtsim.exercise.debrief_words import _amount as _amount
from vtsim.exercise.debrief_words import _interval as _interval
from vtsim.exercise.debrief_words import _people_labels as _people_labels
from vtsim.exercise.debrief_words import better_text as better_text
from vtsim.exercise.debrief_words import excluded_reason as excluded_reason
from vtsim.exercise.debrief_words import messages as messages
from vtsim.exercise.debrief_words import over_sentences as over_sentences
from vtsim.exercise.debrief_words import overall_text as overall_text
from vtsim.exercise.debrief_words import pct as pct
from vtsim.exercise.debrief_words import phase_title as phase_title
from vtsim.exercise.debrief_words import say as say
from vtsim.exercise.debrief_words import story_sentence as story_sentence
from vtsim.exercise.debrief_words import unit_text as unit_text
from vtsim.exercise.debrief_words import verdict_text as verdict_text
from vtsim.exercise.replays import Variant as Variant
from vtsim.exercise.replays import metric_names as metric_names
from vtsim.exercise.replays import monte_carlo as monte_carlo
from vtsim.exercise.replays import on_storyline as on_storyline
from vtsim.exercise.replays import play_block as play_block
from vtsim.exercise.replays import variants as variants
from vtsim.exercise.text import Messages


def session_valuation(session):
    """The scenario's valuation (:func:`vtsim.analysis.valuation.resolve_valuation`), or
    None when it has none that fits (another currency)."""
    from vtsim.analysis.valuation import resolve_valuation
    from vtsim.errors import VtsimError

    try:
        return resolve_valuation(session.scenario)
    except VtsimError:
        return None


def summarise(session, mc_rows: list[dict], msg: Messages | None = None) -> list[dict]:
    """Per alternative over many storylines (see :func:`compare_over_storylines`), with the
    scenario's valuation. ``saved_*`` is on the row's headline ``metric`` (alternative minus
    chosen: positive, your choice had less of it); ``n`` counts the storylines played and
    ``n_compared`` those that reached the decision (``excluded`` gives the others' reasons)."""
    return compare_over_storylines(session, mc_rows, session_valuation(session), msg)


def debrief(session, story: list[dict], mc_rows: list[dict], msg: Messages | None = None) -> dict:
    """Everything the console and the report say about the choices, as data (and the
    sentences in ``msg``'s language, by default the session's)."""
    msg = messages(session, msg)
    valuation = session_valuation(session)
    return {
        "valuation": valuation.name if valuation is not None else None,
        "currency": valuation.currency if valuation is not None else None,
        "on_storyline": compare_on_storyline(session, story, valuation, msg),
        "over_storylines": (
            compare_over_storylines(session, mc_rows, valuation, msg) if mc_rows else []
        ),
        "counts": storyline_counts(session, mc_rows, msg) if mc_rows else None,
    }
