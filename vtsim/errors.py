"""Errors meant for people: a user's mistake gets one clear paragraph, never a traceback."""

from __future__ import annotations


class VtsimError(Exception):
    """A mistake in the user's input (a scenario, a measure, an option).

    The CLI prints the message and exits with status 2; a bug raises any other
    exception and keeps its traceback.
    """

    exit_code = 2


class ScenarioError(VtsimError):
    """A scenario file that cannot be read or does not validate.

    ``problems`` is a list of (field path, line or None, message) triples; the
    message names the file, the field path and what was expected.
    """

    def __init__(self, source: str, problems: list[tuple[str, int | None, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self._render())

    def _render(self) -> str:
        lines = []
        for path, line, message in self.problems[:10]:
            where = f"line {line}, " if line else ""
            field = f"at {path}: " if path else ""
            lines.append(f"{self.source}: {where}{field}{message}")
        if len(self.problems) > 10:
            lines.append(f"... and {len(self.problems) - 10} more problems in {self.source}.")
        if len(self.problems) > 1:
            lines.insert(0, f"{self.source} has {len(self.problems)} problems:")
        return "\n".join(lines)
