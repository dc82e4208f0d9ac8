"""The optimizer race: several update rules train the same network on the same batches.

A race is fair only when the runs differ in nothing but the optimizer: every entrant gets
the same initial weights and the same batch order (``toolkit.train.compare``). After the
race, the adaptive methods show how far their per-parameter step sizes have spread:

    (1) Adagrad, RMSProp:  eta_i = eta / sqrt(delta + r_i)          (optimizers.py Eqs. 8, 10)
    (2) Adam:              eta_i = eta / (sqrt(r^_i) + delta)        (optimizers.py Eq. 14)

An ``OptimizerChoice`` names one entrant: an optimizer of ``OPTIMIZERS``, the
hyperparameters its update rule uses, and whether the from-scratch class or the matching
``keras.optimizers`` built-in runs it. The same choices drive the 2-D loss-surface lab.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toolkit.config import Config, setting
from toolkit.optim.networks import compile_classifier, mlp_classifier
from toolkit.optim.optimizers import OPTIMIZERS, UPDATE_RULES, effective_learning_rates, keras_builtin

# The hyperparameters each update rule reads (names as in the optimizers' constructors).
HYPERPARAMETERS = {
    "SGD": ("learning_rate",),
    "Momentum": ("learning_rate", "momentum"),
    "Nesterov": ("learning_rate", "momentum"),
    "Adagrad": ("learning_rate",),
    "RMSProp": ("learning_rate", "rho"),
    "Adam": ("learning_rate", "beta_1", "beta_2"),
}
ADAPTIVE = ("Adagrad", "RMSProp", "Adam")
SYMBOLS = {"learning_rate": "η", "momentum": "α", "rho": "ρ", "beta_1": "β₁", "beta_2": "β₂"}


@dataclasses.dataclass(frozen=True)
class OptimizerChoice:
    """One entrant: ``OPTIMIZERS[name](**hyperparameters)``, or its Keras built-in.

    Attributes:
        name: a key of ``OPTIMIZERS`` ("SGD", "Momentum", "Nesterov", "Adagrad",
            "RMSProp", "Adam").
        hyperparameters: keyword arguments of that optimizer (``HYPERPARAMETERS[name]``).
        builtin: run ``keras_builtin(name, **hyperparameters)`` instead of the toolkit class.
    """

    name: str
    hyperparameters: dict = dataclasses.field(default_factory=dict)
    builtin: bool = False

    def __post_init__(self):
        if self.name not in OPTIMIZERS:
            raise ValueError(f"`name` must be one of {', '.join(OPTIMIZERS)}, "
                             f"received name={self.name!r}.")
        unknown = set(self.hyperparameters) - set(HYPERPARAMETERS[self.name])
        if unknown:
            raise ValueError(f"{self.name} takes {', '.join(HYPERPARAMETERS[self.name])}, "
                             f"received {', '.join(sorted(unknown))}.")

    @property
    def label(self) -> str:
        """"Adam" or "Adam (Keras)"."""
        return self.name + (" (Keras)" if self.builtin else "")

    def describe(self) -> str:
        """The hyperparameters in the notes' symbols: "η=0.01, α=0.9"."""
        return ", ".join(f"{SYMBOLS[k]}={v:g}" for k, v in self.hyperparameters.items())

    def build(self):
        """A fresh optimizer. The toolkit class validates the values either way, so a bad
        learning rate, ρ or β gets the same clear message for the built-in too."""
        ours = OPTIMIZERS[self.name](**self.hyperparameters)
        return keras_builtin(self.name, **self.hyperparameters) if self.builtin else ours


def optimizer_choice(name: str, learning_rate: float, *, momentum: float = 0.9,
                     rho: float = 0.9, beta_1: float = 0.9, beta_2: float = 0.999,
                     builtin: bool = False) -> OptimizerChoice:
    """The choice for ``name`` keeping only the hyperparameters its rule uses."""
    offered = {"learning_rate": learning_rate, "momentum": momentum, "rho": rho,
               "beta_1": beta_1, "beta_2": beta_2}
    if name not in HYPERPARAMETERS:
        raise ValueError(f"`name` must be one of {', '.join(OPTIMIZERS)}, received name={name!r}.")
    return OptimizerChoice(name, {k: offered[k] for k in HYPERPARAMETERS[name]}, builtin)


