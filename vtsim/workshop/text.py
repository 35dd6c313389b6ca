"""The workshop's words: its catalogue and its templates.

:func:`messages` gives the catalogue whose ``workshop.*`` phrases fall back to English while
a language is not translated yet; :func:`environment` the jinja2 environment of the
workshop's templates (``vtsim/workshop/templates``), with that catalogue as ``m``.
"""

from __future__ import annotations

from pathlib import Path

from vtsim.exercise.text import Messages

HERE = Path(__file__).parent


class WorkshopMessages(Messages):
    """A catalogue whose ``workshop.*`` phrases fall back to English while a language's
    ``workshop.yaml`` is not translated yet."""

    def __call__(self, key: str, **values) -> str:
        if self.lang != "en" and key.startswith("workshop.") and not self.has(key):
            return Messages("en")(key, **values)
        return super().__call__(key, **values)


def messages(lang: str) -> WorkshopMessages:
    return WorkshopMessages(lang)


def environment(lang: str):
    """The jinja2 environment of the workshop's templates, with the catalogue as ``m``."""
    from vtsim.exercise.text import environment as template_environment

    return template_environment(HERE / "templates", WorkshopMessages(lang))


def render(template: str, lang: str = "en", **context) -> str:
    return environment(lang).get_template(template).render(**context)
