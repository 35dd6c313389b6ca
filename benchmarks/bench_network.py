"""Criticality analysis (``vtsim network``) on synthetic cities of growing size.

Issue 4: "it finishes in seconds on a network of 2,000 facilities". For each size,
builds a synthetic interdependent network (``vtsim.analysis.network.synthetic_infrastructure``:
half power, a fifth water, a fifth telecom, hospitals) and times, in a fresh
network each time: the N-1 cascade of every facility, betweenness centrality
(exact up to 250 facilities, 250 sampled sources above) and the N-2 search over
the candidate pairs; also the full figure. Also times 100 replications of the
bundled coastal-city-grid scenario (``simulate`` in a loop).

    python benchmarks/bench_network.py [--sizes 500 1000 2000] [--json]
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    from vtsim import load_scenario, simulate
    from vtsim.analysis.network import criticality, synthetic_infrastructure
    from vtsim.report.infra_figures import network_figure

    rows = []
    for n in args.sizes:
        infra = synthetic_infrastructure(n, seed=1)
        start = time.perf_counter()
        report = criticality(infra)
        analysis = time.perf_counter() - start
        start = time.perf_counter()
        network_figure(infra, report).savefig("/dev/null", format="png")
        figure = time.perf_counter() - start
        rows.append(
            {
                "facilities": n,
                "links": len(infra.links),
                "dependencies": len(infra.dependencies),
                "pairs_checked": len(report.candidates) * (len(report.candidates) - 1) // 2,
                "criticality_s": round(analysis, 2),
                "figure_s": round(figure, 2),
            }
        )
    scenario = load_scenario("coastal-city-grid")
    start = time.perf_counter()
    for replication in range(100):
        simulate(scenario, seed=1, replication=replication)
    per_rep_ms = (time.perf_counter() - start) * 10
    if args.json:
        print(json.dumps({"criticality": rows, "coastal_ms_per_replication": per_rep_ms}))
        return
    for r in rows:
        print(
            f"{r['facilities']:>5} facilities, {r['links']} links, {r['dependencies']} "
            f"dependencies: criticality {r['criticality_s']:.2f} s "
            f"({r['pairs_checked']} N-2 pairs), figure {r['figure_s']:.2f} s"
        )
    print(f"coastal-city-grid: {per_rep_ms:.1f} ms per replication (one core)")


if __name__ == "__main__":
    main()
