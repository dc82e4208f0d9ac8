"""Router of the demo app: ``PYTHONPATH=. streamlit run demos/app.py`` (or ``make demo``).

Only navigation lives here. ``PAGES`` lists every page by section, one section per chapter
(or pair of chapters) of the course notes; tests import it to render every page, and the
Home page reads it to link the chapters that have a page. Add a page by adding a row.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run demos/app.py` without PYTHONPATH
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from demos import ui  # noqa: E402  (imported before any page, so two first sessions never race on it)
from demos.ui.server import first_run, guard_keras_reset  # noqa: E402

# The chapters of ../shared/course-notes.txt: number, title, what the notes cover.
CHAPTERS = (
    (1, "Feed-forward neural networks", "cost functions, unit types, activations, depth and width"),
    (2, "Backpropagation", "gradient descent, the chain rule, computational graphs"),
    (3, "Optimization", "batch, stochastic and mini-batch descent, momentum, adaptive rates"),
    (4, "Regularization", "capacity, weight decay, early stopping, dropout"),
    (5, "Convolutional neural networks", "convolutions, pooling, CNN architectures"),
    (6, "Recurrent neural networks", "vanilla RNN, BPTT, LSTM, GRU"),
    (7, "Sequence models", "captioning, seq2seq, attention"),
    (8, "Transformers", "temporal convolutions, self-attention, vision and Swin transformers"),
    (9, "Generative models", "GANs, autoencoders, VAEs, VQ-VAEs"),
    (10, "Diffusion models", "forward and reverse process, text conditioning, stable diffusion"),
    (11, "Large multimodal models", "representation learning from images and text"),
)

# Section title -> pages as (file relative to demos/, title, icon, url_path).
# A section title starting with "N" or "N–M" covers chapters N..M of CHAPTERS.
PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    "Start": [
        ("app_pages/home.py", "Home", ":material/home:", "home"),
        ("app_pages/datasets.py", "Datasets", ":material/dataset:", "datasets"),
        ("app_pages/instructor.py", "Instructor", ":material/school:", "instructor"),
    ],
    "1–2 Feed-forward networks": [
        ("app_pages/playground.py", "Playground", ":material/hub:", "playground"),
        ("app_pages/phi.py", "Choosing φ", ":material/transform:", "phi"),
        ("app_pages/activations.py", "Activations & losses", ":material/show_chart:", "activations"),
        ("app_pages/backprop.py", "Backpropagation", ":material/account_tree:", "backprop"),
    ],
    "3 Optimization": [
        ("app_pages/optimization.py", "Loss surfaces", ":material/landscape:", "optimization"),
        ("app_pages/race.py", "Optimizer race", ":material/sprint:", "race"),
        ("app_pages/minibatch.py", "Batch size", ":material/stacks:", "minibatch"),
        ("app_pages/normalization.py", "Normalization", ":material/equalizer:", "normalization"),
    ],
    "4 Regularization": [
        ("app_pages/regularization.py", "Regularization lab", ":material/tune:", "regularization"),
    ],
    "5 Convolutional networks": [
        ("app_pages/convolutions.py", "Convolutions", ":material/grid_on:", "convolutions"),
        ("app_pages/cnn_architectures.py", "CNN architectures", ":material/layers:", "cnn_architectures"),
        ("app_pages/detection.py", "Detection & segmentation", ":material/center_focus_strong:", "detection"),
    ],
    "6 Recurrent networks": [
        ("app_pages/recurrent.py", "Recurrent networks", ":material/repeat:", "recurrent"),
    ],
    "7 Sequence models": [
        ("app_pages/sequence.py", "Sequence models", ":material/translate:", "sequence"),
    ],
    "8 Transformers": [
        ("app_pages/transformers.py", "Transformers", ":material/join_inner:", "transformers"),
    ],
    "9 Generative models": [
        ("app_pages/gan_lab.py", "GAN lab (2-D)", ":material/scatter_plot:", "gan_lab"),
        ("app_pages/gan_glyphs.py", "GANs on glyphs", ":material/draw:", "gan_glyphs"),
        ("app_pages/gan_variants.py", "GAN losses compared", ":material/compare:", "gan_variants"),
        ("app_pages/image_to_image.py", "Image-to-image translation", ":material/swap_horiz:", "image_to_image"),
        ("app_pages/autoencoders.py", "Autoencoders & VAEs", ":material/compress:", "autoencoders"),
        ("app_pages/generative_comparison.py", "Generative models compared", ":material/balance:",
         "generative_comparison"),
        ("app_pages/progressive_gan.py", "Progressive GAN", ":material/open_in_full:", "progressive_gan"),
        ("app_pages/style_gan.py", "StyleGAN", ":material/palette:", "style_gan"),
        ("app_pages/drag_gan.py", "DragGAN", ":material/pan_tool:", "drag_gan"),
        ("app_pages/text_gan.py", "Text-to-image GAN", ":material/short_text:", "text_gan"),
    ],
    "10 Diffusion models": [
        ("app_pages/diffusion.py", "Diffusion models", ":material/blur_on:", "diffusion"),
        ("app_pages/text_to_image.py", "Text-to-image diffusion", ":material/text_fields:", "text_to_image"),
    ],
    "11 Multimodal models": [
        ("app_pages/clip.py", "CLIP & prompt learning", ":material/image_search:", "clip"),
        ("app_pages/filip.py", "Fine-grained alignment (FILIP)", ":material/join_full:", "filip"),
        ("app_pages/stair.py", "Sparse vocabulary embeddings (STAIR)", ":material/format_list_bulleted:", "stair"),
        ("app_pages/masked_images.py", "Masked images, DINO", ":material/grid_view:", "masked_images"),
        ("app_pages/flip.py", "Patch dropping (FLIP)", ":material/blur_on:", "flip"),
        ("app_pages/imagebind.py", "Binding a third modality (ImageBind)", ":material/graphic_eq:", "imagebind"),
        ("app_pages/coca.py", "Contrastive captioners (CoCa)", ":material/subtitles:", "coca"),
        ("app_pages/interface.py", "LLMs as interface (Frozen, Flamingo)", ":material/question_answer:", "interface"),
    ],
}

DEMOS = Path(__file__).resolve().parent


def navigation_pages() -> dict[str, list]:
    """``PAGES`` as ``st.Page`` objects; the first page is the default one."""
    first = next(iter(PAGES.values()))[0][0]
    return {
        section: [st.Page(DEMOS / path, title=title, icon=icon, url_path=url_path, default=path == first)
                  for path, title, icon, url_path in entries]
        for section, entries in PAGES.items()
    }


def main() -> None:
    st.set_page_config(page_title="Deep Learning Toolkit", page_icon=":material/neurology:", layout="wide")
    page = st.navigation(navigation_pages(), expanded=True)  # every page visible, none behind "View more"
    with first_run(page.url_path):  # two cold sessions never import the same modules at once
        # The sidebar first: a page may end with st.stop() (a bad setting), after which nothing
        # more is drawn. Its device line imports TensorFlow once per server process.
        ui.sidebar()
        guard_keras_reset()  # before Streamlit's after-run Keras reset (see demos/ui/server.py)
        page.run()  # returns at once even while a run trains: runs live in background threads
        guard_keras_reset()  # the page may have imported Keras first


if __name__ == "__main__":  # Streamlit runs the router as __main__; importing it runs nothing
    main()
