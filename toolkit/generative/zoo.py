"""The GAN zoo at full size: what Progressive GAN, StyleGAN and DragGAN change, as diagrams.

At full size these models need days of GPU training on high-resolution faces. For each, the
notes' one-line summary, what it changes in the GAN recipe, a Graphviz DOT diagram (rendered
by the page with ``st.graphviz_chart``) and the page where its miniature trains on glyphs on a
CPU: ``progan``, ``stylegan`` and ``drag`` (and ``text_gan`` for text-to-image synthesis). The
conditional GAN, pix2pix and CycleGAN are in ``gan`` and ``image_to_image``.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    name: str
    notes: str  # the course notes' sentence
    idea: str  # what changes, in two or three sentences
    diagram: str  # Graphviz DOT
    page: tuple  # (file relative to demos/, title, url_path) of the page that trains its miniature


_STYLE = 'rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#eef4fb", fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10];'

PROGRESSIVE_GAN = ZooEntry(
    name="Progressive GAN (Karras et al., 2018)",
    page=("app_pages/progressive_gan.py", "Progressive GAN", "progressive_gan"),
    notes="Progressive growth of G and D networks. Enable high-quality images.",
    idea=("Training starts with G and D at 4×4 pixels. When that is stable, a new block doubling the "
          "resolution is added to BOTH networks and faded in: its output is blended with the upsampled "
          "old output by a weight α that grows from 0 to 1. Coarse structure is learned first, details "
          "last, which made 1024×1024 faces trainable."),
    diagram="digraph { " + _STYLE + """
  z [label="z", shape=ellipse, fillcolor="#f5f5f5"];
  g4 [label="G block\\n4×4"]; g8 [label="G block\\n8×8"]; g16 [label="G block\\n16×16 (new)", fillcolor="#fde9d9"];
  fade [label="fade-in\\n(1-α)·up(old) + α·new", shape=diamond, fillcolor="#fff8e1"];
  img [label="image 16×16", shape=ellipse, fillcolor="#f5f5f5"];
  d16 [label="D block\\n16×16 (new)", fillcolor="#fde9d9"]; d8 [label="D block\\n8×8"]; d4 [label="D block\\n4×4"];
  score [label="real / fake", shape=ellipse, fillcolor="#f5f5f5"];
  z -> g4 -> g8 -> g16 -> fade; g8 -> fade [label="upsample", style=dashed];
  fade -> img -> d16 -> d8 -> d4 -> score;
}""")

STYLE_GAN = ZooEntry(
    name="StyleGAN (Karras et al., 2019)",
    page=("app_pages/style_gan.py", "StyleGAN", "style_gan"),
    notes="Style GAN: G can capture and manipulate style attributes of images.",
    idea=("z first goes through a mapping network (8 dense layers) to an intermediate latent w, whose "
          "directions are more disentangled. The synthesis network starts from a learned constant; at "
          "every resolution w sets the mean and scale of each feature map (adaptive instance "
          "normalization, AdaIN), and per-pixel noise adds stochastic detail. Feeding different w to "
          "coarse and fine layers mixes styles: pose from one face, colours from another."),
    diagram="digraph { " + _STYLE + """
  z [label="z", shape=ellipse, fillcolor="#f5f5f5"];
  map [label="mapping network\\n8 × Dense"]; w [label="w", shape=ellipse, fillcolor="#f5f5f5"];
  const [label="learned constant\\n4×4×512"];
  s1 [label="conv + AdaIN(w)\\n4×4 (coarse: pose)"]; s2 [label="conv + AdaIN(w)\\n32×32 (middle: features)"];
  s3 [label="conv + AdaIN(w)\\n1024×1024 (fine: colour)"];
  noise [label="per-pixel noise", shape=note, fillcolor="#fff8e1"];
  img [label="image", shape=ellipse, fillcolor="#f5f5f5"];
  z -> map -> w; const -> s1 -> s2 -> s3 -> img;
  w -> s1 [label="style"]; w -> s2 [label="style"]; w -> s3 [label="style"];
  noise -> s1 [style=dashed]; noise -> s2 [style=dashed]; noise -> s3 [style=dashed];
}""")

DRAG_GAN = ZooEntry(
    name="DragGAN (Pan et al., 2023)",
    page=("app_pages/drag_gan.py", "DragGAN", "drag_gan"),
    notes="Drag-GAN: allow interactive editing of images via simple Drag-and-Drop method.",
    idea=("The user clicks handle points on a generated image and drags them to target points. DragGAN "
          "does not retrain anything: it optimises the latent w of a pretrained StyleGAN so that the "
          "generator's feature maps around each handle move one small step towards its target (motion "
          "supervision), then finds where the handle went by nearest-neighbour search in feature space "
          "(point tracking), and repeats until the handles reach their targets."),
    diagram="digraph { " + _STYLE + """
  img [label="generated image G(w)\\nwith handle → target points", shape=ellipse, fillcolor="#f5f5f5"];
  feat [label="StyleGAN feature maps F(w)"];
  motion [label="motion supervision:\\nloss moving F around each handle\\none step towards its target"];
  opt [label="gradient step on w\\n(G's weights frozen)", fillcolor="#fde9d9"];
  track [label="point tracking:\\nnearest feature to the handle's\\noriginal feature → new handle"];
  done [label="handles at targets?", shape=diamond, fillcolor="#fff8e1"];
  img -> feat -> motion -> opt -> track -> done; done -> feat [label="no"];
  done -> out [label="yes"]; out [label="edited image", shape=ellipse, fillcolor="#f5f5f5"];
}""")

ZOO = (PROGRESSIVE_GAN, STYLE_GAN, DRAG_GAN)
