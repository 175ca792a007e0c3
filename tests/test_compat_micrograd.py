"""The same numbers as micrograd 0.1.0, checked against the real thing.

micrograd 0.1.0 has this project's import name, so it is installed with pip into
a virtualenv of its own; the test skips only if that install is impossible.
"""

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ROOT / "benchmarks" / "workloads.py"
STEPS = "8"  # micrograd 0.1.0 takes about a second a step; the benchmark checks all 100


@pytest.fixture(scope="module")
def micrograd_010(tmp_path_factory):
    cached = ROOT / "benchmarks" / ".venv-micrograd-0.1.0" / "bin" / "python"
    if cached.exists():
        return str(cached)
    home = tmp_path_factory.mktemp("micrograd-0.1.0")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "micrograd==0.1.0"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"micrograd 0.1.0 could not be installed: {done.stderr[-300:]}")
    return str(python)


def losses(python):
    done = subprocess.run(
        [python, str(WORKLOADS), "micrograd", "losses", STEPS],
        capture_output=True,
        text=True,
        cwd=WORKLOADS.parent,
        check=True,
    )
    return json.loads(done.stdout)["losses"]


@pytest.mark.slow
def test_moons_recipe_losses_equal_micrograd_010_at_every_step(micrograd_010):
    theirs = losses(micrograd_010)
    ours = losses(sys.executable)
    assert len(ours) == len(theirs) == int(STEPS)
    assert ours == pytest.approx(theirs, rel=1e-12)
