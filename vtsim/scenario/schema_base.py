"""The base of every scenario model (its own module so that section modules can import it)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)

Identifier = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]

# --- Numbers the model can simulate -----------------------------------------------------------
#
# Every float of a scenario model is finite (``allow_inf_nan=False`` in :class:`Model`'s
# config, which reaches nested lists and mappings too): NaN and infinity never validate. The
# annotated types below add the sign, and :func:`at_most` an upper bound whose message says
# why (a count or a rate beyond what the model was built and tested for).

Finite = Annotated[float, Field(allow_inf_nan=False)]
"""Any finite number."""
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A finite number >= 0: times, delays, distances, costs."""
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A finite number > 0: speeds, capacities, flows, service rates."""
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
"""A probability or a share, in [0, 1]."""

BEYOND_MODEL = "outside what the model was built and tested for"


def at_most(limit: float, what: str, why: str = "") -> AfterValidator:
    """An upper bound whose error says why: ``at most 1,000,000 people: larger crowds are
    outside what the model was built and tested for``."""

    shown = f"{limit:,}" if float(limit).is_integer() else f"{limit:g}"
    reason = why or f"more is {BEYOND_MODEL}"

    def check(value: Any) -> Any:
        if value is not None and value > limit:
            raise ValueError(f"at most {shown} {what}: {reason}")
        return value

    return AfterValidator(check)


def at_least(limit: float, what: str, why: str = "") -> AfterValidator:
    """A lower bound whose error says why (a step so small the run would never end)."""

    shown = f"{limit:,}" if float(limit).is_integer() else f"{limit:g}"
    reason = why or f"less is {BEYOND_MODEL}"

    def check(value: Any) -> Any:
        if value is not None and value < limit:
            raise ValueError(f"at least {shown} {what}: {reason}")
        return value

    return AfterValidator(check)


class Model(BaseModel):
    """Base of every scenario model: strict keys, immutable once validated, finite numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --- Texts people read, optionally in several languages ------------------------------------
#
# A text field takes a string or translations by language code: ``{en: ..., fr: ..., ar: ...}``.
# The validated value is a ``str`` (the English text, else the first one given) that carries
# its translations; ``Scenario.localised(lang)`` turns every such text into its ``lang``
# version (a missing translation keeps the English). Dumping keeps the translations, so a
# scenario written back is the same file; ``model_dump(context={"lang": "fr"})`` picks one.

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


class LocalText(str):
    """A text with its translations (``translations["fr"]``); itself the default text."""

    translations: dict[str, str]

    def __new__(cls, value: str, translations: dict[str, str] | None = None) -> LocalText:
        obj = super().__new__(cls, value)
        obj.translations = dict(translations or {})
        return obj

    def in_lang(self, lang: str) -> str:
        return self.translations.get(lang) or str(self)


def _validate_text(value: Any, handler: ValidatorFunctionWrapHandler) -> str:
    if not isinstance(value, dict):
        return handler(value)
    if not value:
        raise ValueError("expected a text, or its translations by language ({en: ..., fr: ...})")
    for code, text in value.items():
        if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
            raise ValueError(
                f"'{code}' is not a language code: expected two or three lower-case letters "
                "(en, fr, ar) as in {en: ..., fr: ..., ar: ...}"
            )
        if not isinstance(text, str):
            raise ValueError(f"the '{code}' text must be a string")
    default = value.get("en") or next(iter(value.values()))
    return LocalText(handler(default), {k: str(v) for k, v in value.items()})


def _serialise_text(value: str, info: SerializationInfo) -> str | dict[str, str]:
    context = info.context if isinstance(info.context, dict) else {}
    lang = context.get("lang")
    missing = context.get("missing")
    if lang and value and isinstance(missing, list):
        if not (isinstance(value, LocalText) and lang in value.translations):
            missing.append(str(value))
    if isinstance(value, LocalText) and value.translations:
        return value.in_lang(lang) if lang else dict(value.translations)
    return str(value)


_TEXT_SCHEMA = {
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "description": "Translations by language code, e.g. {en: ..., fr: ..., ar: ...}.",
            "patternProperties": {LANGUAGE_CODE.pattern: {"type": "string"}},
            "additionalProperties": False,
            "minProperties": 1,
        },
    ]
}

Text = Annotated[
    str,
    WrapValidator(_validate_text),
    PlainSerializer(_serialise_text),
    WithJsonSchema(_TEXT_SCHEMA),
]
"""A text people read: a string, or translations ``{en: ..., fr: ..., ar: ...}``."""


def in_lang(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it carries that translation, else as it is."""
    return text.in_lang(lang) if isinstance(text, LocalText) else text
