"""harbour-festival and museum-siege ship their exercise in English, French and Arabic.

Every text of the exercise (and every name the exercise shows: agencies, hospitals, sites,
zones, layers, threats, measures, packages) carries ``{en, fr, ar}``; the French differs
from the English, the Arabic is written in Arabic letters, and the localised Arabic
scenario validates and plays.
"""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

import vtsim
from vtsim.exercise.session import ExerciseSession
from vtsim.exercise.text import names
from vtsim.scenario.checks import check_scenario
from vtsim.scenario.schema_base import LocalText

NBSP = "\u00a0"
TITLES = {
    "harbour-festival": {
        "en": "Porto Alba Harbour Festival: night of the festival",
        "fr": f"Fête du port de Porto Alba{NBSP}: la nuit de la fête",
        "ar": "مهرجان ميناء بورتو ألبا: ليلة المهرجان",
    },
    "museum-siege": {
        "en": "National Museum of Valdora: casualties in the galleries",
        "fr": f"Musée national de Valdora{NBSP}: des victimes dans les salles d'exposition",
        "ar": "المتحف الوطني في فالدورا: مصابون في قاعات العرض",
    },
}
SCENARIOS = sorted(TITLES)
ARABIC = re.compile("[\u0600-\u06ff]")
LATIN = re.compile("[A-Za-z]")
EASTERN_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


@pytest.fixture(scope="module", params=SCENARIOS)
def scenario(request):
    return vtsim.load_scenario(request.param)


def local_texts(node, path: str = "exercise"):
    """Every text under ``node`` that carries translations: (field path, LocalText)."""
    if isinstance(node, LocalText):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from local_texts(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from local_texts(item, f"{path}[{i}]")


def every_text(model: BaseModel) -> list[str]:
    """Every non-empty text of ``model`` (any ``Text`` field), translated or not."""
    found: list[str] = []
    model.model_dump(context={"lang": "zz", "missing": found})
    return found


def named_things(s):
    """Everything with a name that the exercise can show, by kind."""
    things = {
        "site": list(s.sites),
        "zone": [z for site in s.sites for z in site.zones],
        "layer": [layer for site in s.sites for layer in site.layers],
        "threat": list(s.threats),
        "agency": list(s.agencies),
        "hospital": list(s.medical.hospitals) if s.medical else [],
        "measure": list(s.measures),
        "package": list(s.packages),
    }
    return [(kind, thing) for kind, items in things.items() for thing in items]


def test_nothing_left_untranslated(scenario):
    assert scenario.untranslated("fr") == []
    assert scenario.untranslated("ar") == []


def test_localised_titles(scenario):
    expected = TITLES[next(n for n in SCENARIOS if TITLES[n]["en"] == scenario.exercise.title)]
    assert scenario.exercise.title == expected["en"]
    assert scenario.localised("fr").exercise.title == expected["fr"]
    assert scenario.localised("ar").exercise.title == expected["ar"]
    assert scenario.localised("en").exercise.title == expected["en"]


def test_every_exercise_text_has_three_proper_translations(scenario):
    found = list(local_texts(scenario.exercise))
    assert len(found) > 60  # title, overview, objectives, modules, injects, decisions...
    # no text is a plain string: every text of the exercise carries translations
    assert len(found) == len(every_text(scenario.exercise))
    for path, text in found:
        assert set(text.translations) == {"en", "fr", "ar"}, path
        en, fr, ar = (text.translations[k] for k in ("en", "fr", "ar"))
        assert fr.strip() and fr != en, f"{path}: the French is the English: {en!r}"
        assert ARABIC.search(ar), f"{path}: no Arabic letters in {ar!r}"
        assert not EASTERN_DIGITS.search(ar), f"{path}: keep Western digits in {ar!r}"
        assert ar != en and ar != fr, path


def test_names_are_translated(scenario):
    shown = named_things(scenario)
    assert {kind for kind, _ in shown} >= {"site", "zone", "threat", "agency", "hospital"}
    for kind, thing in shown:
        if thing.id == "vehicle-barrier":  # a layer only inside a measure's effect value
            continue
        name = thing.name
        assert isinstance(name, LocalText), f"{kind} '{thing.id}' has an English-only name"
        assert name.translations["fr"] != name.translations["en"], (kind, thing.id)
        assert ARABIC.search(name.translations["ar"]), (kind, thing.id)
    # the localised scenario's agency names (what the console shows for ids) are translated
    for lang, script in (("ar", ARABIC), ("fr", None)):
        localised = scenario.localised(lang)
        by_id = names(localised)
        for agency in scenario.agencies:
            shown_name = by_id[agency.id]
            assert shown_name == agency.name.translations[lang]
            assert shown_name != agency.name.translations["en"]
            if script is not None:
                assert script.search(shown_name)
                assert not LATIN.search(shown_name), shown_name


def test_hseep_fields_are_filled_in(scenario):
    ex = scenario.exercise
    objective_ids = {o.id for o in ex.objectives}
    for objective in ex.objectives:
        assert objective.capability, objective.id
        assert 2 <= len(objective.evaluation) <= 4, objective.id
    for point in ex.decisions:
        assert point.objective in objective_ids, point.id
        assert point.expected_actions, point.id
    for inject in ex.injects:
        assert inject.expected_actions, inject.id
        assert inject.objective is None or inject.objective in objective_ids, inject.id
    served = {p.objective for p in ex.decisions} | {i.objective for i in ex.injects}
    assert objective_ids <= served  # the evaluation guide has material for each objective
    assert all(m.duration_min for m in ex.modules)
    assert len(ex.participants) >= 5
    assert all(p.role for p in ex.participants)
    assert {p.kind for p in ex.participants} >= {"player", "facilitator", "evaluator"}
    assert 2 <= len(ex.assumptions) <= 4


def test_arabic_scenario_validates_and_plays(scenario):
    arabic = scenario.localised("ar")
    assert check_scenario(arabic) == []
    assert ARABIC.search(arabic.exercise.overview)
    assert ARABIC.search(arabic.exercise.decisions[0].options[0].label)
    session = ExerciseSession(scenario, lang="ar")
    stop = session.advance()
    assert stop.kind in {"inject", "decision"}
    assert session.scenario.exercise.title == arabic.exercise.title
    assert ARABIC.search(session.scenario.exercise.modules[0].title)
    # ids never change with the language: the recorded decisions files still play
    assert [p.id for p in arabic.exercise.decisions] == [p.id for p in scenario.exercise.decisions]
    for localised, original in zip(arabic.exercise.decisions, scenario.exercise.decisions):
        assert [o.id for o in localised.options] == [o.id for o in original.options]


def test_translations_change_no_number(scenario):
    """Texts only: the localised scenarios simulate exactly as the English one."""
    from vtsim.model.world import simulate

    seed = scenario.run.seed
    base = simulate(scenario, seed, 0).metrics
    for lang in ("fr", "ar"):
        assert simulate(scenario.localised(lang), seed, 0).metrics == pytest.approx(
            base, nan_ok=True
        )
