# Two commands do everything on a fresh machine:  make demo  and  make test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501
# pytest-xdist processes for `make test` (CI has 2 cores)
TEST_WORKERS ?= 2
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: demo test bench venv chromium clean

demo: $(STAMP)  ## start the Streamlit app on http://localhost:$(PORT)
	PYTHONPATH=. $(VENV)/bin/streamlit run demos/app.py --server.port $(PORT)

test: $(STAMP) chromium  ## the whole test suite (unit, page AppTests, browser smoke tests)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --durations=60 tests

bench: $(STAMP)  ## print the benchmark tables
	@for script in benchmarks/*.py; do [ "$$script" = benchmarks/host.py ] && continue; \
		echo "== $$script"; $(PY) $$script || exit 1; done

venv: $(STAMP)

# Re-installs only when requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Browser tests drive Debian's chromium (never `playwright install`, which downloads a browser).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  echo "Installing Debian chromium for the browser tests"; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache
