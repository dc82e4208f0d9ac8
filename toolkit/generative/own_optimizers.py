"""Models that train with their own ``train_step`` and their own optimizer(s), saved with them.

A GAN has two optimizers (D's and G's), CycleGAN two for four networks, an autoencoder
one. Keras's ``compile(optimizer=...)`` knows one optimizer and its compile config would
save none of the others, so such a model mixes in ``OwnOptimizers`` and names its slots:

    class GAN(OwnOptimizers, keras.Model):
        optimizer_networks = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}

Then ``gan.compile(d_opt, g_opt)`` (or by name, or nothing for the defaults) sets
``gan.d_optimizer`` and ``gan.g_optimizer``; ``get_compile_config`` serializes every slot,
and ``keras.saving.load_model`` rebuilds them with their settings and saved state (moments,
iterations). The slot named "optimizer" is Keras's own ``model.optimizer``.
"""

from __future__ import annotations

from typing import ClassVar

import keras


class OwnOptimizers:
    """Mixin (before ``keras.Model``) for models with named optimizer slots (module docstring).

    Class attributes:
        optimizer_networks: slot name -> the attributes (sub-networks) whose trainable
            variables that slot's optimizer updates; ``()`` means the whole model.
    """

    optimizer_networks: ClassVar[dict[str, tuple[str, ...]]] = {"optimizer": ()}

    def default_optimizer(self) -> keras.optimizers.Optimizer:
        """The optimizer of a slot ``compile`` was not given (Adam(1e-3); GANs override it)."""
        return keras.optimizers.Adam(1e-3)

    def compile(self, *optimizers, **kwargs):
        """Sets each slot from `optimizers` (in slot order) or keyword arguments named after slots."""
        slots = tuple(self.optimizer_networks)
        if len(optimizers) > len(slots):
            raise TypeError(f"{type(self).__name__}.compile takes at most {len(slots)} optimizers "
                            f"({', '.join(slots)}), received {len(optimizers)}.")
        chosen = dict(zip(slots, optimizers))
        for slot in slots:
            if slot in kwargs:
                if slot in chosen:
                    raise TypeError(f"`{slot}` was given twice to {type(self).__name__}.compile.")
                chosen[slot] = kwargs.pop(slot)
        chosen = {slot: self.default_optimizer() if chosen.get(slot) is None else keras.optimizers.get(chosen[slot])
                  for slot in slots}
        super().compile(optimizer=chosen.pop("optimizer", None), **kwargs)
        for slot, optimizer in chosen.items():
            setattr(self, slot, optimizer)

    def optimizers(self) -> dict:
        """Slot name -> its optimizer."""
        return {slot: getattr(self, slot) for slot in self.optimizer_networks}

    def optimizer_variables(self, slot: str) -> list:
        networks = self.optimizer_networks[slot]
        if not networks:
            return self.trainable_variables
        return [v for name in networks for v in getattr(self, name).trainable_variables]

    def build_optimizers(self) -> None:
        """Creates every optimizer's variables now: before a saved state loads into them, or
        before a ``tf.while_loop`` traces a step (variables cannot be created inside one).

        Worth calling right after ``compile`` when the networks are built: creating the
        state inside the first traced step is slow (default DCGAN of ``glyph_gan``: its
        first trace took 3.7-4.2 s with lazy optimizer state, 1.5-1.9 s with this first).
        """
        for slot, optimizer in self.optimizers().items():
            optimizer.build(self.optimizer_variables(slot))

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        return {slot: keras.optimizers.serialize(optimizer) for slot, optimizer in self.optimizers().items()}

    def compile_from_config(self, config):
        self.compile(**{slot: keras.optimizers.deserialize(config[slot]) for slot in self.optimizer_networks})
        self.build_optimizers()  # so the saved optimizer state (moments, iterations) loads
