"""Binding a third modality (ImageBind): sounds meet CLIP's text only through the images."""

import streamlit as st

from demos import ui
from toolkit.data import shapes
from toolkit.multimodal import imagebind as ib
from toolkit.multimodal import lab
from toolkit.viz import learning_curves
from toolkit.viz.multimodal import scene_sounds, zero_shot_curve

KEY = "imagebind"
SPECS = ui.settings(ib.BindConfig, "bind_noise", "bind_epochs", "bind_lr", "clip_scenes", "clip_epochs", "clip_batch",
                    "clip_seed")
LESSONS = ui.page_lessons("imagebind")[KEY]
EXAMPLES = 4  # scenes whose recordings the page plays before any training

st.title("Binding a third modality (ImageBind)")
st.markdown(
    "The notes: *ImageBind linking all modalities into a common space, utilizing images as the binding factor "
    "[...] It obtains two different modalities (M₁, M₂) aligned even though it is trained using only the pairs "
    "(I, M₁) and (I, M₂).* Here M₁ is text, bound to the scenes by the *CLIP* page's CLIP, and M₂ is sound: every "
    "scene plays a half-second recording in which each shape is a note (pitch: which shape; loudness: how large; "
    "onset: how far right). A sound encoder learns from (scene, recording) pairs only, against CLIP's frozen image "
    "encoder. Then text prompts read the sounds, although no sound was ever paired with a text.")
st.latex(ib.LATEX["sound"])
st.latex(ib.LATEX["zero_shot"])
form = ui.settings_form(KEY, SPECS, columns=4, lessons=LESSONS)
config = ui.config_or_stop(ib.BindConfig, form.values)


@st.cache_data(show_spinner=False, max_entries=8)
def examples(noise: float):
    scenes = shapes.scenes(EXAMPLES, seed=3, min_objects=1, max_objects=2)
    waves = ib.scene_waves(scenes, noise, seed=3)
    return scenes.images, ib.spectrogram(waves), waves, [f"{i + 1}: {c[0]}" for i, c in enumerate(scenes.captions)]


images, spectrograms, waves, captions = examples(config.bind_noise)
with st.expander("Hear the scenes (what the sound encoder gets)", expanded=not form.submitted):
    st.plotly_chart(scene_sounds(images, spectrograms, titles=captions, frame_seconds=ib.FRAME / ib.SAMPLE_RATE,
                                 bin_hz=ib.SAMPLE_RATE / ib.FRAME,
                                 title=f"Four scenes and their recordings at noise σ = {config.bind_noise:g}: "
                                       "one note per shape, colour is silent"), key=f"{KEY}.examples")
    for index, (column, wave) in enumerate(zip(st.columns(EXAMPLES), waves)):
        column.caption(f"Scene {index + 1}")
        column.audio(wave, sample_rate=ib.SAMPLE_RATE)
    st.caption("Notes: " + ", ".join(f"{name} {hz:.0f} Hz" for name, hz in zip(shapes.SHAPES, ib.NOTES)) + ".")

previous = ui.last_result(KEY)
reusable = previous.clip if (previous is not None and previous.clip.run.status == "completed"
                             and previous.clip.config == config.clip_config()) else None
data = ui.cached_dataset(**lab.clip_data_spec(config)) if form.submitted else None
if reusable is None:
    st.caption(f"Train runs CLIP first ({config.clip_epochs} epochs, about 1.5 minutes at the defaults), then the "
               "sound encoder; a second run with the same CLIP settings reuses that CLIP.")


def train(live):
    monitor = ib.BindMonitor()
    live.watch(monitor)
    result = ib.run_binding(config, data, clip=reusable, callbacks=live.callbacks, stop=live.stop, monitor=monitor)
    if result.run is not None and result.run.epochs_done:
        live.finishing(f"the zero-shot accuracy on {lab.PROBE_SCENES} single shapes' sounds and the recalls on "
                       f"{len(result.clip.captions)} held-out scenes")
        result.evaluate()
    return result


def draw(frame):
    left, right = st.columns(2)
    left.plotly_chart(learning_curves(frame.histories(), "loss", title=f"Contrastive loss (CLIP, then the sound "
                                      f"encoder), epoch {frame.epoch}"), key=f"{KEY}.live.loss")
    if "zero_shot" in frame.extras:
        right.plotly_chart(zero_shot_curve(frame.extras["zero_shot"], chance=1 / len(shapes.SHAPES),
                                           title=f"Shapes read from sounds with '{lab.HAND_PROMPT}' (never "
                                                 f"trained), epoch {frame.epoch}"), key=f"{KEY}.live.zero_shot")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss")
result = ui.finished(job)
if result is not None and result.run is not None and result.run.epochs_done:
    st.subheader("Zero-shot from sounds and from images")
    ui.table(result.zero_shot())
    st.caption(f"{lab.PROBE_SCENES} single shapes of another seed; each prompt's w_c from CLIP's text encoder. "
               "Colour makes no sound, so no training could let a sound answer a colour prompt.")
    st.subheader("Retrieval on the held-out scenes")
    ui.table(result.recalls())
    st.caption(f"R@k: the own partner among the k most similar of all {len(result.clip.captions)} held-out ones. "
               "Only the first row was trained; the second is what binding through the images gives for free.")
    index = st.slider("Held-out scene", 1, len(result.clip.captions), 1, key=f"{KEY}.scene") - 1
    picture, sound = st.columns([1, 2])
    picture.image(result.clip.test.images[index], caption=result.clip.captions[index], width=160)
    picture.audio(result.wave(index), sample_rate=ib.SAMPLE_RATE)
    sound.markdown("**Captions nearest to this scene's recording** (sound → text, never trained):")
    ui.table([{"caption": caption, "cosine z·v": round(score, 3)} for caption, score in result.captions_for(index)])
elif result is not None and result.clip.run.epochs_done:
    st.info("CLIP was stopped before the sound encoder started: train again to bind the sounds.")
