"""The Masked image modeling page in AppTest: formulas at first render, the smallest run with its live crops
and loss, the reconstruction and probe tables after it (with the supervised row when asked), BEiT beside the
MAE (the tokens drawn live, a row in each table), DINO (held-out crops by cluster live, the collapse measures and its
probe rows), bad URL parameters.

The page's default claim (hidden patches painted back far better than without context, and the frozen
features probe the shape better than the untrained encoder's) is checked at the defaults in
tests/multimodal/test_mae_defaults.py.
"""

import pytest

from tests.demos.conftest import assert_no_exception, chart_keys, open_page, table_with, train_smallest_run

pytestmark = pytest.mark.xdist_group(__name__)
TIMEOUT = 300


def _page(**params):
    return open_page("masked_images", timeout=TIMEOUT, **params)


def test_first_render_shows_the_formulas_beside_the_controls():
    at = _page()
    assert_no_exception(at, "Masked image modeling page")
    assert not at.error
    assert len(at.latex) >= 5  # encoder, decoder, loss, and the masking ratio's and patch size's formulas
    assert any("Force encoder to understand visual context" in m.value for m in at.markdown)


def test_the_smallest_run_shows_live_crops_and_both_tables():
    at = train_smallest_run("masked_images", timeout=TIMEOUT, supervised="true")
    assert {"masked-images.live.loss", "masked-images.live.crops"} <= chart_keys(at)
    assert list(table_with(at, "without context")["method"]) == ["MAE"]
    probes = table_with(at, "shape, 10 labels each")
    assert list(probes["encoder"]) == ["MAE (no labels)", "same encoder, untrained", "same encoder, trained on the shapes"]


def test_beit_trains_after_the_mae_and_gets_a_row_in_each_table():
    at = train_smallest_run("masked_images", timeout=TIMEOUT, methods="mae,beit")
    assert {"masked-images.live.loss", "masked-images.live.crops"} <= chart_keys(at)
    rows = table_with(at, "without context")
    assert list(rows["method"]) == ["MAE", "BEiT"] and list(rows["target"]) == ["pixels", "visual tokens"]
    assert list(table_with(at, "shape, 10 labels each")["encoder"]) == ["MAE (no labels)", "BEiT (no labels)",
                                                                        "same encoder, untrained"]


def test_dino_shows_its_clusters_live_and_gets_a_cluster_table_and_probe_rows():
    at = train_smallest_run("masked_images", timeout=TIMEOUT, methods="dino")
    assert {"masked-images.live.loss", "masked-images.live.clusters"} <= chart_keys(at)
    assert not any("without context" in t.value.columns for t in at.dataframe)  # DINO hides no patch
    clusters = table_with(at, "clusters used")
    assert list(clusters["DINO's teacher"]) == ["trained", "untrained"]
    assert ((clusters["clusters used"] >= 1) & (clusters["clusters used"] <= 64)).all()
    assert list(table_with(at, "shape, 10 labels each")["encoder"]) == ["DINO (no labels)", "same encoder, untrained",
                                                                        "DINO's encoder, untrained"]


def test_bad_url_parameters_get_one_sentence():
    at = _page(n="200", batch="256")
    assert_no_exception(at, "Masked image modeling page, batch > n")
    assert any("larger than the 200 training crops" in e.value for e in at.error)
    at = _page(methods="beit", patch_size="8")
    assert any("one visual token per 4 × 4 patch" in e.value for e in at.error)
    at = _page(mask_ratio="2", patch_size="5")
    assert_no_exception(at, "Masked image modeling page with a malformed link")
    assert at.warning or at.error
