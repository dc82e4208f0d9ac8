"""Chapter 7 of the course notes: sequence models.

Attention for seq2seq (``attention``: additive and local), decoding (``decoding``: sampling,
greedy, beam search), BLEU (``bleu``), and encoder-decoder translators on the dates data
(``seq2seq``: the plain encoder-decoder, Bahdanau and Luong-local attention, with
``run_translation`` for the chapter's page); captioning models come next.
"""
