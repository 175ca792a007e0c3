"""The demos: lessons to read top to bottom, and to run.

Each is a script in ``demos/`` (installed as ``micrograd.demos``) with a
``main(argv)``; ``micrograd demo NAME`` runs it.
"""

DEMOS = {
    "worked-example": "worked_example",
    "xor": "xor",
    "moons": "moons",
    "spirals": "spirals",
    "cnn": "cnn",
    "names": "names",
    "bptt": "bptt",
}
