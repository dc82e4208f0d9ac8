"""Deep-learning teaching toolkit: Keras 3 pieces for every chapter of the course notes.

Subpackages follow the chapters of the notes (``toolkit.ffnn``, ``toolkit.optim`` ...);
``toolkit.data`` holds offline datasets, ``toolkit.train`` the fast trainer every demo
page uses and ``toolkit.viz`` the Plotly figure builders. Importing ``toolkit`` itself
is cheap: TensorFlow loads only when a subpackage that needs it is imported.

After ``import toolkit``, ``keras.saving.load_model`` reloads every toolkit model and
layer (their modules are imported on first lookup, see ``toolkit.saving``);
``toolkit.load_model`` also says in one sentence what a file needs that is missing.
"""

from toolkit.saving import load_model, register_on_keras_import

__version__ = "0.1.0"
__all__ = ["load_model"]

register_on_keras_import()
