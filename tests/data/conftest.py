"""Every data test writes its cache under a temporary folder, never under ~/.cache/toolkit."""

import pytest


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    folder = tmp_path / "toolkit-cache"
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(folder))
    return folder
