"""Safe YAML (issue 17, item 2): one safe loader for every file, limits with a clear error.

Alias bombs and recursive aliases fail fast, deep nesting and oversized files are refused,
files named inside a scenario stay in its folder (or the bundled one) and are never quoted.
"""

from __future__ import annotations

import time

import pytest
import yaml

from vtsim import io
from vtsim.errors import ScenarioError
from vtsim.exercise.text import catalogue
from vtsim.resources import bundled_scenarios, scenarios_dir
from vtsim.scenario.catalogue import load_catalogue
from vtsim.scenario.loader import load_scenario, read_yaml

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
SECRET = "top-secret-first-line: do not echo me"


def _error(path, load=load_scenario) -> str:
    with pytest.raises(ScenarioError) as info:
        load(path)
    text = str(info.value)
    assert str(path.name) in text or str(path) in text
    return text


def test_the_c_loader_is_used_where_pyyaml_has_it():
    assert io.yaml_loader() is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def test_an_alias_bomb_fails_fast_with_a_message(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS)
    start = time.perf_counter()
    text = _error(path)
    assert time.perf_counter() - start < 2
    assert "alias bomb" in text and "aliases" in text


def test_a_recursive_alias_is_an_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "recursive.yaml"
    path.write_text("name: &a [*a]\n")
    assert "recursive alias" in _error(path)
    path.write_text("a: &m {self: *m}\n")
    assert "recursive alias" in _error(path, read_yaml)


def test_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("x: " + "[" * 150 + "]" * 150 + "\n")
    assert "nested more than 100 levels" in _error(path)
    path.write_text("x: " + "[" * 100_000 + "]" * 100_000 + "\n")  # libyaml's own limit
    assert "nested more than 100 levels" in _error(path, read_yaml)
    block = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 130))
    path.write_text(block)
    assert "nested more than 100 levels" in _error(path, read_yaml)


def test_the_pure_python_loader_cannot_recurse_out_either(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "yaml_loader", lambda: yaml.SafeLoader)
    path = tmp_path / "deep.yaml"
    path.write_text("x: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested more than 100 levels" in _error(path, read_yaml)
    path.write_text("name: &a [*a]\n")
    assert "recursive alias" in _error(path, read_yaml)


def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "MAX_YAML_BYTES", 1024 * 1024)
    path = tmp_path / "big.yaml"
    path.write_text("values:\n" + "  - 1\n" * 200_000)  # 1.2 MB
    start = time.perf_counter()
    text = _error(path)
    assert time.perf_counter() - start < 1
    assert "larger than 1 MB" in text


def test_a_file_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    assert "not UTF-8" in _error(path)


def _scenario_with(tmp_path, line: str) -> object:
    """The bundled festival scenario copied to tmp_path with ``line`` added at the top."""
    original = (scenarios_dir() / "harbour-festival.yaml").read_text(encoding="utf-8")
    path = tmp_path / "scenario" / "festival.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(line + "\n" + original, encoding="utf-8")
    return path


def test_a_catalogue_outside_the_allowed_folders_is_refused_unread(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text(SECRET + "\n")
    path = _scenario_with(tmp_path, "catalogue: ../secret.yaml\nuses: [public-alerting]")
    text = _error(path)
    assert "at catalogue" in text and "outside" in text
    assert "top-secret" not in text and "do not echo" not in text
    absolute = _scenario_with(tmp_path, f"catalogue: {secret}\nuses: [public-alerting]")
    assert "top-secret" not in _error(absolute)


def test_a_symbolic_link_out_of_the_scenario_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text(SECRET + "\n")
    path = _scenario_with(tmp_path, "catalogue: link.yaml\nuses: [public-alerting]")
    (path.parent / "link.yaml").symlink_to(secret)
    text = _error(path)
    assert "outside" in text and "top-secret" not in text


def test_a_file_in_the_folder_that_is_no_catalogue_is_not_quoted(tmp_path):
    path = _scenario_with(tmp_path, "catalogue: notes.txt\nuses: [public-alerting]")
    (path.parent / "notes.txt").write_text(SECRET + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "notes.txt" in text and "expected a measure catalogue" in text
    assert "top-secret" not in text and "do not echo" not in text
    (path.parent / "notes.txt").write_text("a plain line of text, not YAML: [\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "plain line" not in str(info.value)


def test_network_files_outside_the_folder_are_refused_and_never_quoted(tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    outside = _scenario_with(
        tmp_path, "infrastructure:\n  network_files: {nodes: ../passwd}\nsites: []"
    )
    text = _error(outside)
    assert "network_files.nodes" in text and "outside" in text and "root:x" not in text
    inside = tmp_path / "scenario" / "nodes.csv"
    inside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    from vtsim.scenario.network_files import read_network_files

    data = {"infrastructure": {"network_files": {"nodes": "nodes.csv"}}}
    with pytest.raises(ScenarioError) as info:
        read_network_files(data, outside)
    assert "not a header" in str(info.value) and "root:x" not in str(info.value)


def test_a_recursion_error_in_validation_becomes_a_clear_error(monkeypatch, tmp_path):
    from vtsim.scenario import loader

    def deep(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr(loader, "_validate_data", deep)
    path = tmp_path / "s.yaml"
    path.write_text("name: x\n")
    assert "nested too deeply" in _error(path)


def test_every_bundled_file_still_loads():
    for path in bundled_scenarios():
        assert load_scenario(path).name
    assert load_catalogue().measures
    for path in sorted(scenarios_dir().glob("*.yaml")):
        data, node = read_yaml(path)
        assert data is not None and node is not None
    assert catalogue("en")["console"] and catalogue("ar")["console"]


def test_aliases_within_the_limits_still_work(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {x: 1, y: [1, 2, 3]}\nitems: [*b, *b, *b]\n")
    data, _ = read_yaml(path)
    assert data["items"][2] == {"x": 1, "y": [1, 2, 3]}
