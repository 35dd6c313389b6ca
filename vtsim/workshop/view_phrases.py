"""The catalogue phrases the workshop's browser views need (their scripts build the pages).

The server puts ``view_phrases(Messages(lang))`` in every view's JSON as ``m``: full keys
(``workshop.view.start``) to phrases **unformatted**; the scripts fill the ``{placeholders}``
themselves (numbers formatted, isolated in right-to-left text). The page templates use the
catalogue directly (``m('workshop.view.title_join')``).
"""

from __future__ import annotations

_PREFIX = "workshop.view."

# Every phrase the scripts (vtsim/workshop/static/*.js) read with VT.t("<name>").
_NAMES = [
    # shared frame
    "error",
    "failed",
    "saved",
    "loading",
    "reconnecting",
    "state_lobby",
    "state_running",
    "state_voting",
    "state_revealing",
    "state_ended",
    "paused",
    "lobby_wait",
    "ended_thanks",
    "module",
    "time_left",
    # situation, injects, decisions
    "situation",
    "inject",
    "inject_from_to",
    "decision",
    "end_of_storyline",
    "nothing_yet",
    "participants",
    "nobody_yet",
    # votes
    "votes_count",
    "decided",
    "vote",
    "your_vote",
    "justification",
    "justification_required",
    "vote_recorded",
    "vote_not_open",
    "choose_option",
    "ballots",
    "no_ballots",
    # facilitator
    "start",
    "advance",
    "open_vote",
    "close_vote",
    "pause",
    "resume",
    "undo",
    "reveal",
    "end",
    "confirm_end",
    "confirm_undo",
    "override",
    "by_votes",
    "facilitator_only",
    "ground_truth",
    "notes",
    "note",
    "add_note",
    "note_table",
    "note_kind",
    "note_discussion",
    "hot_wash_strength",
    "hot_wash_improvement",
    "note_who",
    "all_tables",
    "links",
    "join_link",
    "projector_link",
    "observer_link",
    "qr_alt",
    # projector
    "scan_to_join",
    "consequences",
    "computing",
    "chart_alt",
    # participant
    "you_are",
    "your_note",
    # observer
    "name",
    "objectives",
    "capability",
    "criteria",
    "rating",
    "rating_note",
    "save_rating",
    "your_rating",
]

VIEW_KEYS: list[str] = [_PREFIX + name for name in _NAMES]


def view_phrases(msg) -> dict[str, str]:
    """``{key: phrase}`` for every key of :data:`VIEW_KEYS` in ``msg``'s language (a
    :class:`vtsim.exercise.text.Messages`), unformatted; a missing phrase raises."""
    return {key: msg(key) for key in VIEW_KEYS}
