"""`python -m steward …` runs the command line, like the `steward` script."""

from steward.cli import main

main()
