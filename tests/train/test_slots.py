"""toolkit.train.slots: the classroom's first-come-first-served training slots."""

import threading
import time

import pytest

from toolkit.train import SlotPool, slots_status
from toolkit.train.slots import default_capacity


def test_capacity_limits_concurrency_and_reports_queue_position():
    pool = SlotPool(1)
    order, positions = [], []
    first_in = threading.Event()

    def first():
        with pool.slot():
            first_in.set()
            time.sleep(0.3)
            order.append("first")

    def second():
        first_in.wait()
        with pool.slot(on_wait=positions.append, poll=0.05):
            order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert order == ["first", "second"]
    assert positions and set(positions) == {1}
    assert pool.status() == {"capacity": 1, "busy": 0, "waiting": 0}


def test_waiters_are_served_in_arrival_order():
    pool = SlotPool(1)
    served = []
    gate = threading.Event()

    def holder():
        with pool.slot():
            gate.wait(5)

    def waiter(i):
        with pool.slot(poll=0.01):
            served.append(i)

    hold = threading.Thread(target=holder)
    hold.start()
    time.sleep(0.05)
    waiters = []
    for i in range(4):
        t = threading.Thread(target=waiter, args=(i,))
        t.start()
        waiters.append(t)
        time.sleep(0.05)  # arrival order 0, 1, 2, 3
    assert pool.status()["waiting"] == 4
    gate.set()
    for t in [hold, *waiters]:
        t.join(5)
    assert served == [0, 1, 2, 3]


def test_slot_is_released_on_error():
    pool = SlotPool(1)
    with pytest.raises(RuntimeError):
        with pool.slot():
            raise RuntimeError("boom")
    assert pool.status()["busy"] == 0


def test_capacity_from_environment(monkeypatch):
    monkeypatch.setenv("TOOLKIT_TRAINING_SLOTS", "3")
    assert default_capacity() == 3
    monkeypatch.setenv("TOOLKIT_TRAINING_SLOTS", "many")
    with pytest.raises(ValueError, match="TOOLKIT_TRAINING_SLOTS"):
        default_capacity()
    with pytest.raises(ValueError, match="capacity"):
        SlotPool(0)


def test_process_pool_status_shape():
    assert set(slots_status()) == {"capacity", "busy", "waiting"}
