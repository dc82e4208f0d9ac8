"""``ui.table`` shows every name in full (issue 14, item 5): text columns as wide as their
longest entry, or wrapping when the table is wider than the page."""

import pandas as pd

from demos.ui import tables

# two rows of the CNN architectures page's table (toolkit.cnn.architectures imports Keras: slow)
ARCHITECTURES = [
    {"name": "googlenet", "architecture": "GoogLeNet (Inception)", "year": 2014,
     "key idea": "Inception module: parallel 1×1, 3×3, 5×5 convs and pooling; 1×1 bottlenecks",
     "params 28×28": 42206, "params 8×8": 42206, "original": "GoogLeNet, 6.8 million parameters"},
    {"name": "lenet5", "architecture": "LeNet-5", "year": 1998,
     "key idea": "convolution + subsampling with shared weights, trained end to end",
     "params 28×28": 61706, "params 8×8": 21386, "original": "LeNet-5, about 60 thousand parameters"},
]


def test_a_narrow_table_gets_columns_as_wide_as_its_longest_text():
    frame = pd.DataFrame([{"run": "GoogLeNet (Inception)", "end": "did not learn", "loss": 0.5}])
    widths = tables.text_widths(frame)
    assert set(widths) == {"run", "end"}  # numbers keep Streamlit's own width
    assert widths["run"] >= len("GoogLeNet (Inception)") * tables.CHAR_PX
    config, row_height = tables.column_config(frame, widths)
    assert row_height is None and config["run"]["width"] == widths["run"]
    many = pd.DataFrame([{"run": "minibatch (B = 32)", **{f"metric {k}": 0.5 for k in range(12)}}])
    assert tables.column_config(many, tables.text_widths(many))[1] is None  # wide, but nothing to wrap


def test_the_architectures_table_wraps_its_long_columns_instead_of_cutting_them():
    frame = pd.DataFrame(ARCHITECTURES)
    config, row_height = tables.column_config(frame, tables.text_widths(frame))
    assert row_height > 64  # Streamlit wraps text in rows taller than 4 rem
    assert config["architecture"]["width"] >= len("GoogLeNet (Inception)") * tables.CHAR_PX
    numbers = tables.NUMBER_PX * 3  # year and the two parameter counts
    assert sum(c["width"] for c in config.values()) + numbers <= tables.PAGE_PX  # no column cut at the edge
    key_idea = len(ARCHITECTURES[0]["key idea"]) * tables.CHAR_PX
    assert row_height >= tables.LINE_PX * tables.WRAP_FILL * key_idea / config["key idea"]["width"]  # every line
