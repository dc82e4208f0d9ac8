"""The router's page table: every page exists and is reachable by a direct link."""

from pathlib import Path

from demos.app import DEMOS, PAGES


def test_every_page_file_exists_and_url_paths_are_unique():
    entries = [entry for section in PAGES.values() for entry in section]
    assert all((DEMOS / path).is_file() for path, *_ in entries)
    url_paths = [url_path for *_, url_path in entries]
    assert len(url_paths) == len(set(url_paths))


def test_url_path_equals_the_file_name():
    """Before the router first runs in a fresh server process, Streamlit resolves a direct
    link such as /playground from the files in demos/app_pages/, so a link works on a cold
    server only when its url_path is the file's name."""
    for section in PAGES.values():
        for path, _title, _icon, url_path in section:
            assert url_path == Path(path).stem, (path, url_path)
