"""``vtsim batch SWEEP.yaml``: a sweep of scenario variants x packages x replications."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vtsim.cli.options import dask_options, dask_security, force_option


@click.command()
@click.argument("sweep", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for chunks, manifest and analysis [default: vtsim-output/<sweep>].",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Local worker processes; 0 means one per CPU, 1 runs in this process.",
)
@dask_options
@click.option("--resume", is_flag=True, help="Finish an interrupted run in the same folder.")
@force_option
@click.option(
    "-n",
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Replications per point and package (default: the sweep's).",
)
@click.option("-s", "--seed", type=click.IntRange(min=0), default=None, help="Override the seed.")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=None,
    help="Replications per chunk file (default: from the sweep's size, 50 to 400; "
    "part of the plan: keep it to resume).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
)
@click.option("--figures/--no-figures", default=True, show_default=True)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a tty).")
def batch(
    sweep,
    output,
    jobs,
    scheduler,
    dask_local,
    tls_ca_file,
    tls_cert,
    tls_key,
    resume,
    force,
    replications,
    seed,
    chunk_size,
    fmt,
    figures,
    progress,
):
    """Run the sweep in SWEEP (a YAML file) and summarise it.

    Every point of the design runs every package on the same replications (common
    random numbers). Finished chunks are written as they complete; after a crash or
    Ctrl-C, run the same command with --resume. Writes results.parquet (all rows;
    results.csv with --format csv), summary.csv, sensitivity.csv, regret.csv and
    figures beside the chunks.
    """
    from vtsim.batch.report import write_analysis
    from vtsim.batch.runner import run_sweep

    dask = dask_security(scheduler, dask_local, tls_ca_file, tls_cert, tls_key)
    out = Path(output) if output else Path("vtsim-output") / Path(sweep).stem
    try:
        results = run_sweep(
            sweep,
            out,
            jobs=jobs,
            scheduler=dask["scheduler"],
            dask_local=dask["dask_local"],
            tls=dask["tls"],
            resume=resume,
            force=force,
            progress=progress,
            replications=replications,
            seed=seed,
            chunk=chunk_size,
            fmt=fmt,
        )
    except KeyboardInterrupt:
        _interrupted(out)
    written = write_analysis(results, out, figures=figures)
    m = results.manifest
    click.echo(
        f"{m['sweep'].get('name') or sweep}: {m['points']} points x {len(m['packages'])} "
        f"packages x {m['replications']} replications, seed {m['seed']}\n"
    )
    for outcome in results.outcomes:
        click.echo(f"Regret in {outcome} (lower is better):")
        click.echo(results.regret(outcome).to_string(index=False, float_format="%.3g"))
        click.echo("")
    click.echo("Results: " + ", ".join(str(p) for p in written))


def _interrupted(out: Path) -> None:
    """Ctrl-C: one line, no traceback, status 130 (a second Ctrl-C while the pool and
    cluster close is ignored)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    click.echo(
        f"Interrupted: finished chunks are kept in {out}; run the same command with "
        "--resume to finish.",
        err=True,
    )
    sys.exit(130)


COMMANDS = [batch]
