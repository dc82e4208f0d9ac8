"""One backpropagation step on a tiny network, laid out phase by phase for a diagram.

The three phases of the notes on one sample x (B = 1), in ``numpy_mlp``'s notation:

    (1) forward propagation   z_j⁽ˡ⁾ = Σ_i w_ji⁽ˡ⁾ a_i⁽ˡ⁻¹⁾ + b_j⁽ˡ⁾,  a_j⁽ˡ⁾ = h(z_j⁽ˡ⁾)
    (2) error estimation      L = ℓ(a⁽ᴸ⁾, y) and ∂L/∂a⁽ᴸ⁾
    (3) backward propagation  ∂L/∂a_i⁽ˡ⁻¹⁾ = Σ_j w_ji⁽ˡ⁾ h'(z_j⁽ˡ⁾) ∂L/∂a_j⁽ˡ⁾,
                              ∂L/∂w_ji⁽ˡ⁾ = h'(z_j⁽ˡ⁾) ∂L/∂a_j⁽ˡ⁾ · a_i⁽ˡ⁻¹⁾

``phase_labels`` gives, for each phase, the numbers a diagram writes on every neuron and
every link (``toolkit.viz.network_diagram`` arguments). ``tape_gradients`` computes the
same gradient with ``tf.GradientTape`` on the Keras twin of the network (``to_keras``), and
``gradient_rows`` lists both side by side, parameter by parameter.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toolkit import validation
from toolkit.backprop.numpy_mlp import init_network, paths_to_output, to_keras
from toolkit.config import Config, setting
from toolkit.ffnn.activations import activation_latex

HIDDEN_ACTIVATIONS = ("tanh", "sigmoid", "relu")

PHASES = ("forward", "error", "backward")


@dataclasses.dataclass(frozen=True)
class WalkthroughConfig(Config):
    """The example, the network and the step size of the walkthrough (one sample, B = 1)."""

    x1: float = setting(0.5, lo=-1.0, hi=1.0, step=0.05, widget="slider", label="x1")
    x2: float = setting(-0.3, lo=-1.0, hi=1.0, step=0.05, widget="slider", label="x2")
    y: int = setting(1, choices=(0, 1), widget="radio", label="label y")
    activation: str = setting("tanh", choices=HIDDEN_ACTIVATIONS, label="Hidden activation h",
                              formula=r"\begin{array}{l}" + r" \\ ".join(map(activation_latex, HIDDEN_ACTIVATIONS))
                              + r"\end{array}")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed of the initial weights")
    eta: float = setting(0.5, lo=1e-3, hi=10.0, label="Learning rate η",
                         formula=r"w_{ji}^{(l)} \leftarrow w_{ji}^{(l)} - \eta\, \frac{\partial L}{\partial w_{ji}^{(l)}}")
    sizes: tuple = (2, 3, 2, 1)

    def check(self):
        if len(self.sizes) < 2 or self.sizes[0] != 2:
            raise ValueError(f"`sizes` must start with 2 inputs (x1, x2), received sizes={self.sizes!r}.")

    def network(self):
        """The untrained network: Glorot-uniform weights from ``seed``, a sigmoid output unit."""
        return init_network(self.sizes, self.activation, "sigmoid", seed=self.seed)

    def example(self):
        """(x (1, 2), y (1,)): the one sample the walkthrough learns."""
        return np.array([[self.x1, self.x2]]), np.array([float(self.y)])


def neuron_names(net):
    """x1, x2, ... for the inputs, a_j^(l) for the hidden neurons, ŷ for a single output."""
    names = [[f"x{i + 1}" for i in range(net.sizes[0])]]
    names += [[f"a{j + 1}^({l})" for j in range(n)] for l, n in enumerate(net.sizes[1:], start=1)]
    if net.sizes[-1] == 1:
        names[-1] = ["ŷ"]
    return names


def parameter_names(net, l):
    """(names of W⁽ˡ⁾ as [j][i], names of b⁽ˡ⁾): w_ji^(l) and b_j^(l)."""
    rows, cols = net.W[l].shape
    return ([[f"w{j + 1}{i + 1}^({l})" for i in range(cols)] for j in range(rows)],
            [f"b{j + 1}^({l})" for j in range(rows)])


def tape_gradients(net, x, y):
    """(∂L/∂W, ∂L/∂b as dicts keyed by layer, L) from ``tf.GradientTape`` on ``to_keras(net)``.

    The Keras loss is the built-in matching ``net.loss``, in float64; W⁽ˡ⁾ is the kernel
    transposed, so its gradient is transposed back.
    """
    import keras
    import tensorflow as tf

    model = to_keras(net)
    loss_fn = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
               "mean_squared_error": keras.losses.MeanSquaredError}[net.loss](dtype="float64")
    x = np.asarray(x, np.float64)
    targets = np.asarray(y, np.float64).reshape(len(x), -1)
    with tf.GradientTape() as tape:
        loss = loss_fn(targets, model(x))
    grads = [np.asarray(g) for g in tape.gradient(loss, model.trainable_weights)]
    dW = {l: grads[2 * (l - 1)].T for l in range(1, net.depth + 1)}
    db = {l: grads[2 * l - 1] for l in range(1, net.depth + 1)}
    return dW, db, float(loss)


def gradient_rows(net, trace, tape):
    """One row per parameter: its name, value, our ∂L/∂θ, GradientTape's, and |difference|."""
    dW_tape, db_tape, _ = tape
    rows = []
    for l in range(1, net.depth + 1):
        w_names, b_names = parameter_names(net, l)
        for (j, i), value in np.ndenumerate(net.W[l]):
            rows.append(_row(w_names[j][i], value, trace.backward.dL_dW[l][j, i], dW_tape[l][j, i]))
        for j, value in enumerate(net.b[l]):
            rows.append(_row(b_names[j], value, trace.backward.dL_db[l][j], db_tape[l][j]))
    return rows


