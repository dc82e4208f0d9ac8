"""ImageBind's sounds and sound encoder (toolkit.multimodal.imagebind): each shape's note at its pitch, loudness and
onset, colour silent, the spectrogram against a pure tone, Eq. 3 against NumPy with the image embeddings held fixed,
a short run on a tiny CLIP (live zero-shot, tables), a stopped CLIP, and the figure of scenes and their sounds."""

import types

import keras
import numpy as np
import pytest

from toolkit.data import load, shapes
from toolkit.multimodal import imagebind as ib
from toolkit.multimodal import lab
from toolkit.train import fit


def _scene(shape=0, colour=0, size=2, x=10.0):
    """One scene holding one shape whose box starts at `x` (a Scenes-like namespace with `take`)."""
    boxes = np.array([[[x, 20.0, x + 12.0, 32.0]]], np.float32)
    scene = types.SimpleNamespace(images=np.zeros((1, 64, 64, 3), np.float32), boxes=boxes, counts=np.array([1]),
                                  classes=np.array([[shape]]), colours=np.array([[colour]]), sizes=np.array([[size]]))
    scene.take = lambda index: scene
    return scene


def test_a_pure_tone_peaks_in_its_frequency_bin():
    t = np.arange(int(ib.SAMPLE_RATE * ib.DURATION)) / ib.SAMPLE_RATE
    bin_hz = ib.SAMPLE_RATE / ib.FRAME
    spectrum = ib.spectrogram(np.sin(2 * np.pi * 10 * bin_hz * t)[None])
    assert spectrum.shape == (1, len(t) // ib.FRAME, ib.BINS)
    assert np.all(np.argmax(spectrum[0], axis=1) == 10)
    window = np.hanning(ib.FRAME) * np.sin(2 * np.pi * 10 * bin_hz * t[:ib.FRAME])
    np.testing.assert_allclose(spectrum[0, 0], np.log1p(np.abs(np.fft.rfft(window)))[:ib.BINS], rtol=1e-4, atol=1e-5)


def test_each_shape_is_its_own_note_and_colour_makes_no_sound():
    peaks = [np.argmax(ib.spectrogram(ib.scene_waves(_scene(shape), noise=0.0))[0].sum(0)) for shape in range(6)]
    assert peaks == sorted(peaks) and len(set(peaks)) == 6  # six pitches, low to high
    bin_hz = ib.SAMPLE_RATE / ib.FRAME
    assert all(abs(peak * bin_hz - note) <= bin_hz for peak, note in zip(peaks, ib.NOTES))
    np.testing.assert_array_equal(ib.scene_waves(_scene(colour=0), 0.0), ib.scene_waves(_scene(colour=4), 0.0))


def test_larger_shapes_are_louder_and_shapes_further_right_start_later():
    energy = [np.abs(ib.scene_waves(_scene(size=size), 0.0)).max() for size in range(3)]
    assert energy[0] < energy[1] < energy[2]
    onsets = [np.argmax(np.abs(ib.scene_waves(_scene(x=x), 0.0)[0]) > 0.05) for x in (0.0, 26.0, 52.0)]
    assert onsets[0] < onsets[1] < onsets[2]
    assert onsets[2] / ib.SAMPLE_RATE <= ib.LATEST_ONSET


def test_scene_sounds_of_real_scenes_are_spectrograms_with_a_channel():
    scenes = shapes.scenes(7, seed=0, min_objects=1, max_objects=2)
    sounds = ib.scene_sounds(scenes, noise=0.1, seed=0)
    assert sounds.shape == (7, int(ib.SAMPLE_RATE * ib.DURATION) // ib.FRAME, ib.BINS, 1)
    assert sounds.dtype == np.float32 and np.all(sounds >= 0)
    np.testing.assert_allclose(ib.spectrogram(ib.recording(scenes, 5, 0.1, 0)[None])[0], sounds[5, ..., 0])
    with pytest.raises(ValueError, match="noise"):
        ib.scene_waves(scenes, noise=-1.0)


def test_the_loss_is_clips_loss_of_sounds_against_fixed_image_embeddings():
    keras.utils.set_random_seed(0)
    model = ib.SoundBinder((8, 8, 1), embed_dim=4, width=2, temperature=0.5)
    rng = np.random.default_rng(0)
    sounds = rng.uniform(size=(5, 8, 8, 1)).astype("float32")
    u = rng.normal(size=(5, 4)).astype("float32")
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    z = keras.ops.convert_to_numpy(model(sounds))
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, rtol=1e-5)
    s = 2.0 * z @ u.T  # e^s = 1/τ
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.similarity(sounds, u)), s, rtol=1e-5)
    log_rows = s - np.log(np.exp(s).sum(1, keepdims=True))
    log_columns = s - np.log(np.exp(s).sum(0, keepdims=True))
    expected = -0.5 * (np.mean(np.diag(log_rows)) + np.mean(np.diag(log_columns)))
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    assert model.evaluate(sounds, u, batch_size=5, verbose=0)[0] == pytest.approx(expected, rel=1e-5)
    run = fit(model, sounds, u, batch_size=5, epochs=20, seed=0)
    assert run.history["loss"][-1] < run.history["loss"][0]


