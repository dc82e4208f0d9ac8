"""Deep-learning teaching toolkit: Keras 3 pieces for every chapter of the course notes.

Subpackages follow the chapters of the notes (``toolkit.ffnn``, ``toolkit.optim`` ...);
``toolkit.data`` holds offline datasets, ``toolkit.train`` the fast trainer every demo
page uses and ``toolkit.viz`` the Plotly figure builders. Importing ``toolkit`` itself
is cheap: TensorFlow loads only when a subpackage that needs it is imported.
"""

__version__ = "0.1.0"
