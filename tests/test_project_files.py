"""The set-up files name real paths and keep the classroom-safe settings."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_dockerfile_copies_real_paths_and_is_classroom_ready():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    for line in re.findall(r"^COPY (.+)$", text, flags=re.M):
        *sources, _dest = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies missing path {source}"
    assert "EXPOSE 8501" in text
    assert "/_stcore/health" in re.search(r"HEALTHCHECK.*\n.*", text).group(0)
    assert re.search(r"^USER (?!root)\w+", text, flags=re.M)
    assert '"streamlit", "run", "demos/app.py", "--server.address=0.0.0.0"' in text
    assert "tensorflow[and-cuda]" in text and "ARG GPU" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


def test_makefile_targets():
    text = (ROOT / "Makefile").read_text()
    for target in ("demo:", "test:", "bench:", "chromium:"):
        assert re.search(rf"^{target}", text, flags=re.M), target
    assert "streamlit run demos/app.py" in text
    commands = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any("playwright install" in line for line in commands)


def test_requirements_pin_the_course_stack():
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    expected = {"tensorflow": "2.21.0", "keras": "3.15.1", "keras-cv": "0.9.0",
                "keras-nlp": "0.32.0", "keras-hub": "0.32.0", "streamlit": "1.67.0",
                "plotly": "7.1.0"}
    assert {k: pins.get(k) for k in expected} == expected


def test_streamlit_config_is_classroom_safe():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["headless"] is True
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 50
    assert config["browser"]["gatherUsageStats"] is False


def test_library_never_imports_streamlit_or_downloads():
    for path in (ROOT / "toolkit").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(import|from) streamlit", text, flags=re.M), path
        if path.name != "external.py":
            assert not re.search(r"keras\.datasets|get_file\(|urlopen|requests\.get|from_preset\(",
                                 text), path


def test_readme_links_only_files_inside_the_repository():
    """Every relative link of README.md and CONTRIBUTING.md points at a file of this repository."""
    for doc in ("README.md", "CONTRIBUTING.md", "docs/ARCHITECTURE.md"):
        text = (ROOT / doc).read_text()
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if "://" in target:
                continue
            path = ((ROOT / doc).parent / target).resolve()
            assert path.is_relative_to(ROOT) and path.exists(), f"{doc} links {target}, not in the repository"
    assert "CONTRIBUTING.md" in (ROOT / "README.md").read_text()


def test_no_page_patches_streamlit_or_trains_outside_the_live_panel():
    """One way to train live: no spinner, own throttle or own run store in the app's pages."""
    pages = ROOT / "demos" / "app_pages"
    assert not (ROOT / "demos" / "pages").exists(), "a demos/pages folder turns on Streamlit's old multipage mode"
    for page in pages.glob("*.py"):
        text = page.read_text()
        for banned in ("st.spinner", "time.monotonic", "time.sleep", "PagesManager", "session_state.setdefault"):
            assert banned not in text, f"{page.name} uses {banned}"
        assert len(text.splitlines()) <= 150, f"{page.name} has {len(text.splitlines())} lines (at most 150)"
    toolkit = "\n".join(p.read_text() for p in (ROOT / "toolkit").rglob("*.py"))
    assert "refresh_seconds" not in toolkit and "every_seconds" not in toolkit
