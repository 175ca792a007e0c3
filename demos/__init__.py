"""The demos: lessons to read top to bottom, and to run.

Each is a script in ``demos/`` (installed as ``micrograd.demos``) with a
``main(argv)``; ``micrograd demo NAME`` runs it through :func:`run`.
:mod:`micrograd.demos.common` holds what they share (options, progress, pictures).
"""

from micrograd.demos import (
    bptt,
    cnn,
    common,
    modes,
    moons,
    names,
    spirals,
    worked_example,
    xor,
)

DEMOS = {
    "worked-example": worked_example,
    "xor": xor,
    "moons": moons,
    "spirals": spirals,
    "cnn": cnn,
    "names": names,
    "bptt": bptt,
    "modes": modes,
}
"""Every demo by the name ``micrograd demo NAME`` takes, in the order ``--help`` lists them."""


def run(name: str, argv: list[str]) -> int:
    """Run the demo ``name`` with its command-line options; returns the exit status."""
    return common.run(DEMOS[name].main, argv)
