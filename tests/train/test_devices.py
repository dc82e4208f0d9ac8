import keras

from toolkit.train import devices, set_mixed_precision


def test_devices_lists_the_cpu():
    found = devices()
    assert any(d["kind"] == "CPU" for d in found)
    assert all({"name", "kind", "description"} <= set(d) for d in found)


def test_mixed_precision_round_trip():
    try:
        assert set_mixed_precision(True).startswith("mixed_")
        assert keras.mixed_precision.global_policy().name.startswith("mixed_")
    finally:
        assert set_mixed_precision(False) == "float32"
