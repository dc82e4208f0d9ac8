"""Only external.py may download; importing toolkit.data stays free of TensorFlow, Keras and Streamlit."""

import subprocess
import sys
from pathlib import Path

import pytest

import toolkit.data

PACKAGE = Path(toolkit.data.__file__).parent
DOWNLOAD_CALLS = ("keras.datasets", "urlopen", "urlretrieve", "get_file", "requests")


@pytest.mark.parametrize("module", sorted(path.name for path in PACKAGE.glob("*.py") if path.name != "external.py"))
def test_module_contains_no_download_call(module):
    source = (PACKAGE / module).read_text()
    found = [call for call in DOWNLOAD_CALLS if call in source]
    assert not found, f"{module} mentions {found}; only external.py may download"


def test_no_module_imports_streamlit():
    for path in PACKAGE.glob("*.py"):
        assert "import streamlit" not in path.read_text(), path.name


def test_import_does_not_load_tensorflow_or_keras():
    code = "import sys, toolkit.data; print(sorted(m for m in ('tensorflow', 'keras', 'streamlit', 'sklearn') if m in sys.modules))"
    root = Path(toolkit.data.__file__).parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
