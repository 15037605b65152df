"""The parity suite's tolerances, stated once. Every parity test reads them from here.

Differences are max |npseq2seq − Keras| over all entries, unless marked
"relative": then max |npseq2seq − Keras| / max |Keras| per weight array.
"""

TOLERANCES = {
    # float64: every difference measured here is at most 2.7e-15 (the table the suite
    # prints at its end); the bounds leave about three orders of magnitude for other CPUs'
    # kernels, and still catch a constant rounded to float32 somewhere (~1e-8)
    "float64": {
        "forward": 1e-12,            # training-model probabilities, inference states/probs
        "loss": 1e-12,               # loss values (evaluate, train_on_batch, compute_loss)
        "gradient": 1e-12,           # every weight's gradient vs tf.GradientTape
        "weights_1_step": 1e-12,     # weights after 1 optimizer step
        "weights_20_steps": 1e-11,   # weights after 20 optimizer steps
        "history": 1e-12,            # fit's per-epoch loss / val_loss
        # optimizers alone (tests/optimizers/test_parity.py), parameters (and slots) after 20 steps;
        # every other optimizer case there is bitwise:
        "optimizer_norm_clip": 1e-12,   # clipnorm / global_clipnorm: TF's reduce_sum adds the
                                        # squares in another order (measured 4.4e-16)
        "optimizer_graph_mode": 1e-12,  # RMSprop in tf.function: lr*g*rsqrt(d), not lr*g/sqrt(d)
                                        # (measured 1.1e-16)
    },
    "float32": {
        "forward": 1e-5,
        "loss": 1e-5,
        "gradient": 1e-4,            # relative to max |Keras gradient| of that weight
        "weights_1_step": 1e-5,
        "weights_20_steps": 1e-5,
        "history": 1e-5,
        "optimizer_norm_clip": 1e-6,    # measured 2.4e-7 (~2 ulp)
        "optimizer_graph_mode": 1e-6,   # measured 3.0e-8
    },
}

# The true gradient (exact_gradient=True) against centred finite differences of the
# loss, float64, h = 1e-5: truncation O(h²) plus rounding O(ε·|loss|/h) ≈ 3e-11 (measured
# about 7e-9 relative; h = 1e-6 gives 8e-8, rounding-dominated, h = 1e-4 3e-9),
# compared relative to the largest entry of each weight's gradient.
FINITE_DIFFERENCE_STEP = 1e-5
FINITE_DIFFERENCE_RELATIVE = 1e-7


def tol(dtype, check: str) -> float:
    return TOLERANCES[str(dtype)][check]
