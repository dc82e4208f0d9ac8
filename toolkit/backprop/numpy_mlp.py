"""Backpropagation by hand, in NumPy and in the notes' notation.

Layer 0 is the input and layer L the output; i and j index neurons of layers l−1 and l,
and w_ji⁽ˡ⁾ is the weight of the edge from neuron i of layer l−1 to neuron j of layer l.
Learning a step has the three phases of the notes:

    (1) forward propagation   z_j⁽ˡ⁾ = Σ_i w_ji⁽ˡ⁾ a_i⁽ˡ⁻¹⁾ + b_j⁽ˡ⁾,   a_j⁽ˡ⁾ = h(z_j⁽ˡ⁾),   a⁽⁰⁾ = x
    (2) error estimation      L = (1/B) Σ_b ℓ(a_b⁽ᴸ⁾, y_b)   and its sensitivity ∂L/∂a⁽ᴸ⁾
    (3) backward propagation, summing the chain rule over every pathway through layer l:
            ∂L/∂a_i⁽ˡ⁻¹⁾ = Σ_j ∂z_j⁽ˡ⁾/∂a_i⁽ˡ⁻¹⁾ · ∂a_j⁽ˡ⁾/∂z_j⁽ˡ⁾ · ∂L/∂a_j⁽ˡ⁾
                        = Σ_j w_ji⁽ˡ⁾ h'(z_j⁽ˡ⁾) ∂L/∂a_j⁽ˡ⁾
    (4) error signal          δ_j⁽ˡ⁾ = ∂L/∂z_j⁽ˡ⁾ = h'(z_j⁽ˡ⁾) ∂L/∂a_j⁽ˡ⁾
    (5) gradients             ∂L/∂w_ji⁽ˡ⁾ = Σ_b δ_j⁽ˡ⁾ a_i⁽ˡ⁻¹⁾,   ∂L/∂b_j⁽ˡ⁾ = Σ_b δ_j⁽ˡ⁾
    (6) gradient descent      w ← w − η ∂L/∂w

Symbols -> variables (dicts keyed by the layer number l, arrays with a batch axis B first):

    w_ji⁽ˡ⁾ -> net.W[l][j, i]  (W[l] has shape (n_l, n_{l−1}))    b_j⁽ˡ⁾ -> net.b[l][j]
    z_j⁽ˡ⁾  -> forward.z[l][:, j]        a_i⁽ˡ⁾ -> forward.a[l][:, i]
    δ_j⁽ˡ⁾  -> backward.delta[l][:, j]   ∂L/∂a_i⁽ˡ⁾ -> backward.dL_da[l][:, i]
    ∂L/∂w_ji⁽ˡ⁾ -> backward.dL_dW[l][j, i]

Hidden layers use ``net.activation`` and the output layer ``net.output``. Everything is
float64 so that gradients can be checked against central finite differences.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from toolkit import validation


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# name -> (h, h'), the NumPy twins of toolkit.ffnn.activations
ACTIVATIONS = {
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(z.dtype)),
    "linear": (lambda z: z, np.ones_like),
}
KERAS_ACTIVATIONS = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "linear": None}


def _bce(a, y):
    a = np.clip(a, 1e-15, 1.0 - 1e-15)
    return -np.mean(y * np.log(a) + (1.0 - y) * np.log(1.0 - a), axis=-1)


def _d_bce(a, y):
    a = np.clip(a, 1e-15, 1.0 - 1e-15)
    return (a - y) / (a * (1.0 - a) * a.shape[-1])


# name -> (ℓ per sample, ∂ℓ/∂a⁽ᴸ⁾ per sample), the NumPy twins of toolkit.ffnn.losses
LOSSES = {
    "binary_crossentropy": (_bce, _d_bce),
    "mean_squared_error": (lambda a, y: np.mean((a - y) ** 2, axis=-1),
                           lambda a, y: 2.0 * (a - y) / a.shape[-1]),
}


@dataclasses.dataclass
class Network:
    """The parameters W⁽ˡ⁾, b⁽ˡ⁾ (l = 1..L) and the choice of h, output unit and loss."""

    W: dict
    b: dict
    activation: str = "tanh"
    output: str = "sigmoid"
    loss: str = "binary_crossentropy"

    @property
    def depth(self):
        """L, the number of layers with weights."""
        return len(self.W)

    @property
    def sizes(self):
        """(n_0, n_1, ..., n_L)."""
        return (self.W[1].shape[1],) + tuple(self.W[l].shape[0] for l in range(1, self.depth + 1))

    @property
    def num_parameters(self):
        return sum(self.W[l].size + self.b[l].size for l in self.W)

    def h(self, l):
        """(h, h') of layer l: ``activation`` for hidden layers, ``output`` for layer L."""
        return ACTIVATIONS[self.output if l == self.depth else self.activation]


def init_network(sizes=(2, 3, 2, 1), activation="tanh", output="sigmoid", loss=None, seed=0):
    """A network with Glorot-uniform weights and zero biases (as ``keras.layers.Dense``).

    ``loss`` defaults to binary cross-entropy for a sigmoid output, else to MSE.
    """
    if not (isinstance(sizes, (list, tuple)) and len(sizes) >= 2):
        raise ValueError(f"`sizes` must list at least 2 positive layer sizes (n_0, ..., n_L), "
                         f"received sizes={sizes!r}.")
    sizes = tuple(validation.check_positive_int(f"sizes[{l}]", n) for l, n in enumerate(sizes))
    validation.check_choice("activation", activation, ACTIVATIONS)
    validation.check_choice("output", output, ACTIVATIONS)
    loss = loss or ("binary_crossentropy" if output == "sigmoid" else "mean_squared_error")
    validation.check_choice("loss", loss, LOSSES)
    seed = validation.check_seed(seed)
    rng = np.random.default_rng(seed)
    W, b = {}, {}
    for l in range(1, len(sizes)):
        limit = np.sqrt(6.0 / (sizes[l - 1] + sizes[l]))
        W[l] = rng.uniform(-limit, limit, size=(sizes[l], sizes[l - 1]))  # (n_l, n_{l−1})
        b[l] = np.zeros(sizes[l])
    return Network(W, b, activation, output, loss)


# -- (1) forward propagation -----------------------------------------------------------
@dataclasses.dataclass
class Forward:
    """z[l] (l = 1..L) and a[l] (l = 0..L), each (B, n_l)."""

    z: dict
    a: dict


def forward_propagation(net, x, nudge=None):
    """Eq. 1 layer by layer. ``nudge`` {l: array} is added to a⁽ˡ⁾ (used to perturb activations)."""
    nudge = nudge or {}
    a = {0: np.asarray(x, dtype=np.float64) + nudge.get(0, 0.0)}
    z = {}
    for l in range(1, net.depth + 1):
        h, _ = net.h(l)
        # Eq. 1: z_j = Σ_i w_ji a_i + b_j for every sample: (B, n_{l−1}) @ (n_{l−1}, n_l)
        z[l] = a[l - 1] @ net.W[l].T + net.b[l]
        # Eq. 1: a_j = h(z_j)
        a[l] = h(z[l]) + nudge.get(l, 0.0)
    return Forward(z, a)


# -- (2) error estimation --------------------------------------------------------------
@dataclasses.dataclass
class Error:
    """Per-sample losses ℓ_b (B,), their mean L and ∂L/∂a⁽ᴸ⁾ (B, n_L)."""

    losses: np.ndarray
    loss: float
    dL_da: np.ndarray


def _targets(y, a_L):
    return np.asarray(y, dtype=np.float64).reshape(a_L.shape)  # (B,) -> (B, n_L)


def error_estimation(net, a_L, y):
    """Eq. 2: compares the predictions a⁽ᴸ⁾ with the labels y."""
    loss_fn, d_loss_fn = LOSSES[net.loss]
    y = _targets(y, a_L)
    losses = loss_fn(a_L, y)
    # Eq. 2: L is a mean over the B samples, so each sample's sensitivity carries 1/B
    return Error(losses, float(np.mean(losses)), d_loss_fn(a_L, y) / len(a_L))


# -- (3) backward propagation ----------------------------------------------------------
@dataclasses.dataclass
class Backward:
    """dL_da[l] (l = 0..L), delta[l], dL_dW[l], dL_db[l] (l = 1..L)."""

    dL_da: dict
    delta: dict
    dL_dW: dict
    dL_db: dict


def backward_propagation(net, forward, error):
    """Eqs. 3-5 from layer L down to layer 1."""
    dL_da, delta, dL_dW, dL_db = {net.depth: error.dL_da}, {}, {}, {}
    for l in range(net.depth, 0, -1):
        _, d_h = net.h(l)
        # Eq. 4: δ_j = h'(z_j) ∂L/∂a_j
        delta[l] = d_h(forward.z[l]) * dL_da[l]
        # Eq. 5: ∂L/∂w_ji = Σ_b δ_j a_i, ∂L/∂b_j = Σ_b δ_j   -> (n_l, n_{l−1}), (n_l,)
        dL_dW[l] = delta[l].T @ forward.a[l - 1]
        dL_db[l] = delta[l].sum(axis=0)
        # Eq. 3: ∂L/∂a_i⁽ˡ⁻¹⁾ = Σ_j w_ji h'(z_j) ∂L/∂a_j   -> (B, n_{l−1})
        dL_da[l - 1] = delta[l] @ net.W[l]
    return Backward(dL_da, delta, dL_dW, dL_db)


@dataclasses.dataclass
class Trace:
    """Every intermediate of one step: the forward pass, the error and the backward pass."""

    forward: Forward
    error: Error
    backward: Backward

    @property
    def gradients(self):
        """(∂L/∂W, ∂L/∂b) as dicts keyed by layer."""
        return self.backward.dL_dW, self.backward.dL_db


def backprop(net, x, y):
    """The three phases (Eqs. 1-5) on a batch; returns the full ``Trace``."""
    forward = forward_propagation(net, x)
    error = error_estimation(net, forward.a[net.depth], y)
    return Trace(forward, error, backward_propagation(net, forward, error))


# -- the chain rule, one pathway at a time ----------------------------------------------
def pathway_terms(net, trace, l):
    """The terms of Eq. 3 for layer l: [b, j, i] = w_ji⁽ˡ⁾ h'(z_j⁽ˡ⁾) ∂L/∂a_j⁽ˡ⁾, (B, n_l, n_{l−1}).

    Summing over j (axis 1) gives ∂L/∂a_i⁽ˡ⁻¹⁾.
    """
    _, d_h = net.h(l)
    local = d_h(trace.forward.z[l]) * trace.backward.dL_da[l]  # (B, n_l)
    return local[:, :, None] * net.W[l][None, :, :]


def paths_to_output(net, trace, layer, i, sample=0):
    """Every pathway from neuron i of ``layer`` to the output, with its chain-rule product.

    Returns [(path, product)], path = (i, j_{layer+1}, ..., j_L); the products sum to
    ∂L/∂a_i⁽ˡᵃʸᵉʳ⁾ of sample ``sample`` (Eq. 3 unrolled over all later layers).
    """
    local = {l: net.h(l)[1](trace.forward.z[l][sample]) for l in range(layer + 1, net.depth + 1)}
    sensitivity = trace.error.dL_da[sample]
    later = [range(n) for n in net.sizes[layer + 1:]]
    paths = []
    for rest in itertools.product(*later):
        path = (i, *rest)
        product = sensitivity[path[-1]]
        for step, l in enumerate(range(layer + 1, net.depth + 1)):
            j, k = path[step + 1], path[step]
            # Eq. 3: ∂z_j/∂a_k · ∂a_j/∂z_j = w_jk h'(z_j)
            product *= net.W[l][j, k] * local[l][j]
        paths.append((path, float(product)))
    return paths


# -- gradient descent and checks --------------------------------------------------------
def loss_value(net, x, y):
    """L for the network on a batch (one forward pass)."""
    forward = forward_propagation(net, x)
    return error_estimation(net, forward.a[net.depth], y).loss


def parameters_vector(net):
    """All parameters as one vector θ = (W⁽¹⁾, b⁽¹⁾, ..., W⁽ᴸ⁾, b⁽ᴸ⁾)."""
    return np.concatenate([np.concatenate([net.W[l].ravel(), net.b[l]]) for l in sorted(net.W)])


def gradients_vector(dL_dW, dL_db):
    """The gradient in the order of ``parameters_vector``."""
    return np.concatenate([np.concatenate([dL_dW[l].ravel(), dL_db[l]]) for l in sorted(dL_dW)])


def with_parameters(net, theta):
    """A copy of ``net`` whose parameters are the vector ``theta``."""
    W, b, start = {}, {}, 0
    for l in sorted(net.W):
        n_w, n_b = net.W[l].size, net.b[l].size
        W[l] = theta[start:start + n_w].reshape(net.W[l].shape)
        b[l] = theta[start + n_w:start + n_w + n_b].copy()
        start += n_w + n_b
    return dataclasses.replace(net, W=W, b=b)


def numerical_gradient(net, x, y, eps=1e-6):
    """Central differences (L(θ + ε e_k) − L(θ − ε e_k)) / 2ε for every parameter k."""
    theta = parameters_vector(net)
    grad = np.empty_like(theta)
    for k in range(theta.size):
        step = np.zeros_like(theta)
        step[k] = eps
        grad[k] = (loss_value(with_parameters(net, theta + step), x, y)
                   - loss_value(with_parameters(net, theta - step), x, y)) / (2.0 * eps)
    return grad


def gradient_check(net, x, y, eps=1e-6):
    """Relative error ‖g_bp − g_fd‖ / (‖g_bp‖ + ‖g_fd‖) between backprop and central differences."""
    g_bp = gradients_vector(*backprop(net, x, y).gradients)
    g_fd = numerical_gradient(net, x, y, eps)
    return float(np.linalg.norm(g_bp - g_fd) / max(np.linalg.norm(g_bp) + np.linalg.norm(g_fd), 1e-300))


def gradient_descent_step(net, dL_dW, dL_db, lr):
    """Eq. 6: one step against the gradient."""
    W = {l: net.W[l] - lr * dL_dW[l] for l in net.W}
    b = {l: net.b[l] - lr * dL_db[l] for l in net.b}
    return dataclasses.replace(net, W=W, b=b)


def gradient_descent(net, x, y, lr=0.5, steps=100):
    """Full-batch gradient descent with backprop; returns (trained net, losses before each step)."""
    losses = []
    for _ in range(steps):
        trace = backprop(net, x, y)
        losses.append(trace.error.loss)
        net = gradient_descent_step(net, *trace.gradients, lr)
    return net, np.array(losses)


# -- the same network in Keras ----------------------------------------------------------
def to_keras(net, dtype="float64"):
    """A ``keras.Sequential`` of ``Dense`` layers with the same weights (kernel = W⁽ˡ⁾ᵀ)."""
    import keras

    layers = [keras.Input((net.sizes[0],), dtype=dtype)]
    for l in range(1, net.depth + 1):
        name = net.output if l == net.depth else net.activation
        layers.append(keras.layers.Dense(net.sizes[l], activation=KERAS_ACTIVATIONS[name], dtype=dtype))
    model = keras.Sequential(layers)
    model.set_weights([w for l in range(1, net.depth + 1) for w in (net.W[l].T, net.b[l])])
    return model


def from_keras(model, activation="tanh", output="sigmoid", loss=None):
    """The ``Network`` of a Sequential of Dense layers (W⁽ˡ⁾ = kernelᵀ)."""
    weights = [np.asarray(w, dtype=np.float64) for w in model.get_weights()]
    W = {l: weights[2 * (l - 1)].T.copy() for l in range(1, len(weights) // 2 + 1)}
    b = {l: weights[2 * (l - 1) + 1].copy() for l in range(1, len(weights) // 2 + 1)}
    loss = loss or ("binary_crossentropy" if output == "sigmoid" else "mean_squared_error")
    return Network(W, b, activation, output, loss)
