"""ImageBind on the CLIP page's CLIP: sounds bound to the text only through the images, at several noise levels.

One CLIP trained at ``ClipConfig()`` (the ImageBind page's defaults), then frozen; for each recording noise σ a
sound encoder trained ``BindConfig().bind_epochs`` epochs on (scene, recording) pairs (``toolkit.multimodal.
imagebind``). Printed: the sound encoder's training seconds, zero-shot accuracy on 600 single shapes from the
sound (never paired with a text) and from the image for shape, size and colour prompts, and recall@1/5 on the 500
held-out scenes for sound → image (trained) and sound → caption (emergent).

    python benchmarks/imagebind.py [--noise 0.05 1.0 ...]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from toolkit.multimodal import imagebind, lab  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", type=float, nargs="+", default=[0.05, 0.5, 1.0, 2.0], help="recording noise σ")
    args = parser.parse_args()
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}\n")
    clip = lab.run_clip(imagebind.BindConfig().clip_config())
    print(f"CLIP: {clip.run.epochs_done} epochs in {clip.run.wall_time:.1f} s\n")
    print("| noise σ | train (s) | shape: sound / image | size: sound / image | colour: sound / image | "
          "sound→image R@1 / R@5 | sound→caption R@1 / R@5 |")
    print("|---:|---:|---|---|---|---|---|")
    for noise in args.noise:
        result = imagebind.run_binding(imagebind.BindConfig(bind_noise=noise), clip=clip)
        rows = result.zero_shot()
        recalls = {row["pair"]: row for row in result.recalls()}
        cells = [f"{r['from the sound (emergent)']:.3f} / {r['from the image (CLIP)']:.3f}" for r in rows]
        pairs = [f"{recalls[p]['R@1']:.3f} / {recalls[p]['R@5']:.3f}"
                 for p in ("sound → image (trained)", "sound → caption (emergent)")]
        print(f"| {noise:g} | {result.run.wall_time:.1f} | " + " | ".join(cells + pairs) + " |", flush=True)


if __name__ == "__main__":
    main()