def test_validation_names_the_argument():
    with pytest.raises(ValueError, match="embed_dim"):
        ib.SoundBinder((8, 8, 1), embed_dim=0)
    with pytest.raises(ValueError, match="temperature"):
        ib.SoundBinder((8, 8, 1), temperature=5.0)
    with pytest.raises(ValueError, match="bind_noise"):
        ib.BindConfig(bind_noise=3.0)


@pytest.fixture(scope="module")
def tiny():
    config = ib.BindConfig(clip_scenes=500, clip_epochs=1, clip_batch=64, clip_embed=16, bind_epochs=2)
    data = load(**lab.clip_data_spec(config))
    trained = lab.run_clip(config.clip_config(), data)
    monitor = ib.BindMonitor()
    result = ib.run_binding(config, data, clip=trained, monitor=monitor)
    return config, data, trained, monitor, result


def test_run_binding_trains_only_the_sound_encoder_on_the_training_scenes(tiny):
    config, data, trained, monitor, result = tiny
    assert result.clip is trained and result.run.status == "completed" and result.run.epochs_done == 2
    assert result.run.name == "sound encoder" and isinstance(result.model, ib.SoundBinder)
    assert len(result.test_sounds) == len(trained.test.images) and len(result.probe_sounds) == lab.PROBE_SCENES
    assert set(monitor(result.run)["zero_shot"]) >= {2}
    rows = result.zero_shot()
    assert [row["prompt"] for row in rows] == ["a {shape}", "a {size} shape", "a {colour} shape"]
    assert [row["chance"] for row in rows] == [round(1 / 6, 3), round(1 / 3, 3), round(1 / 6, 3)]
    assert all(0 <= row["from the sound (emergent)"] <= 1 for row in rows)
    assert [row["pair"] for row in result.recalls()] == ["sound → image (trained)", "sound → caption (emergent)",
                                                         "image → caption (CLIP)"]
    np.testing.assert_allclose(ib.spectrogram(result.wave(3)[None])[0], result.test_sounds[3, ..., 0], rtol=1e-5)
    captions = result.captions_for(0, k=2)
    assert len(captions) == 2 and captions[0][1] >= captions[1][1] and captions[0][0] in trained.captions


def test_a_stopped_clip_leaves_no_sound_run(tiny):
    config, data, trained, _, _ = tiny
    stopped = lab.ClipResult(types.SimpleNamespace(model=trained.model, status="stopped", epochs_done=0), trained.config,
                             trained.test, trained.captions, trained.probe)
    assert ib.run_binding(config, data, clip=stopped).run is None


def test_the_clip_settings_decide_reuse():
    assert ib.BindConfig(bind_noise=1.0).clip_config() == ib.BindConfig().clip_config() == lab.ClipConfig()
    assert ib.BindConfig(clip_epochs=3).clip_config() != lab.ClipConfig()


def test_the_figure_puts_each_scene_above_its_spectrogram():
    from toolkit.viz.multimodal import scene_sounds

    scenes = shapes.scenes(3, seed=0)
    spectra = ib.spectrogram(ib.scene_waves(scenes, 0.0))
    fig = scene_sounds(scenes.images, spectra, titles=["a", "b", "c"], frame_seconds=ib.FRAME / ib.SAMPLE_RATE,
                       bin_hz=ib.SAMPLE_RATE / ib.FRAME)
    kinds = [trace.type for trace in fig.data]
    assert kinds == ["image", "heatmap"] * 3
    np.testing.assert_allclose(np.asarray(fig.data[1].z), spectra[0].T)
    assert fig.data[1].y[1] == pytest.approx(ib.SAMPLE_RATE / ib.FRAME)
    with pytest.raises(ValueError, match="one recording per scene"):
        scene_sounds(scenes.images, spectra[:2], frame_seconds=0.01, bin_hz=10.0)