RACE_DATASETS = {"digits": {"size": 8}, "glyphs": {"n": 3000, "size": 16}}
LEARNING_RATES = {"SGD": 0.05, "Momentum": 0.05, "Nesterov": 0.05, "Adagrad": 0.05,
                  "RMSProp": 0.001, "Adam": 0.001}


def _learning_rate(name: str):
    return setting(LEARNING_RATES[name], lo=1e-5, hi=10.0, step=0.001, label=f"{name}: η")


class ChosenOptimizers:
    """Mixin of the configs that race optimizers: fields `optimizers`, `lr_<name>` for each
    optimizer, `momentum`, `rho`, `beta1`, `beta2` and `keras` become the entrants."""

    def choices(self) -> list[OptimizerChoice]:
        """One entrant per chosen optimizer, with the hyperparameters its rule reads."""
        return [optimizer_choice(name, getattr(self, f"lr_{name.lower()}"), momentum=self.momentum,
                                 rho=self.rho, beta_1=self.beta1, beta_2=self.beta2, builtin=self.keras)
                for name in self.optimizers]


@dataclasses.dataclass(frozen=True)
class RaceConfig(ChosenOptimizers, Config):
    """Every setting of the optimizer race, with its bounds (field names are the page's URL names)."""

    optimizers: tuple = setting(("SGD", "Momentum", "RMSProp", "Adam"), choices=tuple(OPTIMIZERS),
                                min_count=1, label="Optimizers", formula=UPDATE_RULES)
    dataset: str = setting("digits", choices=tuple(RACE_DATASETS), label="Dataset",
                           help="digits: 1,797 scanned 8x8 digits; glyphs: 3,000 generated 16x16 characters.")
    epochs: int = setting(8, lo=1, hi=200, widget="number", label="Epochs")  # the order of the curves is set by then
    lr_sgd: float = _learning_rate("SGD")
    lr_momentum: float = _learning_rate("Momentum")
    lr_nesterov: float = _learning_rate("Nesterov")
    lr_adagrad: float = _learning_rate("Adagrad")
    lr_rmsprop: float = _learning_rate("RMSProp")
    lr_adam: float = _learning_rate("Adam")
    momentum: float = setting(0.9, lo=0.0, hi=0.999, step=0.05, label="Momentum, Nesterov: α")
    rho: float = setting(0.9, lo=0.0, hi=0.999, step=0.05, label="RMSProp: ρ")
    beta1: float = setting(0.9, lo=0.0, hi=0.999, step=0.05, label="Adam: β₁")
    beta2: float = setting(0.999, lo=0.0, hi=0.9999, step=0.001, label="Adam: β₂")
    batch: int = setting(32, lo=1, hi=512, widget="number", label="Batch size")
    width: int = setting(64, lo=4, hi=256, step=4, widget="number", label="Hidden units")
    keras: bool = setting(False, widget="toggle", label="Keras built-ins",
                          help="Train with keras.optimizers instead of the toolkit's from-scratch classes.")


def run_race(config: RaceConfig, data=None, *, callbacks=(), stop=None) -> dict:
    """The race of `config`: ``optimizer_race`` with its network, on `data` or its dataset."""
    from toolkit.data import load

    data = data if data is not None else load(config.dataset, **RACE_DATASETS[config.dataset])
    return optimizer_race(config.choices(), data, epochs=config.epochs, batch_size=config.batch,
                          hidden=(config.width,), callbacks=callbacks, stop=stop)


def unique_labels(choices) -> list[str]:
    """One label per choice; repeated labels get their hyperparameters appended."""
    labels = [choice.label for choice in choices]
    return [f"{label} ({choice.describe()})" if labels.count(label) > 1 else label
            for label, choice in zip(labels, choices)]


def _check_choices(choices) -> list[OptimizerChoice]:
    choices = list(choices)
    if not choices or not all(isinstance(c, OptimizerChoice) for c in choices):
        raise ValueError("Pick at least one optimizer: `choices` must hold OptimizerChoice "
                         f"entrants, received {choices!r}.")
    for choice in choices:
        choice.build()  # validates every hyperparameter before anything trains
    return choices


