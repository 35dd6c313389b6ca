"""Words people read come from message catalogues and templates, never from the logic.

``messages/<lang>.yaml`` holds the console's and documents' phrases; ``templates/``
the jinja2 HTML of the handouts and the after-action report. A French or Arabic
edition is a translated catalogue (and, if needed, templates) with no code change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from vtsim.errors import VtsimError

HERE = Path(__file__).parent


def languages() -> list[str]:
    return sorted(p.stem for p in (HERE / "messages").glob("*.yaml"))


@cache
def catalogue(lang: str = "en") -> dict:
    path = HERE / "messages" / f"{lang}.yaml"
    if not path.is_file():
        raise VtsimError(
            f"No message catalogue for language '{lang}'; available: {', '.join(languages())}."
        )
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class Messages:
    """``msg("console.inject", t=3.2)``: a phrase of the catalogue, formatted."""

    def __init__(self, lang: str = "en"):
        self.lang = lang
        self.data = catalogue(lang)

    def __call__(self, key: str, **values) -> str:
        node = self.data
        try:
            for part in key.split("."):
                node = node[part]
        except (KeyError, TypeError):
            raise VtsimError(
                f"The message catalogue '{self.lang}' has no phrase '{key}'."
            ) from None
        return str(node).format(**values) if values else str(node)


def status_text(msg: Messages, picture: dict) -> str:
    """The situation's status in words (``status.ended`` names how it ended)."""
    return msg(f"status.{picture['status']}", how=picture.get("ended_by") or "")


def names(scenario) -> dict[str, str]:
    """People-facing names of the scenario's things by id (agencies, hospitals, sites,
    facilities, threats...): whatever in the scenario has both an ``id`` and a ``name``."""
    found: dict[str, str] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            name = node.get("name")
            if isinstance(node.get("id"), str) and isinstance(name, str) and name.strip():
                found.setdefault(node["id"], node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(scenario.model_dump(mode="json", exclude={"exercise"}))
    return found


def metric_label(scenario, metric: str) -> tuple[str, str]:
    """An outcome column in words: its meaning (as ``vtsim columns`` lists it, not its
    name) and its unit ("" for a flag)."""
    from vtsim.model.world import columns_for

    column = next((c for c in columns_for(scenario) if c.name == metric), None)
    if column is None or not column.meaning:
        return metric.replace("_", " "), ""
    meaning = column.meaning.rstrip(".")
    return meaning[:1].lower() + meaning[1:], "" if column.unit == "0/1" else column.unit


def humanise(value: str) -> str:
    """An internal word (``zone_clear``, ``unit-arrived``) as words."""
    return value.replace("_", " ").replace("-", " ")


def render(template: str, lang: str = "en", **context) -> str:
    """Render ``templates/<template>`` with the catalogue as ``m``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    messages = Messages(lang)
    return env.get_template(template).render(
        m=messages, status=lambda picture: status_text(messages, picture), lang=lang, **context
    )
