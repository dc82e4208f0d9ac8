"""What a server with many sessions needs: safe first imports, Keras kept out of reruns.

``first_run``: the first run of a page imports its toolkit modules. Two sessions opening
two pages at once would import the same packages in two threads, and Python's import locks
then hand one of them a partially initialized module ("cannot import name ... from
partially initialized module"; seen with a cold server and two shared links). The first run
of each page therefore runs under one lock; later runs never wait.

``guard_keras_reset``: keeps Streamlit's reset of Keras after every script run away from
training threads.

After every script run (every rerun of a page and every refresh of a live panel),
Streamlit calls ``keras.backend.clear_session()`` (``_clean_problem_modules`` in
``streamlit/runtime/scriptrunner/script_runner.py``). With the TensorFlow backend that
clears TensorFlow's process-wide kernel cache and runs a full garbage collection. In this
app training runs in background threads while the page refreshes a few times a second, so
every refresh would stall every student's training: measured on 2 cores, the first epoch of
the optimizer race took 86 s instead of 1 s. The guard below skips the call on Streamlit's
script threads only; anywhere else (a notebook, a test) ``clear_session`` works as usual.
The app releases a run's memory itself when the run ends (``live.Job``).
"""

from __future__ import annotations

import contextlib
import sys
import threading

SCRIPT_THREAD_PREFIX = "ScriptRunner"
_FIRST_RUN_LOCK = threading.RLock()
_RAN: set[str] = set()  # pages that ran to the end once in this process


@contextlib.contextmanager
def first_run(page_name: str):
    """Serializes the first run of each page of the process (see the module docstring)."""
    if page_name in _RAN:
        yield
        return
    with _FIRST_RUN_LOCK:
        yield
        _RAN.add(page_name)


def guard_keras_reset() -> None:
    """Installs the guard once Keras is imported (cheap; idempotent)."""
    keras = sys.modules.get("keras")
    backend = getattr(keras, "backend", None)
    original = getattr(backend, "clear_session", None)
    if original is None or getattr(original, "skips_script_threads", False):
        return

    def clear_session(*args, **kwargs):
        if threading.current_thread().name.startswith(SCRIPT_THREAD_PREFIX):
            return None
        return original(*args, **kwargs)

    clear_session.skips_script_threads = True
    clear_session.__doc__ = original.__doc__
    backend.clear_session = clear_session
