"""Theory beside the controls (issue 14, item 4): the formulas the pages draw under their widgets.

Every ``Setting.formula`` of every config is well-formed LaTeX as far as a test without a
renderer can tell (balanced braces, \\begin and \\end in pairs), and the controls of the
chapters' pages show what they change in the notes' notation.
"""

import importlib
import re

import pytest

from toolkit.config import Config

MODULES = ("toolkit.regularization.lab", "toolkit.cnn.convolution", "toolkit.cnn.training", "toolkit.backprop",
           "toolkit.generative.glyph_gan", "toolkit.generative.gan_lab", "toolkit.generative.autoencoder_lab",
           "toolkit.generative.image_to_image", "toolkit.generative.comparison")


def all_configs():
    for name in MODULES:
        importlib.import_module(name)
    found, todo = [], [Config]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found[1:]


def formulas():
    """(where, LaTeX) of every formula; a formula per choice gives one entry per choice."""
    found = []
    for cls in all_configs():
        for name, spec in cls.settings().items():
            per_choice = spec.formula if isinstance(spec.formula, tuple) else (("", spec.formula),)
            found += [(f"{cls.__name__}.{name}" + (f"[{choice}]" if choice else ""), latex)
                      for choice, latex in per_choice if latex]
    return found


def test_the_pages_configs_carry_formulas():
    assert len(formulas()) >= 30


@pytest.mark.parametrize(("where", "latex"), formulas())
def test_each_formula_is_balanced_latex(where, latex):
    text = latex.replace(r"\{", "").replace(r"\}", "")
    assert text.count("{") == text.count("}"), where
    begins, ends = re.findall(r"\\begin\{(\w+)\}", text), re.findall(r"\\end\{(\w+)\}", text)
    assert sorted(begins) == sorted(ends), where


def setting_formula(module, cls, name):
    """The setting's formula; for a formula per choice, every choice's, one after another."""
    setting = getattr(importlib.import_module(module), cls).settings()[name]
    if setting.choices and not isinstance(setting.formula, str):
        return " ".join(filter(None, (setting.formula_for(choice) for choice in setting.choices)))
    return setting.formula


@pytest.mark.parametrize(("module", "cls", "name", "expected"), [
    # chapter 4: the penalty terms, the dropout mask, the optimizer that applies L̃'s gradient
    ("toolkit.regularization.lab", "LabConfig", "l2", r"\tilde L(w) = L(w) + \lambda\, \tfrac12 \textstyle\sum_i w_i^2"),
    ("toolkit.regularization.lab", "LabConfig", "l1", r"\lambda \textstyle\sum_i |w_i|"),
    ("toolkit.regularization.lab", "LabConfig", "dropout", r"m_i \sim \mathrm{Bernoulli}(1 - p)"),
    ("toolkit.regularization.lab", "LabConfig", "optimizer", r"\hat g = \nabla_w \tilde L(w)"),
    # chapter 5: output size, convolution vs cross-correlation, pooling, the CNN regularizers
    ("toolkit.cnn.convolution", "ConvolutionConfig", "dilation", "D(K - 1) + 1"),
    ("toolkit.cnn.convolution", "ConvolutionConfig", "flip", "I(m, n) K(i - m, j - n)"),
    ("toolkit.cnn.training", "TrainingConfig", "cutout", r"\tilde x = M \odot \bar x + (1 - M) \odot x"),
    # chapter 2: h(z) and the update rule
    ("toolkit.backprop", "WalkthroughConfig", "activation", r"\mathrm{ReLU}(z) = \max(0, z)"),
    ("toolkit.backprop", "WalkthroughConfig", "eta", r"\eta\, \frac{\partial L}{\partial w_{ji}^{(l)}}"),
    # chapter 9: the GAN losses, the ELBO with β, the VQ-VAE loss
    ("toolkit.generative.glyph_gan", "GlyphGanConfig", "loss", r"L_G = -\mathbb{E}_z \log D(G(z))"),
    ("toolkit.generative.glyph_gan", "GlyphGanConfig", "loss", r"L_G = \mathbb{E}_z (D(G(z)) - 1)^2"),
    ("toolkit.generative.gan_lab", "GanLabConfig", "loss", r"\nabla_{\hat x} D(\hat x)"),
    ("toolkit.generative.autoencoder_lab", "AutoencoderLabConfig", "beta",
     r"\beta\, D_{KL}(q_\theta(z|x)\,\|\,P_\theta(z))"),
    ("toolkit.generative.autoencoder_lab", "AutoencoderLabConfig", "codes", r"\mathrm{sg}[z_e]"),
])
def test_a_control_shows_what_it_changes(module, cls, name, expected):
    assert expected in setting_formula(module, cls, name)


def test_every_strength_of_the_regularization_lab_shows_its_strategy():
    from toolkit.regularization import STRATEGIES, LabConfig

    settings = LabConfig.settings()
    for strategy in STRATEGIES.values():
        if strategy.parameter is not None:
            assert settings[strategy.parameter].formula == strategy.latex != "", strategy.name
