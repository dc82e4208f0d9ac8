"""The notes' chapter 5 (CONVOLUTIONAL NEURAL NETWORK) claim of the CNN architectures page, at its defaults.

``TrainingConfig()`` is what the page trains when a student presses Train: ResNet, 10,000
glyphs (8,000 to train, 2,000 to test), two epochs of Adam at 1e-3, batch 64, seed 0. LeNet-5
is trained beside it from the same seed and the same batches, as the page does when a student
adds it; ResNet's run is the same with or without it. Measured at seed 0: ResNet 98.6 %,
LeNet-5 87.1 % (seeds 1 and 2: 99.3 / 87.9 % and 96.9 / 87.2 %).

Slow (about 20 s on 2 quiet cores, 45 s under load): the page's real run, whose two epochs
are the claim.
"""

import pytest

from toolkit.cnn import ARCHITECTURES, TrainingConfig, run_architectures
from toolkit.data import load

# one process trains the shared fixture (pytest-xdist would otherwise train it in both)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="session")  # trained once per process, however xdist orders the tests
def result():
    """The page's default ResNet run with LeNet-5 beside it (same seed, same batches)."""
    config = TrainingConfig(archs=("lenet5", "resnet"))
    name, arguments = config.source()
    return run_architectures(config, load(name, **arguments))


def test_defaults_are_the_measured_scenario():
    config = TrainingConfig()
    assert (config.archs, config.dataset, config.n, config.epochs, config.batch, config.lr, config.seed) == \
        (("resnet",), "glyphs", 10_000, 2, 64, 1e-3, 0)
    assert not config.active  # no regularizer: the architectures alone


def test_a_residual_network_beats_lenet5_with_a_similar_number_of_weights(result):
    """Notes, CNN ARCHITECTURES FOR CLASSIFICATION (from LeNet-5 to ResNet) and chapter 5's opening:
    local connectivity and weight sharing capture the image's structure without an excessive number
    of parameters; ResNet's residual blocks y = F(x) + x train a deeper stack of them in two epochs."""
    table = {row["architecture"]: row for row in result.table}
    resnet, lenet = table["ResNet"], table["LeNet-5"]
    assert resnet["epochs"] == lenet["epochs"] == "2/2"
    assert resnet["test accuracy"] >= 0.975, table  # what the page's results table shows
    assert lenet["test accuracy"] <= resnet["test accuracy"] - 0.05, table
    assert resnet["parameters"] < 1.5 * lenet["parameters"]  # 78,426 against 61,706: not a bigger model
    assert (resnet["parameters"], lenet["parameters"]) == (ARCHITECTURES["resnet"].parameters[0],
                                                           ARCHITECTURES["lenet5"].parameters[0])
    assert result.evaluation("ResNet").accuracy == pytest.approx(resnet["test accuracy"], abs=1e-4)
