"""Writing results safely: never a half-written file (temporary file, then rename)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; it replaces ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, data) -> None:
    write_text(path, json.dumps(data, indent=2, default=_default, allow_nan=False) + "\n")


def _default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def clean_for_json(value):
    """NaN and infinities become None (JSON has no NaN)."""
    import math

    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: clean_for_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_for_json(v) for v in value]
    if hasattr(value, "item"):
        return clean_for_json(value.item())
    return value


# -- reading YAML safely ------------------------------------------------------------------
# Every YAML file vtsim reads (scenarios, catalogues, portfolios, valuations, sweeps,
# decisions files, message catalogues) goes through :func:`read_yaml`: the C loader where
# PyYAML has it (else the pure-Python safe loader), one parse per file, and limits on the
# file's size, its nesting depth and what its aliases expand to (cf. CVE-2019-11253, the
# "billion laughs"), each refused with one paragraph naming the file.

MAX_YAML_BYTES = 20 * 1024 * 1024  # a scenario is kilobytes; a big network, megabytes
MAX_YAML_DEPTH = 100  # nesting of mappings and lists
MAX_YAML_ALIASES = 10_000  # alias nodes (*name) in one file
MAX_YAML_EXPANSION = 100_000  # nodes added when every alias is expanded in place


def yaml_loader():
    """The safe YAML loader class: libyaml's ``CSafeLoader`` where available."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_error(source: str, message: str, line: int | None = None):
    from vtsim.errors import ScenarioError

    return ScenarioError(source, [("", line, message)])


def read_yaml(path: str | Path, source: str | None = None):
    """``(data, node)``: a YAML file's plain data and its node tree (for line numbers).

    Raises :class:`~vtsim.errors.ScenarioError` (naming ``source``, default the path)
    when the file is missing, unreadable, too large, not valid YAML, nested too deeply or
    holds aliases that refer to themselves or expand too far. The file's content is never
    quoted in these messages.
    """
    import yaml

    path = Path(path)
    source = str(path) if source is None else source
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError:
        raise _yaml_error(source, "no such file.") from None
    except IsADirectoryError:
        raise _yaml_error(source, "is a folder, not a file.") from None
    except OSError as exc:
        raise _yaml_error(
            source, f"cannot be read ({exc.strerror or type(exc).__name__})."
        ) from None
    if len(raw) > MAX_YAML_BYTES:
        raise _yaml_error(
            source,
            f"is larger than {MAX_YAML_BYTES // (1024 * 1024)} MB, the most vtsim reads from "
            "one YAML file; split it (a catalogue, network_files CSVs) or remove what is not "
            "needed.",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _yaml_error(
            source, f"is not UTF-8 text (an invalid byte at offset {exc.start}); save it as UTF-8."
        ) from None
    if _nesting_bound(text) > MAX_YAML_DEPTH:  # before parsing: libyaml may recurse too deep
        raise _yaml_error(source, _too_deep())
    loader_class = yaml_loader()
    try:
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                check_yaml_nodes(node, source)
                data = loader.construct_document(node)
            else:
                data = None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        problem = " ".join(filter(None, [exc.context, exc.problem]))
        if "nesting depth" in problem:
            raise _yaml_error(source, _too_deep(), line) from None
        raise _yaml_error(source, f"is not valid YAML{col}: {problem}.", line) from None
    except yaml.YAMLError as exc:
        raise _yaml_error(source, f"is not valid YAML: {type(exc).__name__}.") from None
    except RecursionError:
        raise _yaml_error(source, _too_deep()) from None
    return data, node


_BRACKETS = re.compile(r"[\[\]{}]")
_INDENT = re.compile(r"^ +", re.M)


def _nesting_bound(text: str) -> int:
    """A quick upper bound on how deep ``text`` nests, read before parsing (some builds of
    libyaml recurse once per level and overflow the C stack on 100,000 levels): the depth
    of ``[``/``{`` brackets, and the deepest indentation in two-space steps."""
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(text):
        if bracket.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    indent = max((len(m.group()) for m in _INDENT.finditer(text)), default=0)
    return max(deepest, indent // 8)


def _too_deep() -> str:
    return (
        f"is nested more than {MAX_YAML_DEPTH} levels deep (mappings and lists within each "
        "other), more than any vtsim file needs; flatten it."
    )


def check_yaml_nodes(root, source: str) -> None:
    """Refuse a node tree nested deeper than ``MAX_YAML_DEPTH``, with an alias that refers
    to a node containing it, more than ``MAX_YAML_ALIASES`` aliases, or aliases that
    expand to more than ``MAX_YAML_EXPANSION`` extra nodes. Iterative: no recursion."""
    import yaml

    def children(node):
        if isinstance(node, yaml.SequenceNode):
            return node.value
        if isinstance(node, yaml.MappingNode):
            return [item for pair in node.value for item in pair]
        return ()

    size: dict[int, int] = {}  # expanded size of each finished node
    on_path: set[int] = set()
    aliases = 0
    distinct = 0
    stack = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children(node))
            continue
        if key in on_path:
            line = node.start_mark.line + 1 if node.start_mark else None
            raise _yaml_error(
                source,
                "holds an alias that refers to a node containing it (a recursive alias, "
                "such as &a [*a]); vtsim cannot expand it. Write the value out instead.",
                line,
            )
        if key in size:  # a node met again: an alias
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise _yaml_error(
                    source, f"holds more than {MAX_YAML_ALIASES} aliases (*name); write fewer."
                )
            continue
        if depth > MAX_YAML_DEPTH:
            line = node.start_mark.line + 1 if node.start_mark else None
            raise _yaml_error(source, _too_deep(), line)
        distinct += 1
        kids = children(node)
        if kids:
            on_path.add(key)
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in reversed(kids))
        else:
            size[key] = 1
    expanded = size[id(root)]
    if expanded - distinct > MAX_YAML_EXPANSION:
        raise _yaml_error(
            source,
            f"holds aliases (*name) that expand to {expanded:,} values, more than "
            f"{MAX_YAML_EXPANSION:,} beyond the file's own {distinct:,}; this looks like an "
            "alias bomb (a 'billion laughs'). Write the values out or use fewer aliases.",
        )


# -- CSV cells a spreadsheet will not execute (OWASP CSV injection) -----------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """A CSV cell a spreadsheet will not execute: text starting with = + - @, a tab or a
    carriage return gets a leading apostrophe (OWASP). Numbers and other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(rows, fieldnames=None) -> str:
    """``rows`` (dicts) as CSV text with a header, every cell neutralised
    (:func:`neutralise_cell`); ``fieldnames`` default: every key, in order of appearance."""
    import csv
    import io as _stdio

    rows = list(rows)
    if fieldnames is None:
        fieldnames = list(dict.fromkeys(k for row in rows for k in row))
    out = _stdio.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator="\n")
    writer.writerow({k: _cell(k) for k in fieldnames})
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value):
    """A neutralised cell whose line ends are ``\n`` (the csv module quotes a cell with a
    ``\n`` but, with ``\n`` line ends, not one with a lone ``\r``: a reader would split it)."""
    value = neutralise_cell(value)
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value
