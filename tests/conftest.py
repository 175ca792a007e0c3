"""Hypothesis settings profiles.

- ``ci``: chosen when the CI environment variable is set; derandomized, no
  example database, a bounded number of examples, so CI runs are repeatable.
- ``explore``: the default for local runs; 2,000 random examples per property and an
  example database, so every local run explores new ground, and a failure it finds is
  replayed until fixed.  A property that fails by chance is a bug in the strategy or the
  code, never a reason to derandomize.
- ``thorough``: 2,000 examples, derandomized and with no database: the same examples every
  run (``HYPOTHESIS_PROFILE=thorough pytest``), for bisecting.
- ``quick``: a fast local pass (``HYPOTHESIS_PROFILE=quick pytest``).

``HYPOTHESIS_PROFILE`` overrides the choice.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    derandomize=True,
    database=None,
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("quick", max_examples=50, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "explore")
)