def race_builders(choices, input_shape, num_classes: int, hidden=(64,),
                  activation: str = "relu") -> dict:
    """label -> function returning the race's network compiled with that optimizer."""
    def builder(choice):
        return lambda: compile_classifier(
            mlp_classifier(input_shape, num_classes, hidden, activation), choice.build())

    choices = _check_choices(choices)
    return {label: builder(choice) for label, choice in zip(unique_labels(choices), choices)}


def optimizer_race(choices, data, *, epochs: int = 20, batch_size: int = 32, seed: int = 0,
                   hidden=(64,), activation: str = "relu", callbacks=(), stop=None) -> dict:
    """Trains the network once per choice from identical weights and batches.

    Args:
        choices: ``OptimizerChoice`` entrants (labels must end up distinct; repeated
            optimizers get their hyperparameters in the label).
        data: a ``toolkit.data.Dataset`` with a classification task (digits, glyphs ...);
            its test split is the validation data.
        epochs, batch_size, seed, callbacks, stop: as in ``toolkit.train.compare``.
        hidden, activation: the network (``mlp_classifier``).

    Returns:
        label -> ``toolkit.train.Run``, in the order of ``choices``; each run's config
        records the dataset spec, the network and the choice.
    """
    from toolkit.train import compare

    if getattr(data, "task", None) != "classification":
        raise ValueError("`data` must be a classification Dataset (e.g. toolkit.data.load"
                         f"('digits')), received {type(data).__name__}.")
    builders = race_builders(choices, data.input_shape, data.num_classes, hidden, activation)
    return compare(builders, data, epochs=epochs, batch_size=batch_size, seed=seed,
                   callbacks=callbacks, stop=stop,
                   config={"dataset": data.spec, "hidden": list(hidden), "activation": activation})


def race_table(runs: dict, choices=None) -> list[dict]:
    """One row per run: optimizer, hyperparameters, status, final losses and accuracies."""
    described = dict(zip(unique_labels(choices), choices)) if choices else {}
    rows = []
    for label, run in runs.items():
        choice = described.get(label)
        row = {"optimizer": label, "hyperparameters": choice.describe() if choice else "",
               "status": run.status, "epochs": run.epochs_done}
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            if key in run.history:
                row[key] = float(f"{run.final(key):.4g}")
        row["wall time (s)"] = round(run.wall_time, 2)
        rows.append(row)
    return rows


def race_messages(runs: dict) -> list[str]:
    """One sentence per run that diverged (NaN or inf) or whose training loss did not fall."""
    messages = []
    for label, run in runs.items():
        loss = np.asarray(run.history.get("loss", []), dtype=float)
        classes = getattr(run.model, "output_shape", (None, 0))[-1] or 0
        chance = np.log(classes) if classes >= 2 else np.inf  # uniform guessing: ln K
        if run.status == "diverged":
            messages.append(f"{label} diverged: {run.message}")
        elif len(loss) and ((len(loss) > 1 and loss[-1] >= loss[0]) or loss[-1] >= chance):
            messages.append(f"{label} did not learn: its training loss went from {loss[0]:.3g} "
                            f"in the first epoch to {loss[-1]:.3g} (guessing uniformly gives "
                            f"{chance:.3g}). Its steps are too large or too small for this "
                            "update rule: try another learning rate.")
    return messages


def race_learning_rates(runs: dict) -> dict[str, np.ndarray]:
    """label -> per-parameter effective learning rates (Eqs. 1-2) of the adaptive runs.

    Only toolkit Adagrad, RMSProp and Adam runs that took at least one step are included:
    SGD and momentum give every parameter the same eta, and the Keras built-ins keep their
    state in other slot names.
    """
    rates = {}
    for label, run in runs.items():
        optimizer = getattr(run.model, "optimizer", None)
        if type(optimizer).__name__ in ADAPTIVE and type(optimizer) is OPTIMIZERS.get(
                type(optimizer).__name__) and optimizer.built:
            rates[label] = effective_learning_rates(optimizer)
    return rates
