"""Words people read come from message catalogues and templates, never from the logic.

``messages/<lang>.yaml`` holds the console's and documents' phrases; ``templates/``
the jinja2 HTML of the handouts and the after-action report. A French or Arabic
edition is a translated catalogue (and, if needed, templates) with no code change.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from vtsim.errors import VtsimError
from vtsim.io import read_yaml

HERE = Path(__file__).parent


LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"  # left-to-right / first-strong isolate, pop


def languages() -> list[str]:
    """Language codes with a message catalogue (``messages/<code>/``)."""
    return sorted(p.parent.name for p in (HERE / "messages").glob("*/_language.yaml"))


@cache
def catalogue(lang: str = "en") -> dict:
    """The catalogue of ``lang``: ``messages/<lang>/_language.yaml`` (code, name, writing
    direction) and one file per part (``console.yaml`` gives the keys ``console.*``)."""
    folder = HERE / "messages" / lang
    if not (folder / "_language.yaml").is_file():
        raise VtsimError(
            f"No message catalogue for language '{lang}'; available: {', '.join(languages())}."
        )
    data = dict(read_yaml(folder / "_language.yaml")[0])
    for path in sorted(folder.glob("*.yaml")):
        if path.name != "_language.yaml":
            data[path.stem] = read_yaml(path)[0] or {}
    return data


# What a terminal would act on rather than show: ANSI/VT escape sequences (CSI, OSC, DCS
# and two-character escapes), C0 controls but newline and tab, DEL, C1 controls, and the
# bidi embeddings and overrides U+202A-U+202E (the isolates U+2066-U+2069 stay: the
# catalogues use them for right-to-left text).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, erasing
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS...: to BEL or ST
    r"|\x1b[ -/]*[0-~]?"  # other escapes (ESC c, ESC ( B ...)
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # the 8-bit CSI
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def printable(text: object) -> str:
    """``text`` as a terminal may show it: escape sequences, control characters (but
    newline and tab) and bidi overrides removed. Stored text keeps what was typed; only
    what is echoed goes through this."""
    return _CONTROLS.sub("", _ESCAPES.sub("", str(text)))


def isolate(text: str) -> str:
    """``text`` as a left-to-right island inside right-to-left text (Unicode bidi isolates),
    so that "-1.33", "23 %" or "0.8 [0.5, 1.1]" keep their reading order in Arabic."""
    return f"{LRI}{text}{PDI}" if text else text


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _right_to_left(text: str) -> bool:
    """True when ``text`` has a right-to-left letter (Arabic, Hebrew...): a phrase of a
    right-to-left language, inserted as it is."""
    import unicodedata

    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def island(text: str) -> str:
    """``text`` as an island in right-to-left text when it needs one: a number, an interval,
    a date, or words in a left-to-right script (a team's English justification) get a
    first-strong isolate (a number or an interval reads left to right); a phrase already in
    a right-to-left script, or already isolated, is left as it is."""
    if not text or LRI in text or FSI in text or _right_to_left(text):
        return text
    if _has_digit(text) or any(ch.isalpha() for ch in text):
        return f"{FSI}{text}{PDI}"
    return text


class Messages:
    """``msg("console.inject", t=3.2)``: a phrase of the catalogue, formatted.

    In a right-to-left language every value with a digit in it (a number, an interval, a
    time, a share) is isolated left-to-right once formatted, so it reads as written.
    """

    def __init__(self, lang: str = "en"):
        self.lang = lang
        self.data = catalogue(lang)
        self.rtl = self.data.get("dir") == "rtl"
        self.decimal = str(self.data.get("decimal", "."))
        self.thousands = str(self.data.get("thousands", ","))

    def numbers(self, text: str) -> str:
        """The numbers in ``text`` (formatted the Python way: ``2,719,750.5``) written as
        this language writes them (French: ``2 719 750,5``); paths are left alone."""
        if (self.decimal, self.thousands) == (".", ",") or "/" in text or "\\" in text:
            return text
        table = {".": self.decimal, ",": self.thousands}
        return _NUMBER.sub(lambda m: "".join(table.get(c, c) for c in m.group(0)), text)

    def __call__(self, key: str, **values) -> str:
        node = self.data
        try:
            for part in key.split("."):
                node = node[part]
        except (KeyError, TypeError):
            raise VtsimError(
                f"The message catalogue '{self.lang}' has no phrase '{key}'."
            ) from None
        if not values:
            return str(node)
        return _format_pieces(str(node), values, self)

    def has(self, key: str) -> bool:
        node = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def num(self, text: str) -> str:
        """A number (already formatted) ready to sit in this language's text."""
        text = self.numbers(text)
        return isolate(text) if self.rtl and _has_digit(text) else text

    def bidi(self, text: str) -> str:
        """Free text (a note, a justification, a name typed by someone) ready to sit in this
        language's text: in a right-to-left language, an island when it needs one."""
        return island(str(text)) if self.rtl else str(text)


# A number as Python writes it: with thousands separators, or with decimals (not a date,
# a time, an id or a version: those have no comma groups and at most one dot between digits
# that is not followed by another dot).
_NUMBER = re.compile(
    r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w.])|(?<![\w.,])\d+\.\d+(?![\w.])"
)


