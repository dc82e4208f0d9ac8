"""The suite trains each slow shared fixture once: `make test` runs pytest-xdist with
`--dist loadgroup`, which keeps the tests of one `xdist_group` on one worker. pytest 9.2 broke
that silently (pytest-dev/pytest-xdist#1386) and every worker trained the fixtures again, minutes
of CI; this test fails instead of the suite slowing down."""

import pytest

pytestmark = pytest.mark.xdist_group(__name__)


def test_loadgroup_sends_a_group_to_one_worker(request):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith(f"@{__name__}"), (
        f"{request.node.nodeid}: pytest-xdist no longer groups tests; pin a pytest it supports")
