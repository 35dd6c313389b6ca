"""Field paths for humans, and the YAML line a path points at.

A pydantic location such as ``('sites', 0, 'layers', 2, 'p_detect')`` is shown
as ``sites[festival].layers[screening].p_detect``: list items by their ``id``
when they have one, which is what people wrote and what measures' effect paths
use.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml


def _step(data, key):
    """Follow one key into plain data; None when it is not there."""
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    return None


def clean_loc(loc: Sequence, data) -> list:
    """Drop the parts of a pydantic location that are not in the data (union tags)."""
    out, node = [], data
    for key in loc:
        if isinstance(node, dict) and isinstance(key, str) and key not in node:
            tag = node.get("dist") == key or node.get("mode") == key
            if tag or key.startswith(("function-", "tagged-union")):
                continue
        out.append(key)
        node = _step(node, key)
    return out


def render(loc: Sequence, data=None) -> str:
    """Render a location as ``a.b[item-id].c`` (``[0]`` where an item has no id)."""
    text, node = "", data
    for key in loc:
        if isinstance(key, int):
            item = _step(node, key)
            label = item.get("id") if isinstance(item, dict) and "id" in item else key
            text += f"[{label}]"
        else:
            text += ("." if text else "") + str(key)
        node = _step(node, key)
    return text


def line_of(root: yaml.Node | None, loc: Sequence) -> int | None:
    """1-based line of the deepest YAML node along ``loc`` (None if unknown)."""
    node, line = root, None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if 0 <= key < len(node.value) else None
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def duplicate_keys(root: yaml.Node | None, loc: tuple = ()) -> list[tuple[tuple, int]]:
    """Keys given twice in one mapping (YAML would silently keep the last)."""
    found = []
    if isinstance(root, yaml.MappingNode):
        seen = set()
        for k, v in root.value:
            if k.value in seen:
                found.append(((*loc, k.value), k.start_mark.line + 1))
            seen.add(k.value)
            found += duplicate_keys(v, (*loc, k.value))
    elif isinstance(root, yaml.SequenceNode):
        for i, v in enumerate(root.value):
            found += duplicate_keys(v, (*loc, i))
    return found


def split(path: str) -> list[str]:
    """Split an effect path ``sites.festival.layers.screening.p_detect`` (``[id]`` also ok)."""
    return [p for p in path.replace("[", ".").replace("]", "").split(".") if p]
