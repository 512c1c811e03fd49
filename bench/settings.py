"""
The production settings plus the benchmark's bare view: run with DJANGO_SETTINGS_MODULE=bench.settings.

The bare view lives in bench/urls.py so that magazine/urls.py carries nothing
for benchmarking; collected static files go where the runner says.
"""

import os
from pathlib import Path

from magazine.settings import *  # noqa: F403
from magazine.settings import STATIC_ROOT

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT))
