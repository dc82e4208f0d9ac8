"""Convolutions: the output-size formula, the kernel sliding over the input, classic kernels, pooling."""

import streamlit as st

from demos import ui
from toolkit.cnn import (
    ConvolutionConfig, apply_kernel, classic_kernel, convolution_steps, kernel_of_size, output_size_latex, pool2d,
    sample_input,
)
from toolkit.viz import convolution_animation, kernel_gallery, pooling_comparison

KEY = "convolutions"
SETTINGS = {spec.name: spec for spec in ui.settings(ConvolutionConfig)}


def widgets(names, values, columns=4) -> ConvolutionConfig:
    """Live widgets for `names` (the page reruns on every change); the URL follows them."""
    cells = st.columns(columns)
    for index, name in enumerate(names):
        with cells[index % columns]:
            values[name] = ui.param_widget(SETTINGS[name], values[name], key=f"{KEY}.{name}")
    ui.write_params(values, SETTINGS.values())
    return ConvolutionConfig(**values)


st.title("Convolutions")
st.markdown(
    "A convolutional layer slides a small **kernel** over its input and writes one number per "
    "position: the sum of the products of the kernel with the pixels under it. **Padding** adds "
    "zeros around the input, the **stride** is how far the kernel jumps, and **dilation** spreads its taps apart."
)
values = ui.read_params(SETTINGS.values()).values

st.header("1 · The kernel sliding over the input")
config = widgets(["n", "input", "k", "kernel", "padding", "stride", "dilation", "flip"], values)
try:
    formula = output_size_latex(config.n, config.k, config.padding_value, config.stride, config.dilation)
    trace = convolution_steps(sample_input(config.n, config.input), kernel_of_size(config.kernel, config.k),
                              config.stride, config.padding_value, config.dilation, flip=config.flip)
except ValueError as error:
    ui.show_error(error)
else:
    st.latex(formula)
    st.caption(f"Output {trace.output.shape[0]}×{trace.output.shape[1]}: {trace.steps} positions × "
               f"{trace.kernel.size} products each. Press ▶ Play or drag the slider; hover a cell for its value.")
    st.plotly_chart(convolution_animation(trace), key=f"{KEY}.fig.animation")
st.info(
    "**Convolution or cross-correlation?** The notes define S(i, j) = Σₘ Σₙ I(m, n) K(i − m, j − n): "
    "the kernel is flipped. Deep-learning libraries (`keras.layers.Conv2D` included) compute "
    "S(i, j) = Σₘ Σₙ I(i + m, j + n) K(m, n) without the flip, a *cross-correlation*. Since the "
    "kernel is learned, the network simply learns the flipped kernel: nothing is lost. Toggle "
    "*Flip the kernel* to see the notes' true convolution slide."
)

st.header("2 · Classic kernels on a glyph")
config = widgets(["glyph", "kernels"], values, columns=2)
glyph = ui.cached_dataset("glyphs", n=100, seed=0).x_train[config.glyph, ..., 0]
if config.kernels:
    results = {name: (classic_kernel(name), apply_kernel(glyph, classic_kernel(name))) for name in config.kernels}
    st.plotly_chart(kernel_gallery(glyph, results), key=f"{KEY}.fig.kernels")
    st.caption("Each output is scaled to its own range (edge maps are signed). A CNN's first layer "
               "learns kernels like these by itself: see the filters on the CNN architectures page.")
else:
    st.warning("Pick at least one kernel to apply.")

st.header("3 · Pooling side by side")
config = widgets(["pool", "pool_padding"], values, columns=2)
size, pad = config.pool, config.pool_padding
pooled = {f"max {size}×{size}": pool2d(glyph, size, padding=pad, mode="max"),
          f"average {size}×{size}": pool2d(glyph, size, padding=pad, mode="average")}
st.plotly_chart(pooling_comparison(glyph, pooled), key=f"{KEY}.fig.pooling")
st.caption("Max pooling keeps the strongest response of each window (strokes stay bright and "
           "sharp); average pooling keeps their mean (strokes blur and fade). Either way the map "
           f"shrinks from 28×28 to {next(iter(pooled.values())).shape[0]}×{next(iter(pooled.values())).shape[1]}: "
           "fewer values for the next layer, and small shifts of the input matter less.")
