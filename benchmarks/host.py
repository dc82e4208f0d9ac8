"""The line every benchmark table starts with: the machine it was measured on (it may be shared)."""

from __future__ import annotations

import os


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} CPU cores (os.cpu_count()), load average {load:.1f} at start"
