"""The update rules of chapter 3 of the notes, as ``keras.optimizers.Optimizer`` subclasses.

Every optimizer receives ĝ, the gradient estimate of the current batch, and changes the
weights w by one rule. Batch, stochastic and minibatch gradient descent share one rule
(Eq. 1) and differ only in how many samples ĝ averages; momentum adds a velocity v
(Eqs. 2-3), Nesterov evaluates ĝ at the look-ahead point w + αv (Eqs. 4-6); Adagrad,
RMSProp and Adam give every parameter its own step size from running squared gradients r
(Eqs. 7-14). Each class can be passed to ``model.compile`` and saved in ``.keras`` files.

    (1)  w <- w - eta * g                                       SGD (batch, stochastic, minibatch)
    (2)  v <- alpha * v - eta * g                               momentum: velocity
    (3)  w <- w + v                                             momentum: parameters
    (4)  w~ <- w + alpha * v,   g = grad L(w~)                  Nesterov: look-ahead point
    (5)  v <- alpha * v - eta * g                               Nesterov: velocity
    (6)  w <- w + v                                             Nesterov: parameters
    (7)  r <- r + g * g                                         Adagrad: accumulate
    (8)  w <- w - eta / sqrt(delta + r) * g                     Adagrad: parameters
    (9)  r <- rho * r + (1 - rho) * g * g                       RMSProp: running average
    (10) w <- w - eta / sqrt(delta + r) * g                     RMSProp: parameters
    (11) s <- rho1 * s + (1 - rho1) * g                         Adam: first moment
    (12) r <- rho2 * r + (1 - rho2) * g * g                     Adam: second moment
    (13) s^ = s / (1 - rho1^t),   r^ = r / (1 - rho2^t)         Adam: bias correction
    (14) w <- w - eta * s^ / (sqrt(r^) + delta)                 Adam: parameters

    (4') theta = w + alpha * v  (stored instead of w),  g = grad L(theta)
    (5') v <- alpha * v - eta * g
    (6') theta <- theta + alpha * v - eta * g                   Nesterov as Keras stores it

Symbols -> arguments: eta = ``learning_rate``, alpha = ``momentum``, rho = ``rho``,
rho1 = ``beta_1``, rho2 = ``beta_2``, delta = ``epsilon``, g = ĝ = ``gradient``,
t = ``self.iterations + 1`` (the step being taken). The argument names are those of the
Keras built-ins, so ``keras_builtin(name, **optimizer.get_config())`` builds the built-in
that a page shows when "Keras built-in" is toggled on.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from toolkit import validation

LearningRateSchedule = keras.optimizers.schedules.LearningRateSchedule


# -- argument validation ------------------------------------------------------------
def _learning_rate(learning_rate):
    """eta > 0, or a schedule (``toolkit.validation`` names a bad value)."""
    if isinstance(learning_rate, LearningRateSchedule):
        return learning_rate
    return validation.check_float("learning_rate", learning_rate, 0.0, None, open_low=True,
                                  hint="Pass a positive number or a keras.optimizers.schedules."
                                       "LearningRateSchedule.")


def _positive(name: str, value) -> float:
    """delta > 0 (``epsilon``)."""
    return validation.check_float(name, value, 0.0, None, open_low=True)


# -- the shared base ----------------------------------------------------------------
class _NotesOptimizer(keras.optimizers.Optimizer):
    """Validates ``learning_rate`` and gives each subclass its per-variable slots.

    Keyword arguments other than the ones a subclass names (``name``, ``clipnorm``,
    ``weight_decay`` ...) go to ``keras.optimizers.Optimizer`` unchanged and come back in
    ``get_config`` through ``super().get_config()``.
    """

    def __init__(self, learning_rate, **kwargs):
        super().__init__(learning_rate=_learning_rate(learning_rate), **kwargs)

    def _slot(self, slots, variable):
        return slots[self._get_variable_index(variable)]

    def _cast(self, value, variable):
        return ops.cast(value, variable.dtype)

    def effective_learning_rate(self, variable):
        """The step size each entry of ``variable`` gets now: eta for the SGD family."""
        return ops.full(variable.shape, self._cast(self.learning_rate, variable))


# -- SGD and momentum ---------------------------------------------------------------
@keras.saving.register_keras_serializable(package="toolkit")
class SGD(_NotesOptimizer):
    """Gradient descent, Eq. 1: ``w <- w - eta * g``. Mirrors ``keras.optimizers.SGD()``.

    Batch gradient descent (ĝ averaged over all N training samples), stochastic gradient
    descent (ĝ from one random sample) and minibatch gradient descent (ĝ averaged over B
    samples) are this same rule: they differ only in the batch size that produced ĝ
    (``batch_size=N``, ``1`` or ``B`` in ``fit``), never in the optimizer.

    Args:
        learning_rate: eta > 0, a float or a ``LearningRateSchedule``.
        **kwargs: ``keras.optimizers.Optimizer`` arguments (``name``, ``clipnorm`` ...).
    """

    def __init__(self, learning_rate=0.01, **kwargs):
        super().__init__(learning_rate, **kwargs)

    def update_step(self, gradient, variable, learning_rate):
        lr, g = self._cast(learning_rate, variable), self._cast(gradient, variable)
        # Eq. 1: w <- w - eta * g
        self.assign_sub(variable, ops.multiply(lr, g))


@keras.saving.register_keras_serializable(package="toolkit")
class Momentum(_NotesOptimizer):
    """SGD with momentum, Eqs. 2-3. Mirrors ``keras.optimizers.SGD(momentum=alpha)``.

    The velocity v is an exponentially decaying moving average of negative gradients:
    ``v <- alpha * v - eta * g`` then ``w <- w + v``. Keras writes exactly these two lines,
    so the two optimizers agree step for step (tested to float32 rounding).

    Args:
        learning_rate: eta > 0, a float or a ``LearningRateSchedule``.
        momentum: alpha in [0, 1), the share of the previous velocity kept each step.
        **kwargs: ``keras.optimizers.Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, **kwargs):
        momentum = validation.check_probability("momentum", momentum)
        super().__init__(learning_rate, **kwargs)
        self.momentum = momentum

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.velocities = self.add_optimizer_variables(var_list, "velocity")

    def _update_velocity(self, v, g, lr, variable):
        alpha = self._cast(self.momentum, variable)
        # Eq. 2 / Eq. 5: v <- alpha * v - eta * g
        self.assign(v, ops.subtract(ops.multiply(alpha, v), ops.multiply(lr, g)))

    def update_step(self, gradient, variable, learning_rate):
        lr, g = self._cast(learning_rate, variable), self._cast(gradient, variable)
        v = self._slot(self.velocities, variable)
        self._update_velocity(v, g, lr, variable)
        # Eq. 3: w <- w + v
        self.assign_add(variable, v)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