def _format_pieces(template: str, values: dict, msg: Messages) -> str:
    """``template.format(**values)`` with each replacement field's numbers written the
    language's way, and in a right-to-left language made an island where it needs one
    (:func:`island`; the field's own format spec applies first)."""
    import string

    out = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        out.append(literal)
        if field is None:
            continue
        field_text = "{" + field + ("!" + conversion if conversion else "")
        piece = msg.numbers((field_text + (":" + spec if spec else "") + "}").format(**values))
        out.append(island(piece) if msg.rtl else piece)
    return "".join(out)


def status_text(msg: Messages, picture: dict) -> str:
    """The situation's status in words (``status.ended`` names how it ended)."""
    return msg(f"status.{picture['status']}", how=ended_text(msg, picture.get("ended_by")))


def state_text(msg: Messages, part: str, code: str | None) -> str:
    """A model's code (a casualty's state, a sector) in words: ``status.<part>.<code>``,
    else the code as words."""
    if not code:
        return ""
    key = f"status.{part}.{code.replace(' ', '_').replace('-', '_')}"
    return msg(key) if msg.has(key) else humanise(code)


def ended_text(msg: Messages, code: str | None) -> str:
    """How an attack ended (``neutralised``, ``self_terminated``...) in words."""
    if not code:
        return ""
    key = f"status.ended_by.{code.replace(' ', '_').replace('-', '_')}"
    return msg(key) if msg.has(key) else humanise(code)


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

    walk(scenario.model_dump(mode="json", exclude={"exercise"}, context={"lang": "en"}))
    return found


def metric_label(scenario, metric: str, msg: Messages | str | None = None) -> tuple[str, str]:
    """An outcome column in words: its meaning (as ``vtsim columns`` lists it, not its
    name) and its unit ("" for a flag). With ``msg`` (a :class:`Messages` or a language
    code) whose catalogue has ``columns.<metric>`` (``messages/<lang>/columns.yaml``: the
    meaning, or ``{meaning: ..., unit: ...}``), the reader's words; else the model's."""
    from vtsim.model.groups import GROUP_SEPARATOR, scenario_groups
    from vtsim.model.world import columns_for

    if isinstance(msg, str):
        msg = Messages(msg)
    column = next((c for c in columns_for(scenario) if c.name == metric), None)
    unit = "" if column is None or column.unit == "0/1" else column.unit
    key = f"columns.{metric}"
    base, sep, group_id = metric.partition(GROUP_SEPARATOR)
    if msg is not None and sep and "." not in base and msg.has(f"group_columns.{base}"):
        # a per-group column (docs/people.md): the metric's words around the group's name
        group = next((g for g in scenario_groups(scenario) if g.id == group_id), None)
        name = str(group.name) if group is not None and str(group.name) else group_id
        return msg(f"group_columns.{base}", group=name).rstrip("."), unit
    if msg is not None and "." not in metric and msg.has(key):
        node = msg.data["columns"][metric]
        if isinstance(node, dict):
            return str(node.get("meaning") or metric).rstrip("."), str(node.get("unit", unit))
        return str(node).rstrip("."), unit
    if column is None or not column.meaning:
        return metric.replace("_", " "), ""
    meaning = column.meaning.rstrip(".")
    return meaning[:1].lower() + meaning[1:], unit


def humanise(value: str) -> str:
    """An internal word (``zone_clear``, ``unit-arrived``) as words."""
    return value.replace("_", " ").replace("-", " ")


def environment(folder: Path, messages: Messages):
    """A jinja2 environment for the templates in ``folder``, with ``messages`` as ``m``, the
    ``num`` and ``bidi`` filters (numbers and free text ready for the language's direction),
    ``status`` and the language's code and direction; escaping on, undefined names errors."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = lambda value, spec="": messages.num(
        format(value, spec) if spec else str(value)
    )
    env.filters["bidi"] = messages.bidi
    env.globals.update(
        m=messages,
        status=lambda picture: status_text(messages, picture),
        lang=messages.lang,
        text_dir=messages.data.get("dir", "ltr"),
    )
    return env


def render(template: str, lang: str = "en", **context) -> str:
    """Render ``templates/<template>`` with the catalogue as ``m``."""
    return environment(HERE / "templates", Messages(lang)).get_template(template).render(**context)
