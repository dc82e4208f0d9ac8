"""Which devices TensorFlow trains on, and optional mixed precision.

TensorFlow places every op on the first GPU when one is visible, so the toolkit needs no
device code of its own: this module only describes the machine and switches precision.
"""

from __future__ import annotations

import os

import keras
import tensorflow as tf


def devices() -> list[dict]:
    """One dict per visible device: ``name``, ``kind`` ("CPU"/"GPU") and ``description``."""
    described = []
    for device in tf.config.list_physical_devices():
        kind = device.device_type
        if kind not in ("CPU", "GPU"):
            continue
        details = tf.config.experimental.get_device_details(device) if kind == "GPU" else {}
        description = details.get("device_name") or (
            f"{os.cpu_count()} CPU cores" if kind == "CPU" else "GPU")
        described.append({"name": device.name, "kind": kind, "description": description})
    return described


def has_gpu() -> bool:
    return any(d["kind"] == "GPU" for d in devices())


def set_mixed_precision(enabled: bool) -> str:
    """Turns mixed precision on (float16 compute on GPU, bfloat16 on CPU) or off.

    Returns the global dtype policy name now in force. Affects models built afterwards.
    """
    policy = ("mixed_float16" if has_gpu() else "mixed_bfloat16") if enabled else "float32"
    keras.mixed_precision.set_global_policy(policy)
    return policy
