"""Chapter 2, Backpropagation: the three phases by hand in NumPy, and the slow alternatives.

    numpy_mlp     forward propagation, error estimation, backward propagation in the notes'
                  notation (w_ji⁽ˡ⁾, z⁽ˡ⁾, a⁽ˡ⁾, δ⁽ˡ⁾), every intermediate returned; the
                  chain rule as a sum over pathways; gradient checks
    perturbation  one weight at a time, all weights at once (SPSA), node perturbation, and
                  ``race``: loss against forward passes for each method, reported as
                  ``toolkit.train.Run``s; ``PerturbationRaceConfig`` holds the page's settings
    walkthrough   one step on a tiny network, phase by phase, labelled for a diagram, and the
                  same gradient from ``tf.GradientTape``; ``WalkthroughConfig``
"""

from toolkit.backprop.numpy_mlp import (
    ACTIVATIONS, LOSSES, Backward, Error, Forward, Network, Trace, backprop,
    backward_propagation, error_estimation, forward_propagation, from_keras, gradient_check,
    gradient_descent, gradient_descent_step, gradients_vector, init_network, loss_value,
    numerical_gradient, parameters_vector, paths_to_output, pathway_terms, to_keras,
    with_parameters,
)
from toolkit.backprop.walkthrough import (
    PHASES, WalkthroughConfig, gradient_rows, neuron_names, parameter_names, pathway_rows,
    phase_labels, tape_gradients,
)
from toolkit.backprop.perturbation import (
    METHODS, Estimate, ForwardCounter, PerturbationRaceConfig, backprop_gradient,
    forward_passes_per_update, mean_loss, node_perturbation, race, race_rows,
    run_perturbation_race, simultaneous_perturbation, weight_perturbation,
)

__all__ = [
    "ACTIVATIONS", "LOSSES", "Backward", "Error", "Forward", "Network", "Trace", "backprop",
    "backward_propagation", "error_estimation", "forward_propagation", "from_keras",
    "gradient_check", "gradient_descent", "gradient_descent_step", "gradients_vector",
    "init_network", "loss_value", "numerical_gradient", "parameters_vector", "paths_to_output",
    "pathway_terms", "to_keras", "with_parameters",
    "METHODS", "Estimate", "ForwardCounter", "PerturbationRaceConfig", "backprop_gradient",
    "forward_passes_per_update", "mean_loss", "node_perturbation", "race", "race_rows",
    "run_perturbation_race", "simultaneous_perturbation", "weight_perturbation",
    "PHASES", "WalkthroughConfig", "gradient_rows", "neuron_names", "parameter_names",
    "pathway_rows", "phase_labels", "tape_gradients",
]
