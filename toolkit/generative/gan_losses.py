"""The GAN losses of the notes: minimax, non-saturating, least squares, Wasserstein (+ GP).

D(x) is the discriminator's probability that x is real. The networks output a raw score
s (a logit for the cross-entropy losses, a plain number for LSGAN and the Wasserstein
critic), so that log D = log σ(s) = -softplus(-s) and log(1 - D) = -softplus(s) are
computed without overflow. Every loss below is MINIMISED by its network; the
discriminator's gradient ascent on V (Eq. 1) is descent on L_D = -V (Eq. 2).

    V(D, G) = E_x log D(x) + E_z log(1 - D(G(z)))                    minimax value      (1)
    L_D     = -E_x log D(x) - E_z log(1 - D(G(z)))                   D ascends V        (2)
    L_G     =  E_z log(1 - D(G(z)))                                   saturating G       (3)
    L_G     = -E_z log D(G(z))                        non-saturating G ("D is wrong")    (4)
    L_D     =  E_x (D(x) - 1)² + E_z D(G(z))²                         LSGAN D            (5)
    L_G     =  E_z (D(G(z)) - 1)²                                     LSGAN G            (6)
    L_D     =  E_z D(G(z)) - E_x D(x),   w <- clip(w, -c, c)          WGAN critic        (7)
    L_G     = -E_z D(G(z))                                            WGAN G             (8)
    L_D    +=  λ E_x̂ (‖∇_x̂ D(x̂)‖₂ - 1)²,  x̂ = ε x + (1 - ε) G(z)    WGAN-GP penalty    (9)
    L_D     = -E_x [(1-α) log D(x) + α log(1 - D(x))] - E_z log(1 - D(G(z)))
                                                  one-sided label smoothing (2 with α)   (10)

Eq. 3 is the generator's term of the minimax game: its gradient with respect to s is
-σ(s) = -D(G(z)), which vanishes when D confidently rejects the fakes (D(G(z)) ≈ 0), the
flat region of the notes' plot; Eq. 4's gradient is -(1 - σ(s)) ≈ -1 there.

One-sided label smoothing (Salimans et al., 2016, beside the notes' tricks) gives D the
target 1 - α instead of 1 for real samples only (Eq. 10; LSGAN's Eq. 5 takes D(x) - (1 - α)),
so D is never rewarded for ever larger real scores and its gradients for G stay informative.

| symbol | name here | | symbol | name here |
| s = D's raw output | `real_scores`, `fake_scores` | | c | `clip_value` |
| λ | `gp_weight` | | ε ~ U(0, 1) | `epsilon` |
| α | `label_smoothing` | | | |
"""

from __future__ import annotations

import tensorflow as tf

from toolkit import validation

# loss name -> (discriminator loss, generator loss): see LOSS_EQUATIONS.
LOSSES = ("minimax", "non_saturating", "lsgan", "wgan", "wgan_gp")
LOSS_LABELS = {
    "minimax": "minimax (saturating G)",
    "non_saturating": "non-saturating",
    "lsgan": "least squares (LSGAN)",
    "wgan": "Wasserstein (weight clipping)",
    "wgan_gp": "Wasserstein + gradient penalty",
}
WASSERSTEIN = ("wgan", "wgan_gp")
# Eqs. 2-9 as the pages show them under the "Loss" control, the chosen loss only (the notes'
# notation: D(x) is D's probability or score for x, E_x over the data, E_z over the noise)
_BCE_D = r"L_D = -\mathbb{E}_x \log D(x) - \mathbb{E}_z \log(1 - D(G(z)))"
_CRITIC = r"L_D = \mathbb{E}_z D(G(z)) - \mathbb{E}_x D(x)"
LOSSES_LATEX = {
    "minimax": rf"\begin{{array}}{{l}} {_BCE_D} \\ L_G = \mathbb{{E}}_z \log(1 - D(G(z))) \end{{array}}",
    "non_saturating": rf"\begin{{array}}{{l}} {_BCE_D} \\ L_G = -\mathbb{{E}}_z \log D(G(z)) \end{{array}}",
    "lsgan": (r"\begin{array}{l} L_D = \mathbb{E}_x (D(x) - 1)^2 + \mathbb{E}_z D(G(z))^2 \\"
              r" L_G = \mathbb{E}_z (D(G(z)) - 1)^2 \end{array}"),
    "wgan": rf"\begin{{array}}{{l}} {_CRITIC} \\ L_G = -\mathbb{{E}}_z D(G(z)) \end{{array}}",
    "wgan_gp": (rf"\begin{{array}}{{l}} {_CRITIC} \\ \quad + \lambda\, \mathbb{{E}}_{{\hat x}}"
                r" (\lVert \nabla_{\hat x} D(\hat x) \rVert_2 - 1)^2 \\ L_G = -\mathbb{E}_z D(G(z)) \end{array}"),
}
# the notes' alternating training: k descent steps on L_D (ascent on V), then one on L_G
ALTERNATION_LATEX = (r"\begin{array}{l} k \times:\ \theta_D \leftarrow \theta_D - \eta_D \nabla_{\theta_D} L_D \\"
                     r"\text{then } \theta_G \leftarrow \theta_G - \eta_G \nabla_{\theta_G} L_G \end{array}")