@keras.saving.register_keras_serializable(package="toolkit")
class Nesterov(Momentum):
    """SGD with Nesterov momentum, Eqs. 4-6. Mirrors ``keras.optimizers.SGD(nesterov=True)``.

    The notes take the gradient at the look-ahead point ``w~ = w + alpha * v`` (Eq. 4).
    A Keras ``update_step`` only receives the gradient at the variable it updates, so,
    as in Sutskever et al. (2013) and Bengio et al. (2013), the variable stores the
    look-ahead point itself, ``theta = w + alpha * v`` (Eq. 4'). Then the gradient Keras
    hands us is the notes' ĝ, and substituting Eqs. 5-6 into
    ``theta_new = w_new + alpha * v_new`` gives the update actually applied:

        theta <- theta - eta * g + alpha * v_new          (Eq. 6')

    This is line for line what ``keras.optimizers.SGD(momentum=alpha, nesterov=True)``
    does, so the two agree step for step, and the notes' w is recovered at any time
    as ``theta - alpha * v`` (``notes_weights``). Since v starts at 0, theta_0 = w_0, and
    at convergence (v -> 0) theta and w coincide. The tests run the notes' Eqs. 4-6
    literally in NumPy and check ``variable == w + alpha * v`` and the velocity slot == v.

    Args:
        learning_rate: eta > 0, a float or a ``LearningRateSchedule``.
        momentum: alpha in [0, 1).
        **kwargs: ``keras.optimizers.Optimizer`` arguments.
    """

    def update_step(self, gradient, variable, learning_rate):
        lr, g = self._cast(learning_rate, variable), self._cast(gradient, variable)
        v = self._slot(self.velocities, variable)
        self._update_velocity(v, g, lr, variable)
        alpha = self._cast(self.momentum, variable)
        # Eq. 6': theta <- theta + alpha * v - eta * g   (theta = w + alpha * v, Eq. 4')
        self.assign_add(variable, ops.subtract(ops.multiply(alpha, v), ops.multiply(lr, g)))

    def notes_weights(self, variable):
        """The notes' w behind the stored look-ahead point: ``w = theta - alpha * v``."""
        v = self._slot(self.velocities, variable)
        return ops.subtract(variable, ops.multiply(self._cast(self.momentum, variable), v))


