"""Chapter 7 of the course notes: sequence models.

Attention for seq2seq (``attention``: additive and local), decoding (``decoding``: sampling,
greedy, beam search) and BLEU (``bleu``); captioning and seq2seq models come next.
"""
