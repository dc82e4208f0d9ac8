"""Chapters 5 (end) and 11: vision and language in one embedding space, and large multimodal models in miniature.

Image-text contrastive training and what is built on it:
- ``clip``: CLIP's encoders, symmetric contrastive loss with a learned temperature, zero-shot
  classification from prompts, prompt ensembling, retrieval and recall@k.
- ``prompts``: prompt learning on a frozen CLIP, CoOp (learned context) and CoCoOp (context
  conditioned on each image by a Meta-Net).
- ``knowledge``: K-LITE, concepts described by a knowledge source, at evaluation and in training.
- ``lab``: the CLIP page's configs and runs on the shapes scenes.
- ``fine_grained``, ``filip``, ``stair``: FILIP's token-wise similarity, STAIR's sparse vocabulary embedding.
- ``flip``: FLIP, CLIP reading a random subset of the patches while it trains.
- ``imagebind``: a third modality bound to CLIP's space through images alone.
- ``coca``, ``coca_lab``: CoCa's contrastive and captioning losses, SimVLM's prefix language modelling.

Training an image encoder without text:
- ``masked``: the masked autoencoder (MAE); ``beit``: BEiT's masked visual-token prediction and its VQ-VAE
  tokenizer; ``mae_lab``: their page, linear probes and the supervised bound.
- ``dino``: DINO's student, EMA teacher, centring and sharpening, multi-crop (no page yet).

LLMs as an interface:
- ``language``: the shapes' small pretrained language model; ``flamingo``: the Perceiver Resampler and the
  gated cross-attention block; ``interface``, ``interface_lab``: Frozen and Flamingo-mini answering questions.
"""
