"""`train --validation-held-out N`: a validation set of N input sentences drawn at random
from the pairs --held-out leaves, passed to fit as validation_data (README, "A recipe that
translates unseen sentences"). On a slice of fra.txt (its repeated English sentences are
the point), tiny models: these check which pairs are used and how, never how well."""
import contextlib
import io

import numpy as np
import pytest

from npseq2seq import Seq2Seq, cli
from npseq2seq.cli.args import training_arrays
from npseq2seq.cli.splits import held_out_pairs, validation_pairs
from npseq2seq.cli.train import keras_callbacks, train_settings
from npseq2seq.text import load_pairs
from npseq2seq.text.split import held_out_split

N, TEST, VAL = 300, 20, 30     # pairs read, test sentences (--held-out), validation sentences


def train(fra_path, out, *flags, num_samples=N):
    """(exit status, stdout, stderr) of `npseq2seq train` run in this process."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = cli.main(["train", "--data", str(fra_path), "--num-samples", str(num_samples),
                               "--out", str(out), "--show", "0", *map(str, flags)])
        except SystemExit as exit_:          # argparse's own errors
            status = exit_.code
    return status, stdout.getvalue(), stderr.getvalue()


def settings_of(fra_path, *flags):
    args = cli.build_parser().parse_args(["train", "--data", str(fra_path), "--num-samples", str(N),
                                          "--out", "m.npz", *map(str, flags)])
    return train_settings(args, None)


def splits(fra_path, *flags):
    """(all pairs, training pairs, validation pairs, test pairs) as `train` and `evaluate` make them."""
    settings = settings_of(fra_path, "--held-out", TEST, "--validation-held-out", VAL, *flags)
    pairs = load_pairs(fra_path, N)
    train_pairs, val = validation_pairs(held_out_pairs(pairs, settings), settings)
    return pairs, train_pairs, val, held_out_pairs(pairs, settings, held_out_only=True)


def test_the_three_splits_are_disjoint_by_sentence_and_cover_the_file(fra_path):
    pairs, train_pairs, val, test = splits(fra_path)
    lines = list(zip(*pairs))
    train_in, val_in, test_in = set(train_pairs[0]), set(val[0]), set(test[0])
    assert len(val_in) == VAL and len(test_in) == len(test[0]) == TEST
    assert not train_in & val_in and not train_in & test_in and not val_in & test_in
    assert train_in | val_in | test_in == set(pairs[0])
    # every line is in exactly one split: training, validation (every pair of its sentence,
    # in file order), or a test sentence's (the test keeps the first pair of each)
    assert list(zip(*train_pairs)) == [p for p in lines if p[0] in train_in]
    assert list(zip(*val)) == [p for p in lines if p[0] in val_in]
    assert len(val[0]) > VAL                      # fra.txt repeats sentences: the others are in too
    assert len(train_pairs[0]) + len(val[0]) + sum(p[0] in test_in for p in lines) == N
    # the test split is the one --held-out always drew, whatever the validation flag
    assert test == held_out_split(*pairs, TEST, seed=0)[1]


def test_the_validation_sentences_do_not_depend_on_seed(fra_path):
    _, train0, val0, test0 = splits(fra_path, "--seed", 0)
    _, train7, val7, test7 = splits(fra_path, "--seed", 7)
    assert (train0, val0, test0) == (train7, val7, test7)
    # without --held-out they are drawn from all the pairs
    settings = settings_of(fra_path, "--validation-held-out", VAL)
    _, val = validation_pairs(load_pairs(fra_path, N), settings)
    assert len(set(val[0])) == VAL


def real_step_loss(model, x, y) -> float:
    """The mean cross-entropy over the real target steps (those before the padding), from
    ``predict``'s probabilities: the loss that bucketing reports (train/batches.py)."""
    probabilities = model.predict(x)
    n, t = np.nonzero(y != (0 if model.level == "word" else -1))
    return float(-np.log(probabilities[n, t, y[n, t]].astype(np.float64)).mean())


@pytest.mark.parametrize("flags", [
    [],
    ["--level", "word", "--mask-zero", "--attention", "luong"],
    ["--level", "word", "--mask-zero", "--attention", "luong", "--bucket-by-length"],
    ["--padding", "zero", "--bucket-by-length"],
], ids=["char", "word-mask-attention", "word-bucketed", "char-bucketed"])
def test_history_val_loss_is_the_loss_of_the_validation_pairs(fra_path, tmp_path, flags):
    out = tmp_path / "m.npz"
    status, stdout, stderr = train(fra_path, out, "--held-out", TEST, "--validation-held-out", VAL,
                                   "--latent-dim", 4, "--epochs", 2, "--batch-size", 16, *flags)
    assert status == 0, stderr
    _, train_pairs, val, _ = splits(fra_path)
    assert (f"{len(train_pairs[0])} pairs ({TEST} input sentences held out); validating on "
            f"{len(val[0])} pairs of {VAL} other input sentences") in stdout
    model = Seq2Seq.load(out)
    history = model.training_state["history"]
    assert len(history["val_loss"]) == 2 and model.training_state["settings"]["validation_split"] == 0
    x, y = training_arrays(model, val)
    if "--bucket-by-length" in flags:     # the mean over real target steps, padding not counted
        assert history["val_loss"][-1] == pytest.approx(real_step_loss(model, x, y), rel=1e-6)
    else:                                 # Keras's evaluate, to the bit
        assert history["val_loss"][-1] == model.evaluate(x, y, batch_size=16)


