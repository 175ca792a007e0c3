"""What a user gets from PyPI: the sdist and the wheel, the name on the install hints, and
the demos from a source tree that was never installed."""

import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from email.parser import Parser
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "micrograd-stepwise"
# Not source: virtualenvs, caches, earlier builds and outputs (the builds must not carry them).
NOT_SOURCE = (
    ".git", ".venv*", "__pycache__", "*.pyc", "*.egg-info", ".*_cache", ".hypothesis",
    "build", "dist", "demo-out", "api-docs",
)  # fmt: skip


def source_files(folder: Path) -> list[Path]:
    def source(name: str) -> bool:
        return not any(fnmatch(name, pattern) for pattern in NOT_SOURCE)

    found = []
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = [d for d in subdirectories if source(d)]  # don't enter a venv
        found += [Path(directory, name) for name in names if source(name)]
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel, built (as a release would be) from a copy of the tree."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(source)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = (work / "dist").glob("*.tar.gz")
    (wheel,) = (work / "dist").glob("*.whl")
    return {"sdist": sdist, "wheel": wheel, "work": work}


def sdist_names(built) -> set[str]:
    with tarfile.open(built["sdist"]) as archive:
        return {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}


def wheel_names(built) -> set[str]:
    with zipfile.ZipFile(built["wheel"]) as archive:
        return set(archive.namelist())


def test_the_distribution_is_named_for_pypi_and_imports_as_micrograd(built):
    assert built["wheel"].name.startswith("micrograd_stepwise-")
    with zipfile.ZipFile(built["wheel"]) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        fields = Parser().parsestr(archive.read(metadata).decode())
    assert fields["Name"] == DISTRIBUTION
    assert fields["License-Expression"] == "MIT"
    assert "Programming Language :: Python :: 3.13" in fields.get_all("Classifier")
    assert {name.split("/")[0] for name in wheel_names(built)} == {
        "micrograd",
        metadata.split("/")[0],
    }


def test_license_is_in_the_sdist_and_the_wheel(built):
    assert "LICENSE" in sdist_names(built)
    licenses = [n for n in wheel_names(built) if n.endswith(".dist-info/licenses/LICENSE")]
    assert len(licenses) == 1
    with zipfile.ZipFile(built["wheel"]) as archive:
        assert archive.read(licenses[0]) == (ROOT / "LICENSE").read_bytes()


def test_the_wheel_ships_py_typed_and_the_demos(built):
    names = wheel_names(built)
    assert "micrograd/py.typed" in names
    assert "micrograd/demos/__init__.py" in names and "micrograd/demos/common.py" in names


def test_the_wheel_ships_every_file_of_the_package(built):
    # A new subpackage or data file (a page's script, a word list) is easy to forget in
    # pyproject.toml's package lists; the wheel would then lack it and only users would notice.
    def files(folder: Path, prefix: str) -> set[str]:
        return {f"{prefix}/{p.relative_to(folder).as_posix()}" for p in source_files(folder)}

    wanted = files(ROOT / "micrograd", "micrograd") | {
        name for name in files(ROOT / "demos", "micrograd/demos") if name.endswith(".py")
    }
    assert wanted <= wheel_names(built), sorted(wanted - wheel_names(built))


def test_the_sdist_holds_what_its_tests_need(built):
    names = sdist_names(built)
    for path in ["README.md", "CHANGELOG.md", "LICENSE", "pyproject.toml", ".ci/run"]:
        assert path in names
    for folder in ["tests", "docs", "demos", "benchmarks", "micrograd", ".ci"]:
        wanted = {p.relative_to(ROOT).as_posix() for p in source_files(ROOT / folder)}
        assert wanted <= names, sorted(wanted - names)
    assert not any("__pycache__" in name or ".venv" in name for name in names)


def test_a_fresh_virtualenv_with_the_wheel_runs_a_demo(built):
    env_dir = built["work"] / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(built["wheel"])],
        capture_output=True, text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    done = subprocess.run(
        [str(env_dir / "bin" / "micrograd"), "demo", "xor", "--steps", "2", "--quiet"],
        capture_output=True,
        text=True,
        cwd=built["work"],  # not the checkout: the installed copy must be the one used
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("final: loss=")


def test_demo_from_a_plain_checkout_says_to_install(tmp_path):
    # -S leaves out site-packages, and with it any installed or editable micrograd: the
    # checkout on PYTHONPATH is all there is, and it has no micrograd/demos folder.  The
    # demos are micrograd.demos only once installed; the CLI says so rather than faking
    # the package in sys.modules.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    spec = "import importlib.util as u; print(u.find_spec('micrograd.demos'))"
    probe = subprocess.run(
        [sys.executable, "-S", "-c", spec], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert probe.stdout.strip() == "None", probe.stdout + probe.stderr
    for args in [[], ["xor", "--steps", "2", "--quiet"]]:
        done = subprocess.run(
            [sys.executable, "-S", "-m", "micrograd", "demo", *args],
            capture_output=True, text=True, env=env, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stderr == (
            "micrograd: error: the demos are not installed: install micrograd-stepwise "
            "(from a checkout: pip install -e .)\n"
        )


# On PyPI, "micrograd" is Karpathy's 0.1.0, which has no extras and no demos.
WRONG_HINT = re.compile(r"pip install [\"']?micrograd(?!-stepwise)\b")


def test_every_install_hint_names_the_distribution():
    files = [path for path in source_files(ROOT) if path.suffix in (".py", ".md")]
    wrong = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if WRONG_HINT.search(line)
    ]
    assert wrong == []
