"""Datasets: every dataset of `toolkit.data`, a look at its samples, and the line that loads it."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.data import BUILTIN_NAMES, SEQUENCE_NAMES, catalog
from toolkit.data.external import missing_files
from toolkit.data.shapes import BACKGROUNDS
from toolkit.viz import dataset_gallery, dataset_scatter, image_grid
from toolkit.viz.recurrent import sequence_preview
from toolkit.viz.detection import scene_grid

INFO = {info.name: info for info in catalog()}
PARAMS = {spec.name: spec for spec in (
    ui.Param("dataset", "choice", "spiral", choices=tuple(INFO), label="Dataset"),
    ui.Param("noise", int, 10, lo=0, hi=50, label="Noise (%)",
             help="TensorFlow Playground's noise slider: how far points stray from their class."),
    ui.Param("n", int, 500, lo=50, hi=2000, step=50, label="Points (train + test)"),
    ui.Param("classes", int, 3, lo=2, hi=10, label="Spiral arms (classes)"),
    ui.Param("seed", int, 0, lo=0, hi=9999, widget="number", label="Seed",
             help="The same seed always gives the same points, split and order."),
    ui.Param("samples", int, 50, lo=10, hi=100, step=10, label="Images shown"),
    ui.Param("background", "choice", "plain", choices=BACKGROUNDS, label="Background",
             help="Plain grey, grey with Gaussian noise, or faint stripes and checks."),
    ui.Param("max_objects", int, 3, lo=1, hi=6, label="Objects per scene (at most)"),
    ui.Param("overlap", bool, True, label="Objects may overlap",
             help="A later object hides part of an earlier one; each stays at least 40 % visible."),
)}
SCENES_SHOWN = 8



@dataclasses.dataclass
class PageState:
    loaded: set = dataclasses.field(default_factory=set)  # optional downloads opened in this session


def settings_for(info) -> tuple[str, ...]:
    """Which settings apply to a dataset (the others are hidden)."""
    if info.external:
        return ("samples",)
    if info.name in SEQUENCE_NAMES:
        return ("seed",)
    if info.input_shape == (2,):
        return ("noise", "n", "classes", "seed") if info.name == "spiral_k" else ("noise", "n", "seed")
    if info.task == "detection":
        return ("background", "max_objects", "overlap", "seed")
    return ("seed", "samples")


def scene_notes(scenes) -> list[str]:
    """One caption and one question per scene, taking the i-th of each so that every kind shows up."""
    picked = [(texts[i % len(texts)], pairs[i % len(pairs)])
              for i, (texts, pairs) in enumerate(zip(scenes.captions, scenes.questions))]
    return [f"{caption}<br><i>{question}</i> {answer}" for caption, (question, answer) in picked]


def load_line(spec: dict) -> str:
    """The call that rebuilds a dataset from its spec, wrapped one argument per line when long."""
    arguments = [f'"{spec["name"]}"'] + [f"{k}={v!r}" for k, v in spec.items() if k != "name"]
    line = f"toolkit.data.load({', '.join(arguments)})"
    return line if len(line) <= 60 else "toolkit.data.load(\n    " + ",\n    ".join(arguments) + ",\n)"


st.title("Datasets")
st.markdown(
    "Every dataset the toolkit ships, offline first: TensorFlow Playground's 2-D sets, small "
    "digit and glyph images, scenes of coloured shapes with boxes, masks and captions, sequences, dates "
    "and reviews for recurrent networks, and three "
    "classics that are downloaded only when you ask. "
    "Pick one to see its samples and the line of code that loads it in a notebook."
)
gallery, table = st.tabs(["Gallery", f"All {len(INFO)} datasets"])
with gallery:
    st.plotly_chart(dataset_gallery([ui.cached_preview(name) for name in BUILTIN_NAMES if name not in SEQUENCE_NAMES],
                                    title="The built-in datasets: training points and first images"))
with table:
    ui.table([{"name": i.name, "task": i.task, "input shape": str(i.input_shape),
              "classes": str(i.num_classes), "source": i.source, "load": i.code} for i in INFO.values()])

st.subheader("Explore one dataset")
values = ui.read_params(PARAMS.values()).values
controls, view = st.columns([1, 2], gap="large")
with controls:
    name = ui.param_widget(PARAMS["dataset"], values["dataset"], key="datasets.dataset")
    info = INFO[name]
    shown = settings_for(info)
    for setting in shown:
        values[setting] = ui.param_widget(PARAMS[setting], values[setting], key=f"datasets.{setting}")
    values["dataset"] = name
    ui.write_params(values, PARAMS.values())
    ui.link_tools("datasets", list(PARAMS.values()), values)
    st.caption(f"Input shape `{info.input_shape}` · classes: {info.num_classes} · source: {info.source}")

with view:
    st.markdown(f"**{info.description}**")
    dataset = None
    if info.external:
        missing = missing_files(name)
        st.info(f"**Optional download.** {name} comes from `keras.datasets`: it is downloaded once, "
                f"then read from disk. {'Not on this machine yet.' if missing else 'Already on this machine.'} "
                "Offline, use `glyphs` (MNIST-like) or `digits` instead.")
        loaded = ui.page_state("datasets", PageState).loaded
        if st.button(f"Load {name}", icon=":material/download:") or name in loaded:
            try:
                dataset = ui.cached_dataset(name)
                loaded.add(name)
            except Exception as error:
                ui.show_error(error)
    else:
        try:
            dataset = ui.cached_dataset(name, **{k: values[k] for k in shown if k != "samples"})
        except Exception as error:
            ui.show_error(error, doing=f"loading {name}")

    if dataset is not None and info.task == "detection":
        st.caption(f"{len(dataset)} scenes · {int(dataset.counts.sum())} objects · {info.num_classes} shapes, "
                   "each with a box, an instance mask, captions and questions")
    elif dataset is not None:
        st.caption(f"{dataset.n_train} training and {dataset.n_test} test samples · "
                   f"{dataset.num_classes or 'no'} classes ({dataset.task})")
        if name == "sentiment":
            fig = None  # words, not numbers: the reviews themselves
            ui.table([{"review": text, "label": dataset.classes[label]}
                      for text, label in zip(dataset.attrs_train["text"][:8], dataset.y_train[:8])])
        elif name in ("dates", "reversal"):
            fig = None  # characters, not numbers: the source -> target pairs themselves
            ui.table([{"source": source, "target": target}
                      for source, target in zip(dataset.attrs_train["source"][:8], dataset.attrs_train["target"][:8])])
        elif name in SEQUENCE_NAMES:
            fig = sequence_preview(dataset)
        elif dataset.input_shape == (2,):
            fig = dataset_scatter(dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test,
                                  task=dataset.task, classes=dataset.classes or None,
                                  title=f"{name}: train (circles) and test (diamonds)")
        else:
            count = values["samples"]
            fig = image_grid(dataset.x_train[:count], dataset.y_train[:count],
                             label_names=dataset.classes, title=f"{name}: the first {count} training images")
        if fig is not None:
            st.plotly_chart(fig)
    st.code(f"import toolkit.data\n\nds = {load_line(dataset.spec) if dataset else info.code}", language="python")
if dataset is not None and info.task == "detection":
    first = dataset.take(slice(0, SCENES_SHOWN))
    st.plotly_chart(scene_grid(first.images, first.boxes, first.classes, first.class_names,
                               captions=scene_notes(first),
                               title=f"{name}: the first {SCENES_SHOWN} scenes, their boxes, a caption and a question"))
