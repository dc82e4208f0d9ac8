"""On-disk cache for generated arrays, so a dataset built once loads in milliseconds next time.

Files live in `cache_dir()`: `$TOOLKIT_CACHE_DIR` if set, else `~/.cache/toolkit`. A file's
name is the generator's name, its format version and every argument, e.g.

    glyphs-v2-classes10-n10000-seed0-size28-test_ratio0.2.npz

so a change of argument or of generator (bump the version) never reads a stale file.
Arrays are stored with `np.savez_compressed`; a write goes to a temporary file first and is
renamed into place, so a crash or a parallel writer never leaves a half-written cache file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    """Folder of the toolkit's cached arrays (not created until something is written)."""
    configured = os.environ.get("TOOLKIT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "toolkit"


def cache_key(generator: str, version: int, arguments: dict) -> str:
    """File name for one call: generator, version, then every argument as name+value."""
    parts = [generator, f"v{version}"] + [f"{name}{value}" for name, value in sorted(arguments.items())]
    return "-".join(parts) + ".npz"


def cache_path(generator: str, version: int, arguments: dict) -> Path:
    return cache_dir() / cache_key(generator, version, arguments)


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays saved at `path`, or None if there is no readable file there."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError):
        return None


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write `arrays` to `path` atomically; a read-only cache folder is silently skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez_compressed(file, **arrays)
        os.chmod(temporary, 0o644)  # mkstemp makes files private; cached arrays are not secret
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def cache_status() -> list[dict]:
    """One entry per cached file, newest first: {"name", "path", "bytes", "megabytes"}."""
    folder = cache_dir()
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.npz"), key=lambda path: path.stat().st_mtime, reverse=True)
    return [
        {"name": path.name, "path": str(path), "bytes": path.stat().st_size, "megabytes": round(path.stat().st_size / 2**20, 2)}
        for path in files
    ]


def clear_cache() -> int:
    """Delete every cached array file; returns how many were removed."""
    removed = 0
    for entry in cache_status():
        Path(entry["path"]).unlink(missing_ok=True)
        removed += 1
    return removed
