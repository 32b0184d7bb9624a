"""Settings for the whole suite."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Every bot the suite starts (in process or as `daybreak run`) keeps its checked programme in
# one private folder of this run's own, not in the user's ~/.cache: one check of the shipped
# programme serves all of them, and nothing outlives the run.
_CACHE = tempfile.mkdtemp(prefix="daybreak-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
