"""micrograd's types serve its users: a script of the README's examples passes `mypy --strict`.

Errors inside micrograd are silenced here (`--follow-imports=silent`), as mypy silences them
in any installed package; `mypy micrograd` in .ci/run checks the package itself.
"""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "readme_examples.py"


def test_the_package_says_it_is_typed():
    assert (ROOT / "micrograd" / "py.typed").is_file()


def test_readme_examples_pass_mypy_strict(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--cache-dir", str(tmp_path), str(SCRIPT.relative_to(ROOT))],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found in 1 source file" in run.stdout


def test_readme_examples_run():
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == "ok\n"
