"""Convolutions: the output-size formula, the kernel sliding over the input, classic kernels, pooling."""

import streamlit as st

from demos import ui
from toolkit.cnn import (
    KERNEL_SHAPES, KERNELS, apply_kernel, classic_kernel, convolution_steps, kernel_of_size, output_size_latex,
    pool2d, sample_input,
)
from toolkit.viz import convolution_animation, kernel_gallery, pooling_comparison

KEY = "convolutions"
PARAMS = {spec.name: spec for spec in (
    ui.Param("n", int, 7, lo=3, hi=12, label="Input size N", help="The input is N × N pixels."),
    ui.Param("input", "choice", "digit", choices=("digit", "random"), label="Input",
             help="A handwritten 8×8 digit resized to N × N (values 0-1), or random integers 0-3."),
    ui.Param("k", int, 3, lo=1, hi=7, label="Kernel size K"),
    ui.Param("kernel", "choice", "edge", choices=KERNEL_SHAPES, label="Kernel"),
    ui.Param("padding", "choice", "1", choices=("valid", "same", "1", "2", "3"), label="Padding P",
             help="'valid': no padding; 'same': as much as keeps N / S; a number: zeros on each side."),
    ui.Param("stride", int, 1, lo=1, hi=4, label="Stride S"),
    ui.Param("dilation", int, 1, lo=1, hi=3, label="Dilation D", help="Gaps between the kernel's taps."),
    ui.Param("flip", bool, False, label="Flip the kernel", widget="toggle",
             help="True convolution as the notes define it: the kernel rotated by 180°."),
    ui.Param("glyph", int, 0, lo=0, hi=79, widget="number", label="Glyph #"),
    ui.Param("kernels", "multi", ("edge (Laplacian)", "vertical edges (Sobel x)", "horizontal edges (Sobel y)",
                                  "blur (Gaussian)", "sharpen"), choices=tuple(KERNELS), label="Kernels"),
    ui.Param("pool", int, 2, lo=2, hi=4, label="Pool size"),
    ui.Param("pool_padding", "choice", "valid", choices=("valid", "same"), label="Pooling padding"),
)}


def widgets(names, values, columns=4):
    cells = st.columns(columns)
    for index, name in enumerate(names):
        with cells[index % columns]:
            values[name] = ui.param_widget(PARAMS[name], values[name], key=f"{KEY}.{name}")


st.title("Convolutions")
st.markdown(
    "A convolutional layer slides a small **kernel** over its input and writes one number per "
    "position: the sum of the products of the kernel with the pixels under it. **Padding** adds "
    "zeros around the input, the **stride** is how far the kernel jumps, and **dilation** spreads its taps apart."
)
values, _ = ui.read_params(PARAMS.values())

st.header("1 · The kernel sliding over the input")
widgets(["n", "input", "k", "kernel", "padding", "stride", "dilation", "flip"], values)
ui.write_params(values, PARAMS.values())
padding = values["padding"] if values["padding"] in ("valid", "same") else int(values["padding"])
try:
    formula = output_size_latex(values["n"], values["k"], padding, values["stride"], values["dilation"])
    trace = convolution_steps(sample_input(values["n"], values["input"]), kernel_of_size(values["kernel"], values["k"]),
                              values["stride"], padding, values["dilation"], flip=values["flip"])
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
widgets(["glyph", "kernels"], values, columns=2)
ui.write_params(values, PARAMS.values())
glyph = ui.cached_dataset("glyphs", n=100, seed=0).x_train[values["glyph"], ..., 0]
if values["kernels"]:
    results = {name: (classic_kernel(name), apply_kernel(glyph, classic_kernel(name))) for name in values["kernels"]}
    st.plotly_chart(kernel_gallery(glyph, results), key=f"{KEY}.fig.kernels")
    st.caption("Each output is scaled to its own range (edge maps are signed). A CNN's first layer "
               "learns kernels like these by itself: see the filters on the CNN architectures page.")
else:
    st.warning("Pick at least one kernel to apply.")

st.header("3 · Pooling side by side")
widgets(["pool", "pool_padding"], values, columns=2)
ui.write_params(values, PARAMS.values())
size, pad = values["pool"], values["pool_padding"]
pooled = {f"max {size}×{size}": pool2d(glyph, size, padding=pad, mode="max"),
          f"average {size}×{size}": pool2d(glyph, size, padding=pad, mode="average")}
st.plotly_chart(pooling_comparison(glyph, pooled), key=f"{KEY}.fig.pooling")
st.caption("Max pooling keeps the strongest response of each window (strokes stay bright and "
           "sharp); average pooling keeps their mean (strokes blur and fade). Either way the map "
           f"shrinks from 28×28 to {next(iter(pooled.values())).shape[0]}×{next(iter(pooled.values())).shape[1]}: "
           "fewer values for the next layer, and small shifts of the input matter less.")
