"""Every live figure of the Playground page, built from one snapshot of the network.

`playground_figures` is what the page's live panel redraws for every frame while training
(`benchmarks/playground.py` measures it in the browser): the network with each neuron's
picture (all pictures in one small PNG), the output over the plane with the data, the
train/test loss curves and the confusion matrix, all from ONE snapshot so they show one
epoch. The snapshot is a `toolkit.ffnn.playground.Snapshot` (read by attribute, not imported).
"""

import plotly.graph_objects as go

from toolkit.viz.boundary import decision_boundary
from toolkit.viz.curves import learning_curves
from toolkit.viz.metrics import confusion_matrix
from toolkit.viz.network import network_diagram


def playground_figures(snapshot, data, history, *, show_test=True, discretize=False) -> dict[str, go.Figure]:
    """{"network", "output"} always, "loss" once an epoch is done, "confusion" for classes.

    Args:
        snapshot: the network now (``PlaygroundSession.snapshot()``).
        data: its ``toolkit.data.Dataset`` (2-D points).
        history: the Keras-style history of the whole training ({"loss", "val_loss"}).
        show_test, discretize: Playground's two output check boxes.
    """
    figures = {
        "network": network_diagram(
            snapshot.kernels, snapshot.nodes, layer_names=snapshot.layer_names,
            node_names=snapshot.node_names, title="Neurons over the plane · links: blue > 0, orange < 0"),
        "output": decision_boundary(
            snapshot.output_grid, data.x_train, data.y_train, data.x_test, data.y_test, task=data.task,
            show_test=show_test, discretize=discretize, classes=data.classes or None,
            title=f"Output at epoch {snapshot.epoch}"),
    }
    if snapshot.epoch and len(history.get("loss", ())):
        figures["loss"] = learning_curves({"network": history},
                                          title="Loss: train (dashed), test (solid, 'validation')")
    if snapshot.test_accuracy is not None:
        figures["confusion"] = confusion_matrix(data.y_test, snapshot.test_predictions,
                                                class_names=data.classes, title="Test set")
    return figures
