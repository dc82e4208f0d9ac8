"""Chapter 8 of the course notes: from dilated convolutions to transformers.

Dilated causal convolutions and the temporal convolutional network (``tcn``), convolutional
seq2seq with attention (``convs2s``), scaled dot-product and multi-head attention, sinusoidal
positional encoding and the encoder-decoder transformer (``attention``, ``transformer``), the
vision transformer and the Swin transformer (``vision``), with ``lab`` for the chapter's page.
"""