def test_early_stopping_watches_the_validation_loss(fra_path, tmp_path):
    """At a high learning rate the validation loss turns up while the loss keeps falling:
    EarlyStopping stops PATIENCE epochs after val_loss's best and restores that epoch."""
    out, patience, epochs = tmp_path / "m.npz", 2, 12
    settings = settings_of(fra_path, "--validation-held-out", VAL, "--early-stopping", patience,
                           "--reduce-lr-on-plateau", 3)
    assert [c.monitor for c in keras_callbacks(settings)] == ["val_loss", "val_loss"]
    status, stdout, stderr = train(fra_path, out, "--held-out", TEST, "--validation-held-out", VAL,
                                   "--level", "word", "--mask-zero", "--latent-dim", 16, "--batch-size", 16,
                                   "--learning-rate", 0.03, "--epochs", epochs, "--early-stopping", patience)
    assert status == 0, stderr
    model = Seq2Seq.load(out)
    history = model.training_state["history"]
    loss, val_loss = history["loss"], history["val_loss"]
    best = int(np.argmin(val_loss))
    # what makes this test able to fail: the loss alone would not have stopped the run
    assert len(loss) < epochs and all(b < a for a, b in zip(loss, loss[1:]))
    assert len(val_loss) == best + 1 + patience
    assert f"Restoring model weights from the end of the best epoch: {best + 1}." in stdout
    x, y = training_arrays(model, splits(fra_path)[2])
    assert model.evaluate(x, y, batch_size=16) == val_loss[best]


def test_validation_split_and_validation_held_out_are_exclusive(fra_path, tmp_path):
    status, _, stderr = train(fra_path, tmp_path / "m.npz", "--validation-held-out", VAL,
                              "--validation-split", 0.1)
    assert status == 2 and ("--validation-held-out 30 and --validation-split 0.1 both choose the "
                            "validation data") in stderr
    # the split's default (0.2) gives way; an explicit 0 is allowed
    for flags in ([], ["--validation-split", 0]):
        assert settings_of(fra_path, "--validation-held-out", VAL, *flags)["validation_split"] == 0
    assert settings_of(fra_path)["validation_split"] == 0.2


@pytest.mark.parametrize("flags, message", [
    (["--validation-held-out", 0], "argument --validation-held-out: must be a positive integer, got 0"),
    (["--validation-held-out", -3], "argument --validation-held-out: must be a positive integer, got -3"),
    (["--validation-held-out", 150], "--validation-held-out 150: n=150: the pairs have only"),
    (["--held-out", 20, "--validation-held-out", 130],
     "--validation-held-out 130 (drawn from what --held-out 20 leaves): n=130: the pairs have only"),
])
def test_a_bad_number_of_validation_sentences_is_refused(fra_path, tmp_path, flags, message):
    status, _, stderr = train(fra_path, tmp_path / "m.npz", *flags, num_samples=200)
    assert status == 2 and message in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1


def test_resume_validates_on_the_same_sentences(fra_path, tmp_path):
    """A run cut after 2 epochs and resumed to 3 has the weights and the val_loss of an
    uninterrupted one; a changed (or added) --validation-held-out is refused."""
    flags = ("--held-out", TEST, "--validation-held-out", VAL, "--level", "word", "--mask-zero",
             "--bucket-by-length", "--latent-dim", 4, "--batch-size", 16)
    assert train(fra_path, tmp_path / "whole.npz", *flags, "--epochs", 3)[0] == 0
    assert train(fra_path, tmp_path / "cut.npz", *flags, "--epochs", 2)[0] == 0
    status, _, stderr = train(fra_path, tmp_path / "resumed.npz", "--resume", tmp_path / "cut.npz",
                              "--epochs", 3)
    assert status == 0, stderr
    whole, resumed = Seq2Seq.load(tmp_path / "whole.npz"), Seq2Seq.load(tmp_path / "resumed.npz")
    assert resumed.training_state["settings"]["validation_held_out"] == VAL
    assert resumed.training_state["history"] == whole.training_state["history"]
    assert all(np.array_equal(a, b) for a, b in zip(whole.get_weights(), resumed.get_weights()))
    status, _, stderr = train(fra_path, tmp_path / "x.npz", "--resume", tmp_path / "cut.npz", "--epochs", 3,
                              "--validation-held-out", VAL + 1)
    assert status == 2 and "--validation-held-out 31 does not match the checkpoint's --validation-held-out 30" \
        in stderr
    assert train(fra_path, tmp_path / "plain.npz", "--held-out", TEST, "--validation-split", 0,
                 "--latent-dim", 4, "--epochs", 1)[0] == 0
    status, _, stderr = train(fra_path, tmp_path / "x.npz", "--resume", tmp_path / "plain.npz", "--epochs", 2,
                              "--validation-held-out", VAL)
    assert status == 2 and "--validation-held-out 30 does not match the checkpoint's --validation-held-out None" \
        in stderr


def test_evaluate_still_scores_exactly_the_test_sentences(fra_path, tmp_path):
    out = tmp_path / "m.npz"
    assert train(fra_path, out, "--held-out", TEST, "--validation-held-out", VAL, "--latent-dim", 4,
                 "--epochs", 1)[0] == 0
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert cli.main(["evaluate", "--model", str(out), "--data", str(fra_path), "--beam", "1",
                         "--show", str(TEST)]) == 0
    printed = stdout.getvalue()
    assert f"the {TEST} input sentences held out of training" in printed and f"\n{TEST} pairs" in printed
    shown = [line.removeprefix("  input      ") for line in printed.splitlines()
             if line.startswith("  input      ")]
    assert shown == splits(fra_path)[3][0]
