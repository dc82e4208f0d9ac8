"""Decoding: turning a language model's next-token distributions into a sentence.

A captioner (given its image), a seq2seq decoder (given its source) or any language model gives,
for a prefix y_<t = (<start>, y_1, ..., y_{t-1}), a distribution over the next token y_t. The
notes' two inference methods read it differently: *sampling* draws each word from it until
<end> comes out; *beam search* keeps the K best sentences up to time t as the candidates for
time t + 1. Greedy decoding is beam search with K = 1, and sampling as T -> 0.

    (1) log p(y | y_<t) = z_y − log Σ_v exp(z_v)        z = step_fn(y_<t): log-probabilities or logits
    (2) log P(y_1 … y_L) = Σ_{t=1..L} log p(y_t | y_<t)                      score of a sequence
    (3) greedy:    y_t = argmax_y log p(y | y_<t)
    (4) sampling:  y_t ~ softmax(z / T)        T = 1: the model; T -> 0: Eq. 3; T > 1: flatter
    (5) beam:      B_t = the K best of {(b, y) : b ∈ B_{t-1}, y ∈ V} by Eq. 2       B_0 = {(<start>)}
    (6) ranking of the finalists: log P(y_1 … y_L) / L^α                     α = length_penalty

Every strategy stops a sequence at <end> (kept as its last token) or after `max_length` tokens.
In Eq. 5 a candidate that ends with <end> leaves the beam for the finalists, and the beam goes on
with one prefix fewer, so the search ends when all K hypotheses have ended (or at `max_length`,
whose unfinished prefixes join the finalists). α = 0 ranks them by Eq. 2, which favors short
sentences; α = 1 ranks them by the mean log-probability per token.

The model is a step function ``step_fn(prefixes) -> scores``: prefixes (B, t) int32, each starting
with <start>, to scores (B, V); beam search calls it once per step on all K prefixes at once, so a
Keras model that maps token ids to next-token logits can be passed as it is.

``beam_search`` mirrors ``keras_hub.samplers.BeamSampler`` and ``greedy`` mirrors
``keras_hub.samplers.GreedySampler`` (``tests/sequence/test_decoding.py``); BeamSampler has no
finalists: its beams run to the full length, past a stop token, so they agree with ``end_id=None``.

Symbols -> names: K = ``width``, T = ``temperature``, α = ``length_penalty``, L = ``len(tokens)``,
V = the vocabulary size (the scores' last axis).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from toolkit.validation import check_bool, check_int, check_nonnegative, check_positive_int, check_seed

StepFn = Callable[[np.ndarray], np.ndarray]  # (B, t) int32 prefixes -> (B, V) log-probabilities or logits


class Hypothesis(NamedTuple):
    """A decoded sequence: its tokens after <start> (with <end> last if it ended) and Eq. 2."""

    tokens: tuple[int, ...]
    log_prob: float
    finished: bool


def greedy(step_fn: StepFn, start_id: int, end_id: int | None, max_length: int) -> Hypothesis:
    """Eq. 3 at every step, from <start> to <end> or `max_length` tokens."""
    return _one_at_a_time(step_fn, start_id, end_id, max_length, np.argmax)


def sample(step_fn: StepFn, start_id: int, end_id: int | None, max_length: int, *,
           temperature: float = 1.0, seed: int = 0) -> Hypothesis:
    """Eq. 4 at every step; `temperature` = 0 is greedy. The log-probability is the model's (T = 1)."""
    temperature = check_nonnegative("temperature", temperature)
    rng = np.random.default_rng(check_seed(seed))

    def draw(log_probs: np.ndarray) -> int:
        if temperature == 0:
            return int(np.argmax(log_probs))
        # Eq. 4: softmax(z / T), with z the log-probabilities of Eq. 1
        probs = np.exp(_log_softmax(log_probs / temperature))
        return int(rng.choice(len(probs), p=probs / probs.sum()))

    return _one_at_a_time(step_fn, start_id, end_id, max_length, draw)


