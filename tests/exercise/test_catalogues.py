"""The French and Arabic catalogues match the English one key for key and placeholder for
placeholder; Arabic is right-to-left with its numbers isolated; every outcome column of the
exercise scenarios has a label in each translated catalogue."""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

import pytest

from vtsim.exercise.text import LRI, PDI, Messages, catalogue, languages

FSI = "\u2068"  # first-strong isolate: a number in it reads left to right too
OPENERS = (LRI, FSI)

ROOT = Path(__file__).resolve().parents[2]
EXERCISE_SCENARIOS = [
    "harbour-festival",
    "museum-siege",
    "metro-cbrn",
    "old-town-worship",
    "transit-hub-drone",
]
TRANSLATED = ["fr", "ar"]
ONLY_TRANSLATED = {"columns", "group_columns"}  # parts only in translated catalogues
ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def flatten(node, prefix: str = "") -> dict[str, str]:
    """``{"console.inject": "INJECT at ...", ...}``: every phrase of a catalogue by key."""
    if isinstance(node, dict):
        out: dict[str, str] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(node, list):  # e.g. ground rules: one phrase per item, in the same order
        out = {}
        for i, value in enumerate(node):
            out.update(flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: node}


def phrases(lang: str) -> dict[str, str]:
    data = {
        part: value
        for part, value in catalogue(lang).items()
        if isinstance(value, dict) and part not in ONLY_TRANSLATED
    }
    return flatten(data)


def fields(template: str) -> set[tuple[str, str, str]]:
    """The replacement fields of a template: (name, conversion, format spec)."""
    return {
        (name, conversion or "", spec or "")
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    }


def test_every_language_is_offered():
    assert {"en", "fr", "ar"} <= set(languages())


