"""Chapter 6 of the course notes: recurrent networks.

Cells written from scratch as Keras RNN cells (``cells``: vanilla, LSTM, GRU), truncated
backpropagation through time as a training procedure (``bptt``), the gradient of the loss
with respect to every hidden state (``gradients``), and the chapter's lab (``lab``): the
three cells trained side by side on the notes' three task shapes (many-to-one, one-to-many,
many-to-many).
"""
