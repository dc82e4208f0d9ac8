"""Detection & segmentation: R-CNN to YOLO and Mask R-CNN on generated scenes of shapes, side by side."""

import streamlit as st

from demos import ui
from toolkit.data.shapes import SHAPES
from toolkit.detection.inspection import anchor_preview, proposal_preview, roi_preview
from toolkit.detection.training import DetectionConfig, detection_data, detectors, run_detectors
from toolkit.viz import learning_curves, scene_grid
from toolkit.viz.regions import anchor_figure, proposal_grid, recall_curve, roi_bins

KEY = "detection"
PREVIEW_SCENES = 3

st.title("Detection & segmentation")
st.markdown(
    "Object detection classifies **and** locates every object: image → CNN → boxes with labels. "
    "The notes' story is one of speed: **R-CNN** runs its CNN once per proposal of selective search; "
    "**Fast R-CNN** once per image, pooling each proposal from the shared feature map; **Faster R-CNN** "
    "replaces selective search by a Region Proposal Network; **YOLO** regresses boxes on a grid in one "
    "pass; **Mask R-CNN** adds ROI Align and a mask per object. Train them on the same scenes and compare."
)
ui.table([{"Detector": d.title, "Proposals from": d.proposals, "CNN passes per image": d.passes,
           "What it introduced": d.introduced}
          for d in detectors().values()])
form = ui.settings_form(KEY, ui.settings(DetectionConfig), columns=4)
config = ui.config_or_stop(DetectionConfig, form.values)
if form.submitted:
    data = detection_data(config)


def train(live):
    return run_detectors(config, data, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    st.plotly_chart(learning_curves(frame.histories(), "loss", title=f"Detection loss, epoch {frame.epoch} "
                                    "(train dashed, held-out solid)"), key=f"{KEY}.live")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss")
result = job.result if job is not None and not job.running else None
if result is not None and result.measurements:
    st.header("Results on the held-out scenes")
    ui.table(result.table)
    st.caption("CNN passes per image: how often the backbone runs for one image (R-CNN: once per proposal). "
               "ms per image includes selective search where the detector needs it.")
    title = st.selectbox("Predictions of", list(result.measurements), key=f"{KEY}.inspect")
    found, test = result.measurements[title].shown(config.score, 8), result.test
    st.plotly_chart(scene_grid(test.images[:8], [d.boxes for d in found], [d.classes for d in found], SHAPES,
                               scores=[d.scores for d in found],
                               masks=None if found[0].masks is None else [d.masks for d in found],
                               captions=[test.captions[i][0] for i in range(8)],
                               title=f"{title} on held-out scenes (score ≥ {config.score:g}; the true scene "
                                     "is the caption)"), key=f"{KEY}.fig.predictions")

preview = ui.cached_dataset("shapes", n=PREVIEW_SCENES, seed=config.seed, max_objects=config.max_objects,
                            background=config.background)
st.header("Where detectors look")
st.subheader("Selective search (R-CNN, Fast R-CNN)")
st.markdown("Graph-based segmentation over-segments the scene; neighbouring regions of similar colour, size "
            "and fill merge step by step, and every region on the way is a proposal.")
st.latex(r"s(r_i, r_j) = \sum_k \min(c_i^k, c_j^k) + \Big(1 - \frac{|r_i| + |r_j|}{|im|}\Big) "
         r"+ \Big(1 - \frac{|BB_{ij}| - |r_i| - |r_j|}{|im|}\Big)")
proposals = proposal_preview(preview)
shown = st.select_slider("Proposals shown", [5, 10, 20, 50, 100], value=20, key=f"{KEY}.shown")
st.plotly_chart(proposal_grid(preview.images, proposals.proposals, preview.boxes, shown=shown),
                key=f"{KEY}.fig.proposals")
st.plotly_chart(recall_curve({"selective search": proposals.recall}), key=f"{KEY}.fig.recall")

st.subheader("Anchors of the Region Proposal Network (Faster and Mask R-CNN)")
st.latex(r"w = \sigma\sqrt{\rho},\ h = \sigma/\sqrt{\rho};\quad \text{label} = 1 \text{ if } "
         r"\max_g \mathrm{IoU}(a, g) \ge 0.5,\ 0 \text{ if } < 0.3")
anchors = anchor_preview(preview.boxes[0], preview.classes[0])
st.plotly_chart(anchor_figure(preview.images[0], anchors.cell_anchors, anchors.positives, preview.boxes[0],
                              title=f"{len(anchors.cell_anchors)} anchors per cell (3 scales × 3 ratios), "
                                    f"{anchors.count} in all; the RPN scores and refines each"),
                key=f"{KEY}.fig.anchors")

st.subheader("ROI pooling vs ROI Align")
st.latex(r"\text{RoIPool: } x_0 = \mathrm{round}(s\,x_{\min})\quad\text{vs}\quad"
         r"\text{RoIAlign: } u = s\,x_{\min} - \tfrac12 + \dots \text{ (bilinear, no rounding)}")
shift = st.slider("Shift the box right by (pixels)", 0.0, 4.0, 1.5, 0.25, key=f"{KEY}.shift")
box = preview.boxes[0, 0] + [shift, 0, shift, 0]
roi = roi_preview(preview.images[0], box)
st.plotly_chart(roi_bins(roi.feature_map, roi.roi, roi.quantized, roi.pooled, roi.aligned, spatial_scale=1 / 4,
                         title=f"ROI pooling snaps the box to whole cells (off by up to {roi.error:.2f} px here); "
                               "ROI Align samples where the box is"), key=f"{KEY}.fig.roi")
