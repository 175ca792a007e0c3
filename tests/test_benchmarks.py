"""benchmarks/run.py's own logic: whether a measured ratio meets its target."""

import importlib.util
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
spec = importlib.util.spec_from_file_location("benchmarks_run", RUN)
assert spec is not None and spec.loader is not None
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


@pytest.mark.parametrize(
    ("ratio", "target", "verdict"),
    [
        (0.3996, "<= 0.40x", "yes"),
        (0.4004, "<= 0.40x", "no"),  # prints as 0.40x: the verdict uses the unrounded ratio
        (1.2, "<= 1.2x", "yes"),
        (1.2, "<=1.2x", "yes"),
        (60.0, ">= 60x", "yes"),
        (59.99, ">= 60x", "no"),
        (2.5, "", ""),  # a ratio shown for comparison, with no target
    ],
)
def test_a_ratio_meets_its_target_before_rounding(ratio, target, verdict):
    assert run.met(ratio, target) == verdict


@pytest.mark.parametrize("target", ["< 1.2x", "<= 1.2", "about 2x"])
def test_a_target_written_otherwise_is_refused(target):
    with pytest.raises(ValueError, match="a target is"):
        run.met(1.0, target)