def beam_search(step_fn: StepFn, start_id: int, end_id: int | None, max_length: int, *, width: int = 3,
                length_penalty: float = 0.0, return_all: bool = False) -> Hypothesis | list[Hypothesis]:
    """Eqs. 5-6: the best hypothesis, or all (at most `width`) finalists best first if `return_all`."""
    start_id, end_id, max_length = _check_ids(start_id, end_id, max_length)
    width = check_positive_int("width", width)
    length_penalty = check_nonnegative("length_penalty", length_penalty)
    check_bool("return_all", return_all)
    beams = np.full((1, 1), start_id, np.int32)  # (k, t) the live prefixes, B_0 = {(<start>)}
    scores = np.zeros(1)                           # (k,) their Eq. 2
    finalists = []
    for _ in range(max_length):
        log_probs = _next_log_probs(step_fn, beams, end_id)  # (k, V)
        # Eq. 5: every one-token extension scored by Eq. 2, the best (K − finished) kept
        beam, token, scores = _best(scores[:, None] + log_probs, width - len(finalists))
        beams = np.concatenate([beams[beam], token[:, None]], axis=1)  # (k', t + 1)
        ended = token == end_id if end_id is not None else np.zeros(len(token), bool)
        finalists += _hypotheses(beams[ended], scores[ended], finished=True)
        beams, scores = beams[~ended], scores[~ended]
        if not len(beams):
            break
    finalists += _hypotheses(beams, scores, finished=False)
    # Eq. 6 (a stable sort: equal scores keep the order in which they were found)
    ranked = sorted(finalists, key=lambda h: -h.log_prob / len(h.tokens) ** length_penalty)
    return ranked if return_all else ranked[0]


def _one_at_a_time(step_fn: StepFn, start_id, end_id, max_length, choose) -> Hypothesis:
    """Greedy or sampling: one prefix extended by `choose(log-probabilities)` until <end>."""
    start_id, end_id, max_length = _check_ids(start_id, end_id, max_length)
    prefix, log_prob = [start_id], 0.0
    for _ in range(max_length):
        log_probs = _next_log_probs(step_fn, np.array([prefix], np.int32), end_id)[0]  # (V,)
        token = int(choose(log_probs))
        # Eq. 2
        log_prob += float(log_probs[token])
        prefix.append(token)
        if token == end_id:
            break
    return Hypothesis(tuple(prefix[1:]), log_prob, prefix[-1] == end_id)


def _best(candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k highest finite entries of (beams, V) scores: (their beam, their token, their score)."""
    flat = candidates.ravel()
    order = np.argsort(-flat, kind="stable")[:k]  # ties: the earlier beam, then the lower token id
    order = order[np.isfinite(flat[order])]        # a token of probability 0 is never chosen
    beam, token = np.divmod(order, candidates.shape[1])
    return beam, token.astype(np.int32), flat[order]


def _hypotheses(beams: np.ndarray, scores: np.ndarray, finished: bool) -> list[Hypothesis]:
    return [Hypothesis(tuple(int(t) for t in beam[1:]), float(s), finished) for beam, s in zip(beams, scores)]


def _next_log_probs(step_fn: StepFn, prefixes: np.ndarray, end_id: int | None) -> np.ndarray:
    """Eq. 1 for every prefix: (B, t) -> (B, V), checked."""
    scores = np.asarray(step_fn(prefixes), np.float64)
    if scores.ndim != 2 or scores.shape[0] != len(prefixes):
        raise ValueError(f"`step_fn` must map prefixes of shape (B, t) to scores of shape (B, V), received "
                         f"shape {scores.shape} for prefixes of shape {prefixes.shape}.")
    if end_id is not None and end_id >= scores.shape[1]:
        raise ValueError(f"`end_id` must be a token of the vocabulary, in [0, {scores.shape[1] - 1}], "
                         f"received end_id={end_id}.")
    if np.isnan(scores).any() or np.isneginf(scores.max(axis=1)).any() or np.isposinf(scores).any():
        raise ValueError(f"`step_fn` must return finite log-probabilities or logits (-inf for an impossible "
                         f"token, not for all of them), received {scores[:2]!r} for prefixes {prefixes[:2]!r}.")
    return _log_softmax(scores)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    """Eq. 1 along the last axis; -inf (probability 0) stays -inf."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _check_ids(start_id, end_id, max_length) -> tuple[int, int | None, int]:
    start_id = check_int("start_id", start_id, 0)
    end_id = None if end_id is None else check_int("end_id", end_id, 0, hint="Pass end_id=None for no end token.")
    return start_id, end_id, check_positive_int("max_length", max_length)
