"""Plotly figure builders: NumPy arrays and plain dicts in, `plotly.graph_objects.Figure` out.

Pure functions, imported by the demo pages; this package never imports streamlit or
tensorflow. Every figure uses the `plotly_white` template, has a title and named axes, and
is 350-450 px high so it fits a Streamlit column. Bad input raises `ValueError` with one
sentence naming the argument and what was received.

- `learning_curves`   loss / metric per epoch for several runs (train dashed, validation solid)
- `decision_boundary` TensorFlow Playground-style heatmap of a 2-D model, with `grid`
- `image_grid`        up to 100 images tiled into one mosaic, with labels
- `confusion_matrix`  annotated confusion matrix with the accuracy in the title
- `weight_histogram`  overlaid histograms of each layer's weights
- `dataset_scatter`   a 2-D dataset's train and test points in Playground's colours, no model
- `dataset_gallery`   every dataset at a glance: one small scatter or image mosaic per dataset
"""

from toolkit.viz.boundary import decision_boundary, grid
from toolkit.viz.curves import learning_curves
from toolkit.viz.datasets import dataset_scatter
from toolkit.viz.gallery import dataset_gallery
from toolkit.viz.images import image_grid
from toolkit.viz.metrics import confusion_counts, confusion_matrix
from toolkit.viz.weights import weight_histogram

__all__ = [
    "confusion_counts",
    "confusion_matrix",
    "dataset_gallery",
    "dataset_scatter",
    "decision_boundary",
    "grid",
    "image_grid",
    "learning_curves",
    "weight_histogram",
]
