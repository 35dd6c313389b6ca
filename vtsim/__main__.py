"""`python -m vtsim` is the `vtsim` command."""

from vtsim.cli import main

main()