CLIP_LATEX = r"w_D \leftarrow \mathrm{clip}(w_D, -c, c)"  # Eq. 7's constraint on the critic's weights


def log_d(scores):
    """log D = log σ(s) = -softplus(-s), stable for any s."""
    return -tf.math.softplus(-scores)


def log_one_minus_d(scores):
    """log(1 - D) = log σ(-s) = -softplus(s), stable for any s."""
    return -tf.math.softplus(scores)


def minimax_value(real_scores, fake_scores):
    """Eq. 1: V(D, G), the value D maximises and G minimises."""
    return tf.reduce_mean(log_d(real_scores)) + tf.reduce_mean(log_one_minus_d(fake_scores))


def discriminator_loss(loss: str, real_scores, fake_scores, label_smoothing: float = 0.0):
    """L_D of `loss` (Eqs. 2, 5, 7, 10; the penalty of Eq. 9 is added by the GAN).

    `label_smoothing` α > 0 lowers the real target to 1 - α (Eq. 10) for the cross-entropy
    and least-squares losses; the Wasserstein critic has no target and ignores it.
    """
    validation.check_choice("loss", loss, LOSSES)
    alpha = validation.check_float("label_smoothing", label_smoothing, 0.0, 0.5, open_high=True, hint="0 = off.")
    real_scores, fake_scores = tf.cast(real_scores, tf.float32), tf.cast(fake_scores, tf.float32)
    if loss in ("minimax", "non_saturating"):
        if alpha:
            # Eq. 10: real target 1 - α, fake target 0
            real_term = (1.0 - alpha) * log_d(real_scores) + alpha * log_one_minus_d(real_scores)
            return -tf.reduce_mean(real_term) - tf.reduce_mean(log_one_minus_d(fake_scores))
        # Eq. 2: L_D = -V(D, G), so descending L_D is gradient ascent on V
        return -minimax_value(real_scores, fake_scores)
    if loss == "lsgan":
        # Eq. 5: L_D = E (D(x) - 1)² + E D(G(z))²   (target 1 - α with smoothing)
        return tf.reduce_mean(tf.square(real_scores - (1.0 - alpha))) + tf.reduce_mean(tf.square(fake_scores))
    # Eq. 7: L_D = E D(G(z)) - E D(x)
    return tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)


def generator_loss(loss: str, fake_scores):
    """L_G of `loss` (Eqs. 3, 4, 6, 8)."""
    validation.check_choice("loss", loss, LOSSES)
    fake_scores = tf.cast(fake_scores, tf.float32)
    if loss == "minimax":
        # Eq. 3: L_G = E log(1 - D(G(z)))   (saturates when D(G(z)) ≈ 0)
        return tf.reduce_mean(log_one_minus_d(fake_scores))
    if loss == "non_saturating":
        # Eq. 4: L_G = -E log D(G(z))   (maximise the probability that D is wrong)
        return -tf.reduce_mean(log_d(fake_scores))
    if loss == "lsgan":
        # Eq. 6: L_G = E (D(G(z)) - 1)²
        return tf.reduce_mean(tf.square(fake_scores - 1.0))
    # Eq. 8: L_G = -E D(G(z))
    return -tf.reduce_mean(fake_scores)


def interpolates(real, fake, epsilon):
    """Eq. 9: x̂ = ε x + (1 - ε) G(z), one ε per sample, broadcast over the other axes."""
    shape = [-1] + [1] * (len(real.shape) - 1)
    epsilon = tf.reshape(tf.cast(epsilon, real.dtype), shape)  # (B, 1, ..., 1)
    return epsilon * real + (1.0 - epsilon) * fake


def gradient_penalty(critic, real, fake, epsilon=None):
    """Eq. 9 without λ: E_x̂ (‖∇_x̂ D(x̂)‖₂ - 1)², the gradient norm taken per sample.

    Args:
        critic: callable x -> scores (close over the labels of a conditional critic).
        real, fake: batches of the same shape.
        epsilon: (B,) mixing weights; drawn from U(0, 1) when None.
    """
    real, fake = tf.convert_to_tensor(real), tf.convert_to_tensor(fake)
    if epsilon is None:
        epsilon = tf.random.uniform([tf.shape(real)[0]])
    mixed = interpolates(real, fake, epsilon)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        scores = critic(mixed)
    grads = tape.gradient(scores, mixed)
    # per-sample ‖∇_x̂ D(x̂)‖₂ over every non-batch axis: (B,)
    norms = tf.sqrt(tf.reduce_sum(tf.square(tf.reshape(grads, [tf.shape(grads)[0], -1])), axis=1) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))


def generator_gradient_wrt_scores(loss: str, fake_scores):
    """∂L_G/∂s at each fake score s (per sample, not averaged): the notes' flat-gradient plot.

    For "minimax" it is -σ(s) = -D(G(z)), close to 0 where D(G(z)) ≈ 0; for
    "non_saturating" it is -(1 - σ(s)), close to -1 there.
    """
    scores = tf.convert_to_tensor(fake_scores, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(scores)
        total = generator_loss(loss, scores) * tf.cast(tf.size(scores), tf.float32)
    return tape.gradient(total, scores)
