"""Plotly figure builders: NumPy arrays and plain dicts in, `plotly.graph_objects.Figure` out.

Pure functions, imported by the demo pages; this package never imports streamlit or
tensorflow. Every figure goes through `theme.apply_layout` (grids through `theme.subplots`):
the `plotly_white` template, fonts of at least 14 px, a wrapped title with the legend under
it and above the plot, named axes, one colour per run (`theme.run_colors`). Bad input raises
`ValueError` with one sentence naming the argument and what was received.

- `learning_curves`   loss / metric per epoch for several runs (train dashed, validation solid)
- `decision_boundary` TensorFlow Playground-style heatmap of a 2-D model, with `grid`
- `image_grid`        up to 100 images tiled into one mosaic, with labels
- `labelled_grid`     rows × columns of images, each row and column named (prompts, contrasts)
- `confusion_matrix`  annotated confusion matrix with the accuracy in the title
- `weight_histogram`  overlaid histograms of each layer's weights
- `dataset_scatter`   a 2-D dataset's train and test points in Playground's colours, no model
- `dataset_gallery`   every dataset at a glance: one small scatter or image mosaic per dataset
- `scene_grid`        scenes with boxes labelled by class (and score), instance masks and captions
- `trajectory_contour`, `loss_per_step`   optimizer paths over a 2-D loss surface, animated
- `loss_vs_time`, `gradient_variance_plot`, `learning_rate_histogram`   real-network optimization
- `preactivation_histograms`, `moving_statistics`, `mode_outputs`, `normalization_cubes`
                      the normalization lab (covariate shift, batch norm's modes, the N-C-H-W cube)
- `network_diagram`   a feed-forward network as Playground draws it: links coloured and thickened
                      by weight, each neuron's picture over the plane (or a circle and labels)
- `activation_plot`, `dead_units_plot`, `line_fits_plot`, `residual_plots`   the activations
                      and losses lab (h and h', dying ReLU, MSE / MAE / Huber with outliers)
- `approximation_plot`, `error_vs_width_plot`, `depth_vs_width_plot`   universal approximation
- `loss_vs_forward_passes`   backpropagation raced against the perturbation methods
- `playground_figures`  every live figure of the Playground page from one network snapshot
- `convolution_animation`, `kernel_gallery`, `pooling_comparison`   the convolutions lab (the kernel
                      sliding over the input, classic kernels on a glyph, max vs average pooling)
- `feature_map_grid`, `filter_grid`   what a trained CNN sees: feature maps per layer, learned kernels
- `gan_lab_figure`, `step_curves`, `image_columns`, `evaluation_curves`   the GAN pages (real vs
                      fake points on D's map with G's arrows, per-step losses, input → output →
                      target columns, FID / IS / classes covered per epoch)
- `growth_schedule`, `drag_figure`   the GAN zoo pages (the Progressive GAN's resolution and fade-in α
                      against the epoch with the run's position marked; a glyph with DragGAN's handle,
                      target and the handle's path, clickable pixel by pixel); in `toolkit.viz.progan`
                      and `toolkit.viz.drag`
- `latent_scatter`, `latent_manifold`, `codebook_usage`, `beta_tradeoff`, `interpolation_strips`,
  `few_labels_curves` the autoencoder page (codes coloured by class, the 2-D VAE grid, VQ code usage
                      with dead codes, β's KL / reconstruction trade-off, GAN / VAE / VQ-VAE paths,
                      pretrained-encoder vs from-scratch accuracy with few labels)
- `unrolled_diagram`, `gradient_heatmap`, `gate_heatmap`, `continuation_figure`, `sequence_preview`
                      the recurrent-networks page (the cell folded and unfolded, log₁₀ ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖
                      per run and step, LSTM gates word by word, a generated continuation, sequences)
- `attention_grid`, `caption_gallery`, `attention_matrix`, `accuracy_by_length`   the sequence-models
                      page (α_t over the image word by word, captions under their scenes, a_tj of a
                      translation, exact match against the source's length); in `toolkit.viz.captioning`
                      and `toolkit.viz.translation`
- `generalization_gap`, `mark_early_stopping`, `penalty_balance`, `weight_magnitudes`,
  `ensemble_votes`    the regularization lab (gap per epoch with early stopping marked, the L₁
                      diamond and L₂ circle, log₁₀|w| per variant, members against the vote)
- `server_load`       the Instructor page (sessions, training and queued runs, memory over the last
                      minutes); in `toolkit.viz.server`
"""

from toolkit.viz.activations import activation_plot, dead_units_plot, line_fits_plot, residual_plots
from toolkit.viz.approximation import approximation_plot, depth_vs_width_plot, error_vs_width_plot
from toolkit.viz.autoencoders import (
    beta_tradeoff, codebook_usage, few_labels_curves, interpolation_strips, latent_manifold, latent_scatter,
)
from toolkit.viz.backprop import loss_vs_forward_passes
from toolkit.viz.boundary import decision_boundary, grid
from toolkit.viz.convolution import convolution_animation, kernel_gallery, pooling_comparison
from toolkit.viz.curves import learning_curves
from toolkit.viz.datasets import dataset_scatter
from toolkit.viz.drag import drag_figure
from toolkit.viz.detection import scene_grid
from toolkit.viz.ensembles import ensemble_votes
from toolkit.viz.feature_maps import feature_map_grid, filter_grid
from toolkit.viz.gallery import dataset_gallery
from toolkit.viz.gan import evaluation_curves, gan_lab_figure, image_columns, step_curves
from toolkit.viz.generalization import generalization_gap, mark_early_stopping
from toolkit.viz.images import image_grid, labelled_grid
from toolkit.viz.metrics import confusion_counts, confusion_matrix
from toolkit.viz.network import network_diagram
from toolkit.viz.normalization import (
    mode_outputs, moving_statistics, normalization_cubes, preactivation_histograms,
)
from toolkit.viz.optimizers import gradient_variance_plot, learning_rate_histogram, loss_vs_time
from toolkit.viz.penalties import penalty_balance, weight_magnitudes
from toolkit.viz.progan import growth_schedule
from toolkit.viz.playground import playground_figures
from toolkit.viz.surfaces import loss_per_step, trajectory_contour
from toolkit.viz.weights import weight_histogram

__all__ = [
    "beta_tradeoff",
    "codebook_usage",
    "few_labels_curves",
    "interpolation_strips",
    "latent_manifold",
    "latent_scatter",
    "activation_plot",
    "approximation_plot",
    "dead_units_plot",
    "depth_vs_width_plot",
    "error_vs_width_plot",
    "line_fits_plot",
    "loss_vs_forward_passes",
    "residual_plots",
    "confusion_counts",
    "confusion_matrix",
    "convolution_animation",
    "dataset_gallery",
    "dataset_scatter",
    "drag_figure",
    "evaluation_curves",
    "growth_schedule",
    "gan_lab_figure",
    "image_columns",
    "step_curves",
    "decision_boundary",
    "feature_map_grid",
    "filter_grid",
    "gradient_variance_plot",
    "grid",
    "image_grid",
    "labelled_grid",
    "kernel_gallery",
    "learning_curves",
    "learning_rate_histogram",
    "loss_per_step",
    "loss_vs_time",
    "mode_outputs",
    "moving_statistics",
    "network_diagram",
    "playground_figures",
    "scene_grid",
    "normalization_cubes",
    "pooling_comparison",
    "preactivation_histograms",
    "trajectory_contour",
    "weight_histogram",
    "ensemble_votes",
    "generalization_gap",
    "mark_early_stopping",
    "penalty_balance",
    "weight_magnitudes",
]
