"""Options shared by every command that simulates (same names, same meaning)."""

from __future__ import annotations

import click


def simulation_options(func):
    """``-n/--replications``, ``-s/--seed``, ``-j/--jobs`` and ``--progress``."""
    func = click.option(
        "--progress/--no-progress",
        default=None,
        help="Show a progress bar (default: when the terminal is interactive).",
    )(func)
    func = click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        help="Worker processes; 0 means one per CPU. Results do not depend on it.",
    )(func)
    func = click.option(
        "-s",
        "--seed",
        type=click.IntRange(min=0),
        default=None,
        help="Run seed (default: the scenario's run.seed).",
    )(func)
    func = click.option(
        "-n",
        "--replications",
        type=click.IntRange(min=1),
        default=None,
        help="Replications per package (default: the scenario's run.replications).",
    )(func)
    return func


def comparison_options(func):
    """``--attacks-per-year`` and ``--harm-metric``: how costs are set against harm avoided."""
    func = click.option(
        "--harm-metric",
        default="casualties_total",
        show_default=True,
        help="Outcome counted as harm for cost per harm avoided (e.g. preventable_deaths).",
    )(func)
    func = click.option(
        "--attacks-per-year",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        help="Attacks attempted per year, for the cost per harm avoided and the valued "
        "benefit (default: the scenario's valuation; scenarios/valuation.yaml has 1).",
    )(func)
    return valuation_option(func)


def valuation_option(func):
    """``--valuation FILE``: how outcomes are valued (default: the bundled one with the
    scenario's changes)."""
    return click.option(
        "--valuation",
        "valuation",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="A valuation file (default: scenarios/valuation.yaml with the scenario's changes).",
    )(func)


def force_option(func):
    """``--force``: write into a non-empty output folder that holds other files."""
    return click.option(
        "--force",
        is_flag=True,
        help="Write into the output folder even if it holds files of something else "
        "(they are kept; a previous run of this command there is replaced).",
    )(func)


def dask_options(func):
    """``--scheduler``, ``--dask-local`` and the TLS files for a scheduler of your own."""
    func = click.option(
        "--tls-key",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="With a tls:// --scheduler: this client's private key (PEM; omit if in --tls-cert).",
    )(func)
    func = click.option(
        "--tls-cert",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="With a tls:// --scheduler: this client's certificate (PEM).",
    )(func)
    func = click.option(
        "--tls-ca-file",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="With a tls:// --scheduler: the certificate authority that signed the cluster's "
        "certificates (PEM).",
    )(func)
    func = click.option(
        "--dask-local",
        type=click.IntRange(min=1),
        default=None,
        help="Start a local Dask cluster of N worker processes on 127.0.0.1 (TLS with "
        "temporary credentials, no dashboard).",
    )(func)
    func = click.option(
        "--scheduler",
        default=None,
        help="Run on a Dask scheduler (tcp://HOST:PORT, or tls://HOST:PORT with --tls-ca-file, "
        "--tls-cert and --tls-key).",
    )(func)
    return func


def dask_security(scheduler, dask_local, tls_ca_file, tls_cert, tls_key) -> dict:
    """Check the Dask options; the keyword arguments of make_executor for them."""
    from vtsim.errors import VtsimError

    if scheduler is not None and dask_local is not None:
        raise VtsimError("give either --scheduler or --dask-local, not both.")
    tls = {"ca_file": tls_ca_file, "cert": tls_cert, "key": tls_key}
    given = [k for k, v in tls.items() if v]
    if given and scheduler is None:
        raise VtsimError(
            "--tls-ca-file, --tls-cert and --tls-key go with a tls:// --scheduler "
            "(--dask-local makes its own temporary credentials)."
        )
    if scheduler is not None and scheduler.startswith("tls://"):
        if not (tls_ca_file and tls_cert):
            raise VtsimError(
                f"a tls:// scheduler ({scheduler}) needs --tls-ca-file and --tls-cert "
                "(and --tls-key unless the certificate file holds the key)."
            )
    elif given:
        raise VtsimError(
            f"TLS files were given but the scheduler address {scheduler} is not tls://."
        )
    return {
        "scheduler": scheduler,
        "dask_local": dask_local,
        "tls": tls if given else None,
    }