def _row(name, value, ours, tape):
    return {"parameter": name, "value": float(value), "∂L/∂θ (ours)": float(ours),
            "∂L/∂θ (GradientTape)": float(tape), "|difference|": abs(float(ours) - float(tape))}


def _fmt(value):
    return f"{value:+.3f}" if abs(value) >= 1e-3 or value == 0 else f"{value:+.1e}"


def phase_labels(net, trace, phase, sample=0):
    """What a diagram shows after ``phase`` ("forward", "error" or "backward") for one sample.

    Returns {"node_values", "node_text", "link_text"}: node colours (a⁽ˡ⁾ in the forward
    and error phases, ∂L/∂a⁽ˡ⁾ scaled to [-1, 1] in the backward phase), the numbers under
    each neuron, and the numbers on each link (w_ji, then ∂L/∂w_ji), links as kernels (n_{l-1}, n_l).
    """
    validation.check_choice("phase", phase, PHASES)
    a = [trace.forward.a[l][sample] for l in range(net.depth + 1)]
    if phase == "backward":
        grads = [trace.backward.dL_da[l][sample] for l in range(net.depth + 1)]
        scale = max(max(float(np.max(np.abs(g))) for g in grads), 1e-12)
        return {"node_values": [g / scale for g in grads],
                "node_text": [[f"∂L/∂{'x' if l == 0 else 'a'} {_fmt(v)}" for v in g]
                              for l, g in enumerate(grads)],
                "link_text": [np.vectorize(_fmt)(trace.backward.dL_dW[l].T) for l in range(1, net.depth + 1)]}
    text = [[f"{v:.3f}" for v in a[0]]]
    text += [[f"z {_fmt(z)}<br>a {a_:.3f}" for z, a_ in zip(trace.forward.z[l][sample], a[l])]
             for l in range(1, net.depth + 1)]
    if phase == "error":
        error = trace.error
        text[-1] = [f"ŷ {a_:.3f}<br>L {error.losses[sample]:.3f}<br>∂L/∂a {_fmt(d)}"
                    for a_, d in zip(a[-1], error.dL_da[sample])]
    return {"node_values": [np.clip(v, -1, 1) for v in a], "node_text": text,
            "link_text": [np.vectorize(_fmt)(net.W[l].T) for l in range(1, net.depth + 1)]}


def pathway_rows(net, trace, layer, i, sample=0):
    """Every pathway from neuron i of ``layer`` to the output, with its chain-rule product.

    The products sum to ∂L/∂a_i (Eq. 3 unrolled); the last row is that sum and backprop's value.
    """
    names = neuron_names(net)
    rows = [{"pathway": " → ".join(names[layer + k][j] for k, j in enumerate(path)) + " → L",
             "chain-rule product": product}
            for path, product in paths_to_output(net, trace, layer, i, sample)]
    total = sum(row["chain-rule product"] for row in rows)
    rows.append({"pathway": f"sum = ∂L/∂{names[layer][i]} (backprop: "
                            f"{trace.backward.dL_da[layer][sample][i]:+.6f})",
                 "chain-rule product": total})
    return rows
