"""Chapters 5 (end) and 11: vision and language in one embedding space.

- ``clip``: CLIP's encoders, symmetric contrastive loss with a learned temperature, zero-shot
  classification from prompts, prompt ensembling, retrieval and recall@k.
- ``prompts``: prompt learning on a frozen CLIP, CoOp (learned context) and CoCoOp (context
  conditioned on each image by a Meta-Net).
- ``lab``: the CLIP page's configs and runs on the shapes scenes.
"""
