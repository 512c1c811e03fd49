"""The app servers' gunicorn settings (gunicorn.conf.py, docs/deployment.md)."""

import gc
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_workers_share_what_the_master_loaded_and_the_collector_leaves_it_alone():
    config = runpy.run_path(str(CONFIG))
    assert config["preload_app"] is True
    try:
        config["pre_fork"](server=None, worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
