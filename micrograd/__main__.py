"""``python -m micrograd``: the command line (see :mod:`micrograd.cli`)."""

from micrograd.cli import main

raise SystemExit(main())