@pytest.mark.parametrize("lang", ["en", *TRANSLATED])
def test_language_file(lang):
    data = catalogue(lang)
    assert data["lang"] == lang
    assert data["dir"] == ("rtl" if lang == "ar" else "ltr")
    assert data["name"] == {"en": "English", "fr": "Français", "ar": "العربية"}[lang]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_same_parts_and_keys_as_english(lang):
    english, other = phrases("en"), phrases(lang)
    assert sorted(set(english) - set(other)) == [], f"missing in {lang}"
    assert sorted(set(other) - set(english)) == [], f"not in en, only in {lang}"
    for key, value in other.items():
        assert isinstance(value, str) and value.strip(), f"{lang}: {key} is empty"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_same_placeholders_and_format_specs(lang):
    english, other = phrases("en"), phrases(lang)
    wrong = {
        key: (sorted(fields(english[key])), sorted(fields(other[key])))
        for key in english.keys() & other.keys()
        if fields(english[key]) != fields(other[key])
    }
    assert wrong == {}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translated_not_copied(lang):
    """Phrases with words are translated: at most a few (names, symbols) equal the English."""
    english, other = phrases("en"), phrases(lang)
    same = [
        key
        for key, value in other.items()
        if value == english.get(key) and re.search("[A-Za-z]{3,}", _without_fields(value))
    ]
    # a few words are the same in French ("Modules", "Session", "Options", "Message", "min")
    allowed = {"fr": max(5, len(other) // 20), "ar": 0}[lang]
    assert len(same) <= allowed, same


def _without_fields(template: str) -> str:
    return "".join(literal for literal, *_ in string.Formatter().parse(template))


def test_arabic_values_are_arabic():
    only = {part: catalogue("ar")[part] for part in ONLY_TRANSLATED}
    for key, value in {**phrases("ar"), **flatten(only)}.items():
        words = re.sub(r"[\W\d_]+", "", _without_fields(value))
        if words:  # not only placeholders, digits and punctuation
            assert ARABIC_LETTER.search(value), f"ar: {key} = {value!r}"


def _outside_isolates(text: str) -> str:
    """``text`` without its left-to-right isolates (nested ones included)."""
    out, depth = [], 0
    for ch in text:
        if ch in OPENERS:
            depth += 1
        elif ch == PDI and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _isolated(number: str, text: str) -> bool:
    """``number`` sits in ``text`` as a left-to-right island (U+2066 or U+2068 ... U+2069)."""
    return any(f"{opener}{number}{PDI}" in text for opener in OPENERS)


def test_arabic_numbers_are_isolated():
    """Every number formatted into an Arabic phrase reads left to right: "-1.33" and "23 %",
    not "1.33-" and "% 23"."""
    msg = Messages("ar")
    assert msg.rtl
    checked = 0
    for key, template in phrases("ar").items():
        names = {name for name, _, _ in fields(template)}
        if not names or any("." in n or "[" in n for n in names):
            continue
        text = msg(key, **dict.fromkeys(names, -1.33))
        # no digit left outside an isolate but those written in the phrase itself
        assert sorted(re.findall(r"\d", _outside_isolates(text))) == sorted(
            re.findall(r"\d", _without_fields(template))
        ), (key, text)
        checked += 1
    assert checked > 50
    line = msg("console.saved_over", n=69, mean=-1.33, lo=-1.56, hi=-0.81)
    for number in ("69", "-1.33", "-1.56", "-0.81"):
        assert _isolated(number, line), (number, line)
    assert ARABIC_LETTER.search(line)
    assert _isolated("23 %", msg("console.picture_reported", casualties="23 %"))
    assert msg.num("-4.0 %") == f"{LRI}-4.0 %{PDI}"
    if msg.has("debrief.percent"):  # the share's sign stays on the number's side
        share = msg("debrief.percent", value="23")
        assert _outside_isolates(share).strip() == "" and "23" in share


def test_french_numbers_are_not_isolated_and_are_written_the_french_way():
    msg = Messages("fr")
    text = msg("console.saved_over", n=69, mean=-1.33, lo=-1.56, hi=-0.81)
    assert LRI not in text and FSI not in text and "-1,33" in text and "-1.33" not in text
    # thousands with a narrow no-break space; dates, times and paths untouched
    assert msg.numbers("2,719,750 EUR") == "2\u202f719\u202f750 EUR"
    assert msg.numbers("2026-11-30 09:00") == "2026-11-30 09:00"
    assert msg.numbers("/tmp/run-1.5/session.json") == "/tmp/run-1.5/session.json"
    assert Messages("en").numbers("2,719,750.5") == "2,719,750.5"


@cache
def _exercise_columns() -> dict[str, set[str]]:
    from vtsim.model.world import columns_for
    from vtsim.scenario.loader import load_scenario

    return {
        name: {c.name for c in columns_for(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))}
        for name in EXERCISE_SCENARIOS
    }


@pytest.mark.parametrize("lang", TRANSLATED)
def test_columns_cover_the_exercise_scenarios(lang):
    labels = catalogue(lang).get("columns") or {}
    per_group = catalogue(lang).get("group_columns") or {}
    for scenario, names in _exercise_columns().items():
        missing = sorted(
            name
            for name in names
            if name not in labels and name.partition("__")[0] not in per_group
        )
        assert missing == [], f"{lang}: {scenario} columns without a label"
    for name, label in per_group.items():  # `<metric>__<group>`: the group's name in {group}
        assert {f[0] for f in fields(label)} == {"group"}, f"{lang}: group_columns.{name}"
        assert not label.endswith("."), f"{lang}: group_columns.{name} ends with a full stop"
    for name, label in labels.items():
        assert isinstance(label, str) and label.strip(), name
        assert not label.endswith("."), f"{lang}: columns.{name} ends with a full stop"
        assert "{" not in label, f"{lang}: columns.{name} has a placeholder"
        assert "_" not in label, f"{lang}: columns.{name} shows an id"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_columns_label_reads_in_a_sentence(lang):
    """A column label formats into a phrase like any other value."""
    msg = Messages(lang)
    label = msg("columns.casualties_total")
    text = msg("console.outcome_labelled", metric=label, value="12", ended_by="x")
    assert label in text
