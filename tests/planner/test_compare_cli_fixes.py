"""`vtsim compare` fixes of issue 13: repeated -m, readable ad-hoc package labels, and
"no change on any replication" only when the package changes nothing the headline reads."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

import vtsim
from vtsim.analysis.compare import _adhoc_name, _package_spec, _touches, _verdict
from vtsim.cli import main

MEDICAL = ["rescue-task-force", "bleeding-control-kits", "hospital-surge-plan"]


def _json(args):
    r = CliRunner().invoke(main, ["compare", *args, "--format", "json", "--no-progress"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


@pytest.mark.slow
def test_repeated_measures_keep_both():
    """The issue's done-when: `-m entrance-screening -m vehicle-barriers` reports both."""
    data = _json(
        ["harbour-festival", "-m", "entrance-screening", "-m", "vehicle-barriers"]
        + ["-n", "4", "-s", "1"]
    )
    measures = {p["measures"] for p in data["packages"]}
    assert measures == {"entrance-screening", "vehicle-barriers"}
    assert len({row["package"] for row in data["phases"]}) == 2


@pytest.mark.slow
def test_each_m_is_one_package_and_commas_combine_measures():
    data = _json(
        [
            "harbour-festival",
            "-m",
            "public-warning-app,joint-command",
            "-m",
            "interoperable-radios",
            "-n",
            "3",
            "-s",
            "1",
        ]
    )
    packages = {p["package"]: p["measures"] for p in data["packages"]}
    assert packages == {
        "public-warning-app_joint-command": "public-warning-app, joint-command",
        "interoperable-radios": "interoperable-radios",
    }


def test_package_spec_groups_and_names(festival_planner):
    # The Python API is unchanged: a string or a list of ids is one package.
    assert _package_spec(None, "a,b") == (["a_b"], {"a_b": ["a", "b"]})
    assert _package_spec(None, ["a", "b"]) == (["a_b"], {"a_b": ["a", "b"]})
    # A list of groups (what repeated -m gives) is one package per group; repeats once.
    ids, adhoc = _package_spec(["barriers"], [["a", "b"], "c", ["a", "b"]])
    assert ids == ["barriers", "a_b", "c"] and adhoc == {"a_b": ["a", "b"], "c": ["c"]}
    # The measures of a package of the scenario are that package (its name is the label).
    ids, adhoc = _package_spec(None, [["entrance-screening"]], festival_planner)
    assert ids == ["screening"] and adhoc == {}
    # A name taken by a package with other measures, or "baseline", gets a suffix.
    ids, adhoc = _package_spec(None, [["screening"], ["baseline"]], festival_planner)
    assert ids == ["screening-2", "baseline-2"]
    assert adhoc == {"screening-2": ["screening"], "baseline-2": ["baseline"]}


@pytest.mark.parametrize(
    "measures",
    [MEDICAL, [*MEDICAL, "triage-training", "mutual-aid-ambulances"], ["public-warning-app"]],
)
def test_ad_hoc_labels_are_short_readable_ids(measures):
    label = _adhoc_name(measures)
    assert "," not in label and " " not in label
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", label)  # a valid package id
    assert label.startswith(measures[0]) and len(label) <= 60
    if len(measures) > 2:
        assert label.endswith(f"_and-{len(measures) - 2}-more")


@pytest.mark.slow
def test_ad_hoc_labels_in_tables_and_figures(festival_planner):
    c = vtsim.compare(
        festival_planner,
        measures=[MEDICAL, ["public-warning-app"]],
        replications=4,
        seed=1,
        progress=False,
    )
    label = "rescue-task-force_bleeding-control-kits_and-1-more"
    assert list(c.packages_frame["package"]) == [label, "public-warning-app"]
    assert c.packages_frame.set_index("package").loc[label, "measures"] == ", ".join(MEDICAL)
    assert f"  {label} " in c.text()
    legend = c.plot_distributions().axes[0].get_legend()
    assert any(t.get_text().startswith(label) for t in legend.get_texts())


def test_what_a_headline_reads(festival_planner):
    # Casualty care reads the casualties; nothing outside the medical model reads it back.
    assert not _touches(festival_planner, "medical-response", "casualties_total")
    assert _touches(festival_planner, "medical-response", "preventable_deaths")
    # Prevention draws only from `prevent` and the threats.
    assert not _touches(festival_planner, "barriers", "prevented")
    assert _touches(festival_planner, "command-alerting", "stopped_before_harm")


def _zero_row(package, metric, n=40):
    return pd.Series(
        {
            "package": package,
            "metric": metric,
            "diff": 0.0,
            "diff_lo": 0.0,
            "diff_hi": 0.0,
            "n": n,
            "distinguishable": False,
            "replications_needed": None,
            "better": "lower",
        }
    )


def test_no_change_wording_only_when_nothing_the_headline_reads_changed(festival_planner):
    untouched = _verdict(_zero_row("medical-response", "casualties_total"), 40, festival_planner)
    assert untouched == "no change on any replication"
    touched = _verdict(_zero_row("command-alerting", "preventable_deaths"), 40, festival_planner)
    assert touched.startswith("not distinguishable from zero yet: no replication changed")
    need = int(re.search(r"about (\d+) replications would tell", touched)[1])
    assert need == 54 and "(14 more)" in touched  # 4 n / 3: see _verdict
    # Defined in 20 of 40 replications: scaled to all replications.
    half = _verdict(_zero_row("command-alerting", "stopped_before_harm", 20), 40, festival_planner)
    assert "about 54 replications" in half
    # Without the scenario (older callers), the old wording.
    assert _verdict(_zero_row("command-alerting", "preventable_deaths"), 40) == (
        "no change on any replication"
    )


def test_a_comparison_says_no_change_only_where_the_package_cannot_reach(festival_planner):
    c = vtsim.compare(
        festival_planner,
        packages=["medical-response", "command-alerting"],
        replications=6,
        seed=1,
        progress=False,
    )
    for _, row in c.frame.iterrows():
        if row["verdict"] == "no change on any replication":
            assert not _touches(festival_planner, row["package"], row["metric"])
    medical = c.frame[c.frame["package"] == "medical-response"].set_index("phase")["verdict"]
    assert medical["mitigate"] == medical["prevent"] == "no change on any replication"