# -- adaptive learning rates --------------------------------------------------------
class _SquaredGradientOptimizer(_NotesOptimizer):
    """Adagrad and RMSProp: one accumulator r of squared gradients, step eta / sqrt(delta + r).

    The two differ only in how r accumulates (``_accumulate``: Eq. 7 or Eq. 9).
    """

    def __init__(self, learning_rate, epsilon, **kwargs):
        epsilon = _positive("epsilon", epsilon)
        super().__init__(learning_rate, **kwargs)
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.accumulators = self.add_optimizer_variables(var_list, "accumulator")

    def _step_size(self, r, lr, variable):
        # Eq. 8 / Eq. 10: eta / sqrt(delta + r)
        return ops.divide(lr, ops.sqrt(ops.add(r, self._cast(self.epsilon, variable))))

    def update_step(self, gradient, variable, learning_rate):
        lr, g = self._cast(learning_rate, variable), self._cast(gradient, variable)
        r = self._slot(self.accumulators, variable)
        self._accumulate(r, g, variable)
        # Eq. 8 / Eq. 10: w <- w - eta / sqrt(delta + r) * g
        self.assign_sub(variable, ops.multiply(self._step_size(r, lr, variable), g))

    def effective_learning_rate(self, variable):
        lr = self._cast(self.learning_rate, variable)
        return self._step_size(self._slot(self.accumulators, variable), lr, variable)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="toolkit")
class Adagrad(_SquaredGradientOptimizer):
    """Adagrad, Eqs. 7-8. Mirrors ``keras.optimizers.Adagrad``.

    ``r <- r + g * g`` sums every squared gradient seen so far and each parameter steps
    ``eta / sqrt(delta + r)``: parameters with large partial derivatives get small steps.
    The notes put the small constant delta inside the square root, as Keras does.

    Difference from Keras: Keras starts the accumulator at ``initial_accumulator_value``
    (default 0.1) while the notes start r at 0. Since Keras divides by
    ``sqrt(r_keras + eps) = sqrt(sum g^2 + a + eps)``, ``Adagrad(epsilon=a + eps)`` equals
    ``keras.optimizers.Adagrad(initial_accumulator_value=a, epsilon=eps)``; in particular
    ``keras_builtin("Adagrad")`` passes ``initial_accumulator_value=0``, which makes the
    two identical. Both relations are tested (the second against the Keras defaults).

    Args:
        learning_rate: eta > 0, a float or a ``LearningRateSchedule``.
        epsilon: delta > 0, the small constant that avoids division by zero.
        **kwargs: ``keras.optimizers.Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.001, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, epsilon, **kwargs)

    def _accumulate(self, r, g, variable):
        # Eq. 7: r <- r + g * g
        self.assign_add(r, ops.square(g))


@keras.saving.register_keras_serializable(package="toolkit")
class RMSProp(_SquaredGradientOptimizer):
    """RMSProp, Eqs. 9-10. Mirrors ``keras.optimizers.RMSprop(momentum=0, centered=False)``.

    r is a running (exponentially decaying) average of squared gradients instead of
    Adagrad's sum, so old gradients count less and eta does not shrink for ever:
    ``r <- rho * r + (1 - rho) * g * g`` then ``w <- w - eta / sqrt(delta + r) * g``.
    Keras computes the same two lines (delta inside the square root too), so with its
    ``momentum=0`` and ``centered=False`` the two agree step for step; the notes have no
    momentum or centred variant, so this class has neither.

    Args:
        learning_rate: eta > 0, a float or a ``LearningRateSchedule``.
        rho: the decay rate in [0, 1).
        epsilon: delta > 0.
        **kwargs: ``keras.optimizers.Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, **kwargs):
        rho = validation.check_probability("rho", rho)
        super().__init__(learning_rate, epsilon, **kwargs)
        self.rho = rho

    def _accumulate(self, r, g, variable):
        rho = self._cast(self.rho, variable)
        # Eq. 9: r <- rho * r + (1 - rho) * g * g
        self.assign(r, ops.add(ops.multiply(rho, r), ops.multiply(1 - rho, ops.square(g))))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho}


