"""Chapter 7 of the course notes: sequence models.

Attention for seq2seq (``attention``: additive and local), decoding (``decoding``: sampling,
greedy, beam search), BLEU (``bleu``), encoder-decoder translators of dates and of reversed
digit strings (``seq2seq``: the plain encoder-decoder with LSTM or GRU cells, Bahdanau and
Luong-local attention, the GNMT stack, with ``run_translation`` for the chapter's page), and
captioning models on the shapes scenes
(``captioning``: Show and Tell, Show, Attend and Tell with soft or hard attention, with
``run_captioning`` for the page).
"""
