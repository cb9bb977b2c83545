"""gunicorn.conf.py's worker hook: the garbage collector's tuning once the app is loaded."""

from __future__ import annotations

import gc
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_a_worker_freezes_the_loaded_app_and_collects_less_often(monkeypatch):
    monkeypatch.setenv("GUNICORN_GC_THRESHOLD", "12345")
    conf = runpy.run_path(str(CONF))
    gc.unfreeze()

    conf["post_worker_init"](object())

    assert gc.get_threshold()[0] == 12345
    assert gc.get_freeze_count() > 0