@keras.saving.register_keras_serializable(package="toolkit")
class Adam(_NotesOptimizer):
    """Adam (adaptive moments), Eqs. 11-14. Mirrors ``keras.optimizers.Adam(amsgrad=False)``.

    Momentum's moving average of gradients (first moment s) plus RMSProp's running
    average of squared gradients (second moment r), both divided by ``1 - rho^t`` because
    they start at 0 (bias correction), then ``w <- w - eta * s^ / (sqrt(r^) + delta)``.

    Difference from Keras: Keras folds the bias corrections into the step size,
    ``w <- w - eta * sqrt(1 - rho2^t) / (1 - rho1^t) * s / (sqrt(r) + eps)``, which is
    Eq. 14 with ``delta_t = eps / sqrt(1 - rho2^t)`` (the "epsilon hat" of Kingma & Ba,
    section 2): the same constant is ``1 / sqrt(1 - rho2^t)`` times larger in Keras's
    denominator, about 31x at t = 1 with rho2 = 0.999, tending to 1x as t grows. So
    ``Adam(epsilon=eps / sqrt(1 - beta_2))`` and ``keras.optimizers.Adam(epsilon=eps)``
    take the same first step, and the two agree on every step as eps -> 0 (both are
    tested; the slots s, r hold the same values as Keras's m, v).

    Args:
        learning_rate: eta > 0, a float or a ``LearningRateSchedule``.
        beta_1: rho1 in [0, 1), decay of the first moment.
        beta_2: rho2 in [0, 1), decay of the second moment.
        epsilon: delta > 0.
        **kwargs: ``keras.optimizers.Optimizer`` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 **kwargs):
        beta_1 = validation.check_probability("beta_1", beta_1)
        beta_2 = validation.check_probability("beta_2", beta_2)
        epsilon = _positive("epsilon", epsilon)
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.first_moments, self.second_moments = self.add_optimizer_variables(
            var_list, ["first_moment", "second_moment"])

    def _update_moments(self, s, r, g, variable):
        rho1, rho2 = self._cast(self.beta_1, variable), self._cast(self.beta_2, variable)
        # Eq. 11: s <- rho1 * s + (1 - rho1) * g
        self.assign(s, ops.add(ops.multiply(rho1, s), ops.multiply(1 - rho1, g)))
        # Eq. 12: r <- rho2 * r + (1 - rho2) * g * g
        self.assign(r, ops.add(ops.multiply(rho2, r), ops.multiply(1 - rho2, ops.square(g))))

    def _denominator(self, r, t, variable):
        """sqrt(r^) + delta, the per-parameter divisor of Eq. 14."""
        rho2 = self._cast(self.beta_2, variable)
        # Eq. 13: r^ = r / (1 - rho2^t)   (one scalar reciprocal, then a product)
        r_hat = ops.multiply(r, 1 / (1 - ops.power(rho2, t)))
        # Eq. 14: sqrt(r^) + delta
        return ops.add(ops.sqrt(r_hat), self._cast(self.epsilon, variable))

    def update_step(self, gradient, variable, learning_rate):
        lr, g = self._cast(learning_rate, variable), self._cast(gradient, variable)
        s = self._slot(self.first_moments, variable)
        r = self._slot(self.second_moments, variable)
        t = self._cast(self.iterations + 1, variable)
        self._update_moments(s, r, g, variable)
        # Eq. 13: eta * s^ = s * eta / (1 - rho1^t)
        lr_s_hat = ops.multiply(s, lr / (1 - ops.power(self._cast(self.beta_1, variable), t)))
        # Eq. 14: w <- w - eta * s^ / (sqrt(r^) + delta)
        self.assign_sub(variable, ops.divide(lr_s_hat, self._denominator(r, t, variable)))

    def effective_learning_rate(self, variable):
        """eta / (sqrt(r^) + delta): the step each entry takes along s^ (Eq. 14)."""
        lr = self._cast(self.learning_rate, variable)
        t = self._cast(ops.maximum(self.iterations, 1), variable)
        return ops.divide(lr, self._denominator(self._slot(self.second_moments, variable), t,
                                                variable))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


OPTIMIZERS = {
    "SGD": SGD,
    "Momentum": Momentum,
    "Nesterov": Nesterov,
    "Adagrad": Adagrad,
    "RMSProp": RMSProp,
    "Adam": Adam,
}

# Each update rule in the notes' notation (Eqs. 1-14; δ = epsilon), one step per line, as
# display LaTeX for the pages.
UPDATE_RULES = {
    "SGD": r"\begin{aligned}\text{SGD: }\; & w \leftarrow w - \eta\,\hat g\end{aligned}",
    "Momentum": r"\begin{aligned}\text{Momentum: }\; & v \leftarrow \alpha v - \eta\,\hat g \\"
                r" & w \leftarrow w + v\end{aligned}",
    "Nesterov": r"\begin{aligned}\text{Nesterov: }\; & \hat g = \nabla L(w + \alpha v) \\"
                r" & v \leftarrow \alpha v - \eta\,\hat g \\ & w \leftarrow w + v\end{aligned}",
    "Adagrad": r"\begin{aligned}\text{Adagrad: }\; & r \leftarrow r + \hat g \odot \hat g \\"
               r" & w \leftarrow w - \frac{\eta}{\sqrt{\delta + r}} \odot \hat g\end{aligned}",
    "RMSProp": r"\begin{aligned}\text{RMSProp: }\; & r \leftarrow \rho r + (1 - \rho)\,\hat g \odot \hat g \\"
               r" & w \leftarrow w - \frac{\eta}{\sqrt{\delta + r}} \odot \hat g\end{aligned}",
    "Adam": r"\begin{aligned}\text{Adam: }\; & s \leftarrow \beta_1 s + (1 - \beta_1)\,\hat g \\"
            r" & r \leftarrow \beta_2 r + (1 - \beta_2)\,\hat g \odot \hat g \\"
            r" & \hat s = \frac{s}{1 - \beta_1^t},\; \hat r = \frac{r}{1 - \beta_2^t} \\"
            r" & w \leftarrow w - \eta\,\frac{\hat s}{\sqrt{\hat r} + \delta}\end{aligned}",
}


# -- the "Keras built-in" toggle ----------------------------------------------------
def _keras_momentum(nesterov):
    def build(momentum=0.9, **hp):
        return keras.optimizers.SGD(momentum=float(momentum), nesterov=nesterov, **hp)
    return build


def _keras_adagrad(initial_accumulator_value=0.0, **hp):
    return keras.optimizers.Adagrad(initial_accumulator_value=initial_accumulator_value, **hp)


def _keras_rmsprop(**hp):
    return keras.optimizers.RMSprop(momentum=0.0, centered=False, **hp)


_KERAS_BUILDERS = {
    "SGD": keras.optimizers.SGD,
    "Momentum": _keras_momentum(nesterov=False),
    "Nesterov": _keras_momentum(nesterov=True),
    "Adagrad": _keras_adagrad,
    "RMSProp": _keras_rmsprop,
    "Adam": keras.optimizers.Adam,
}


def keras_builtin(name: str, /, **hp) -> keras.optimizers.Optimizer:
    """The ``keras.optimizers`` object matching ``OPTIMIZERS[name](**hp)``.

    ``hp`` uses the toolkit's argument names (which are Keras's), so
    ``keras_builtin("Adam", **Adam(1e-2).get_config())`` works. Adagrad gets
    ``initial_accumulator_value=0`` (the notes' r_0 = 0) unless ``hp`` says otherwise;
    RMSProp gets ``momentum=0, centered=False``. See each class for the remaining
    differences (Adam's epsilon placement).
    """
    if name not in _KERAS_BUILDERS:
        raise ValueError(f"`name` must be one of {', '.join(_KERAS_BUILDERS)}, "
                         f"received name={name!r}.")
    return _KERAS_BUILDERS[name](**hp)


def effective_learning_rates(optimizer, variables=None) -> np.ndarray:
    """Per-parameter step sizes of ``optimizer`` now, flattened into one array.

    Adagrad and RMSProp: ``eta / sqrt(delta + r)`` (Eqs. 8, 10); Adam: ``eta /
    (sqrt(r^) + delta)``, the step taken along s^ (Eq. 14); SGD, Momentum, Nesterov:
    eta for every parameter. ``variables`` defaults to all the variables the optimizer
    updates; it must have been built (one ``apply_gradients`` or ``fit`` step).
    """
    if not isinstance(optimizer, _NotesOptimizer):
        raise TypeError("`optimizer` must be a toolkit.optim optimizer "
                        f"({', '.join(OPTIMIZERS)}), received {type(optimizer).__name__}.")
    if not optimizer.built:
        raise ValueError("`optimizer` has no state yet: apply at least one step "
                         "(apply_gradients or fit) before asking for its learning rates.")
    variables = optimizer._trainable_variables if variables is None else variables
    rates = [ops.convert_to_numpy(optimizer.effective_learning_rate(v)).ravel()
             for v in variables]
    return np.concatenate(rates) if rates else np.zeros(0, np.float32)
