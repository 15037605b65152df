"""The recipe's measurement scripts run end to end on a slice of fra.txt (tiny sizes; the
numbers are the README's, measured separately)."""
import json

import numpy as np
import pytest

from benchmarks import recipe_fra, recipe_report, subword_units
from npseq2seq import Seq2Seq
from npseq2seq.text import SubwordVocab


def test_recipe_fra_and_its_report_run(fra_path, tmp_path, capsys):
    out, model = tmp_path / "r.json", tmp_path / "r.npz"
    result = recipe_fra.main(["--name", "tiny", "--data", str(fra_path), "--budget", "60", "--eval-every", "0",
                              "--eval-n", "10", "--out", str(out), "--save", str(model), "--",
                              "--num-samples", "300", "--held-out", "20", "--level", "word", "--mask-zero",
                              "--attention", "luong", "--bucket-by-length", "--latent-dim", "8",
                              "--epochs", "2", "--validation-split", "0"])
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["held_out_pairs"] == 20 and len(saved["curve"]) == 2
    assert all("chrf" in point and point["n"] == 10 for point in saved["curve"])
    assert saved["final"]["n"] == 20 and saved["peak_rss_mb"] > 0 and result["name"] == "tiny"
    recipe_report.main([str(out), "--plot", str(tmp_path / "p.png"), "--models", str(model), "--examples", "3"])
    printed = capsys.readouterr().out
    assert (tmp_path / "p.png").stat().st_size > 0
    assert "| **tiny, final** |" in printed and printed.count("\n| ") >= 3 + 2 + 3
    recipe_report.main([str(out), "--names", "the recipe"])           # the README's names, not --name
    assert "| **the recipe, final** |" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        recipe_report.main([str(out), "--names", "one", "two"])


def test_a_recipe_run_resumed_from_its_state_ends_as_an_uninterrupted_one(fra_path, tmp_path, monkeypatch):
    """--state: a run cut short by its wall-clock deadline in its second epoch, started again,
    ends with the weights and the curve (scores, losses) of a run that never stopped."""
    import numpy as np

    from npseq2seq import io

    def run(name_of_files, state=None):
        argv = ["--name", "tiny", "--data", str(fra_path), "--budget", "600", "--eval-every", "0",
                "--eval-n", "10", "--out", str(tmp_path / f"{name_of_files}.json"),
                "--save", str(tmp_path / f"{name_of_files}.npz")]
        argv += ["--state", str(state)] if state else []
        return recipe_fra.main(argv + ["--", "--num-samples", "300", "--held-out", "20", "--latent-dim", "8",
                                       "--epochs", "3", "--validation-split", "0", "--padding", "zero",
                                       "--bucket-by-length"])

    whole = run("whole")
    state = tmp_path / "run.state.npz"
    real_end = recipe_fra.CpuBudget.on_train_batch_end

    def deadline_in_epoch_2(self, batch, logs=None):
        real_end(self, batch, logs)
        if len(self.curve) == 1 and batch == 1:   # the second epoch's second batch: "the clock"
            self.model.stop_training = self.stopped_by_clock = True

    monkeypatch.setattr(recipe_fra.CpuBudget, "on_train_batch_end", deadline_in_epoch_2)
    assert run("cut", state) is None and not (tmp_path / "cut.json").exists()
    assert io.load_checkpoint(state)[1]["epoch"] == 1            # the whole epoch, not the cut one
    monkeypatch.setattr(recipe_fra.CpuBudget, "on_train_batch_end", real_end)
    resumed = run("cut", state)
    assert [p["epoch"] for p in resumed["curve"]] == [1, 2, 3]
    keys = ("loss", "chrf", "bleu", "cer", "exact")
    assert [[p[k] for k in keys] for p in resumed["curve"]] == [[p[k] for k in keys] for p in whole["curve"]]
    assert resumed["final"]["chrf"] == whole["final"]["chrf"]
    a, b = io.load_model(tmp_path / "whole.npz"), io.load_model(tmp_path / "cut.npz")
    assert all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))
    with pytest.raises(SystemExit, match="not a --state checkpoint of --name other"):
        recipe_fra.main(["--name", "other", "--data", str(fra_path), "--state", str(state), "--",
                         "--num-samples", "300", "--held-out", "20"])


def test_a_branch_from_a_trunks_state_is_the_run_with_the_branchs_flags(fra_path, tmp_path):
    """--branch-from: a trunk of 2 epochs, then a branch whose learning rate halves from epoch
    3, ends with the weights and curve of one run with the branch's flags from the start (the
    decay leaves the first 2 epochs as they were); flags that decided the weights otherwise
    are refused, naming them."""
    import numpy as np

    from npseq2seq import io

    common = ["--num-samples", "300", "--held-out", "20", "--latent-dim", "8", "--validation-split", "0",
              "--padding", "zero", "--bucket-by-length"]

    def run(name, flags, *extra):
        return recipe_fra.main(["--name", name, "--data", str(fra_path), "--budget", "600", "--eval-every", "0",
                                "--eval-n", "10", "--out", str(tmp_path / f"{name}.json"),
                                "--save", str(tmp_path / f"{name}.npz"), *extra, "--", *common, *flags])

    branch_flags = ["--epochs", "3", "--decay-from", "3"]
    whole = run("whole", branch_flags)
    trunk = run("trunk", ["--epochs", "2"], "--state", str(tmp_path / "trunk.state.npz"))
    branch = run("branch", branch_flags, "--branch-from", str(tmp_path / "trunk.state.npz"),
                 "--state", str(tmp_path / "branch.state.npz"))
    assert branch["branched"] == {"from": "trunk", "epoch": 2, "flags": [*common, "--epochs", "2"]}
    assert branch["curve"][:2] == trunk["curve"] and len(branch["curve"]) == 3
    keys = ("loss", "chrf", "bleu")
    assert [[p[k] for k in keys] for p in branch["curve"]] == [[p[k] for k in keys] for p in whole["curve"]]
    assert branch["curve"][2]["learning_rate"] == whole["curve"][2]["learning_rate"] == float(np.float32(0.0005))
    assert branch["final"]["chrf"] == whole["final"]["chrf"]
    a, b = io.load_model(tmp_path / "whole.npz"), io.load_model(tmp_path / "branch.npz")
    assert all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))
    with pytest.raises(SystemExit, match="--latent-dim 8 there, 16 here"):
        recipe_fra.main(["--name", "bad", "--data", str(fra_path), "--branch-from", str(tmp_path / "trunk.state.npz"),
                         "--", *common, "--latent-dim", "16", "--epochs", "3"])
    with pytest.raises(SystemExit, match="no such file"):
        recipe_fra.main(["--name", "bad", "--data", str(fra_path), "--branch-from", str(tmp_path / "none.npz"),
                         "--", *common])


def test_a_recipe_measurement_validates_on_held_out_sentences_and_stops_early(fra_path, tmp_path):
    """--validation-held-out N --early-stopping P: fit gets `train`'s validation pairs, the
    curve its val_loss, and EarlyStopping watches it; --state still refuses the callbacks."""
    from npseq2seq.cli.splits import held_out_pairs, validation_pairs
    from npseq2seq.cli.train import train_settings
    from npseq2seq.text import load_pairs

    flags = ["--num-samples", "300", "--held-out", "20", "--validation-held-out", "30", "--level", "word",
             "--mask-zero", "--latent-dim", "16", "--batch-size", "16", "--learning-rate", "0.03",
             "--epochs", "12", "--early-stopping", "2"]
    argv = ["--name", "tiny", "--data", str(fra_path), "--budget", "600", "--eval-every", "1e9", "--eval-n", "5",
            "--out", str(tmp_path / "r.json")]
    result = recipe_fra.main(argv + ["--"] + flags)
    settings = train_settings(recipe_fra.build_parser().parse_args(
        ["train", "--data", str(fra_path), "--out", "x.npz", *flags]), None)
    train, val = validation_pairs(held_out_pairs(load_pairs(fra_path, 300), settings), settings)
    assert result["train_pairs"] == len(train[0]) and result["validation_pairs"] == len(val[0]) > 30
    assert result["held_out_pairs"] == 20
    val_loss = [point["val_loss"] for point in result["curve"]]
    # the same run as test_cli_validation's early-stopping one: stopped 2 epochs after val_loss's best
    assert len(val_loss) < 12 and len(val_loss) == val_loss.index(min(val_loss)) + 1 + 2
    with pytest.raises(SystemExit, match="--state: the checkpoint does not keep EarlyStopping's"):
        recipe_fra.main(argv + ["--state", str(tmp_path / "s.npz"), "--"] + flags)


def test_recipe_fra_trains_a_subword_model(fra_path, tmp_path):
    out, model = tmp_path / "s.json", tmp_path / "s.npz"
    recipe_fra.main(["--name", "bpe", "--data", str(fra_path), "--budget", "60", "--eval-every", "0",
                     "--eval-n", "5", "--out", str(out), "--save", str(model), "--",
                     "--num-samples", "300", "--held-out", "20", "--level", "subword", "--subword-merges", "120",
                     "--mask-zero", "--attention", "luong_general", "--input-feeding", "--bucket-by-length",
                     "--latent-dim", "8", "--epochs", "1", "--validation-split", "0"])
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["settings"]["level"] == "subword" and saved["settings"]["subword_merges"] == 120
    assert saved["final"]["n"] == 20
    assert isinstance(Seq2Seq.load(model).vocab, SubwordVocab)


def test_subword_units_measures_both_levels(fra_path, tmp_path, monkeypatch):
    monkeypatch.setattr(subword_units, "RECIPE", ["--num-samples", "300", "--held-out", "20", "--mask-zero",
                                                  "--latent-dim", "8", "--bucket-by-length", "--validation-split", "0"])
    result = subword_units.main(["--data", str(fra_path), "--merges", "100", "--max-words", "100",
                                 "--batches", "2", "--repeats", "1", "--out", str(tmp_path / "u.json")])
    assert result["word"]["target_tokens"] == 104 and result["subword"]["held_out_refs_with_unk"] <= \
        result["word"]["held_out_refs_with_unk"]
    assert all(result[level]["batch_cpu_s"] > 0 for level in ("word", "subword"))


@pytest.fixture(scope="module")
def tiny_recipe(fra_path, tmp_path_factory):
    """(recipe_fra's JSON, the model it saved): one epoch of a tiny model on 300 pairs, 20
    of them held out."""
    folder = tmp_path_factory.mktemp("tiny")
    out, model = folder / "r.json", folder / "r.npz"
    recipe_fra.main(["--name", "tiny", "--data", str(fra_path), "--budget", "60", "--eval-every", "0",
                     "--eval-n", "10", "--out", str(out), "--save", str(model), "--",
                     "--num-samples", "300", "--held-out", "20", "--latent-dim", "8",
                     "--epochs", "1", "--validation-split", "0"])
    return out, model


def test_recipe_rescore_scores_a_saved_model_both_ways(fra_path, tiny_recipe):
    """benchmarks.recipe_rescore: greedy and beam, the first reference and all of them; its
    first-reference greedy chrF is recipe_fra's own final score of the same model."""
    from benchmarks import recipe_rescore

    out, model = tiny_recipe
    rows = recipe_rescore.main([str(model), "--data", str(fra_path), "--num-samples", "300",
                                "--held-out", "20", "--beam", "2", "--first", "5", "--human"])
    human, *rows = rows
    assert [r["decoding"] for r in rows] == ["greedy", "beam2"] and rows[0]["n"] == 20
    _, _, every = recipe_rescore.held_out(str(fra_path), 300, 20)
    assert human["n"] == sum(len(set(e)) > 1 for e in every) > 0
    assert human["translated_twice"]["exact"] == 0     # never the reference itself
    assert all(set(r["translated_twice"]) == {"chrf", "bleu", "cer", "exact"} for r in rows)
    final = json.loads(out.read_text(encoding="utf-8"))["final"]
    assert rows[0]["first_reference"]["chrf"] == pytest.approx(final["chrf"])
    for row in rows:   # an exact match of the first reference is one of any reference
        assert row["all_references"]["exact"] >= row["first_reference"]["exact"]
        assert set(row["first_reference"]) == {"chrf", "bleu", "cer", "exact", "chrf_first5", "chrf_rest"}


def test_a_second_translation_is_never_the_reference():
    from benchmarks.recipe_rescore import second_translations

    references = ["Va !", "Cours !", "Salut !"]
    every = [["Va !"], ["Cours !", "Cours !", "Courez !"], ["Salut !", "Salut.", "Bonjour !"]]
    assert second_translations(references, every) == ([1, 2], ["Courez !", "Salut."])


def test_shadow_averages_are_keras_use_ema_averages_and_leave_training_alone(fra_path, tmp_path):
    """--shadow-ema: the average after every step is Keras's use_ema average of the weights
    (replayed here from the weights each step left), the run's weights and curve are the run's
    without it, and every momentum is scored at the end."""
    import numpy as np

    from npseq2seq import Seq2Seq
    from npseq2seq.callbacks import Callback
    from tests.gradutil import random_batch

    class Steps(Callback):
        def __init__(self):
            super().__init__()
            self.weights = []

        def on_train_batch_end(self, batch, logs=None):
            self.weights.append([p.copy() for p in self.model.params])

    x_enc, x_dec, y = random_batch(np.random.default_rng(0), 24, 4, 3, 5, 6)
    model = Seq2Seq(5, 6, 4, seed=3)
    model.compile("rmsprop")
    budget = recipe_fra.CpuBudget(1e9, 1e9, None, 0)
    shadows, steps = recipe_fra.ShadowAverages([0.5, 0.9], budget), Steps()
    model.fit([x_enc, x_dec], y, batch_size=8, epochs=2, verbose=0, callbacks=[shadows, steps])
    assert len(steps.weights) == 6
    for m in (0.5, 0.9):
        m32 = np.float32(m)
        replay = [w.copy() for w in steps.weights[0]]
        for weights in steps.weights[1:]:
            replay = [m32 * a + (np.float32(1) - m32) * w for a, w in zip(replay, weights)]
        assert all(a.tobytes() == b.tobytes() for a, b in zip(replay, shadows.averages[m]))
    assert all(a.tobytes() == b.tobytes() for a, b in zip(model.params, steps.weights[-1]))

    common = ["--num-samples", "300", "--held-out", "20", "--latent-dim", "8", "--validation-split", "0",
              "--padding", "zero", "--bucket-by-length", "--epochs", "2"]
    runs = [recipe_fra.main(["--name", name, "--data", str(fra_path), "--budget", "600", "--eval-n", "10",
                             "--out", str(tmp_path / f"{name}.json"), *extra, "--", *common])
            for name, extra in (("plain", []), ("shadowed", ["--shadow-ema", "0.9", "0.99"]))]
    assert runs[0]["final"]["chrf"] == runs[1]["final"]["chrf"]
    assert [p["loss"] for p in runs[0]["curve"]] == [p["loss"] for p in runs[1]["curve"]]
    assert sorted(runs[1]["final_ema"]) == ["0.9", "0.99"] and runs[0]["final_ema"] is None
    assert all(scored["n"] == 20 for scored in runs[1]["final_ema"].values())
    with pytest.raises(SystemExit, match="--shadow-ema: the averages are not kept in the --state"):
        recipe_fra.main(["--name", "x", "--data", str(fra_path), "--shadow-ema", "0.9",
                         "--state", str(tmp_path / "s.npz"), "--", *common])


def test_beam_settings_folds_cover_every_input_once():
    from benchmarks.beam_settings import folds

    parts = folds(11, 3, seed=0)
    assert sorted(np.concatenate(parts).tolist()) == list(range(11))
    assert [len(p) for p in parts] == [4, 4, 3]
    assert all(np.array_equal(a, b) for a, b in zip(parts, folds(11, 3, seed=0)))
    with pytest.raises(ValueError, match="--folds 1"):
        folds(11, 1, seed=0)


def test_beam_settings_choose_each_part_on_the_other_parts():
    """A setting right on part 0 only and one right on part 1 only: cross-validation gives
    each part the other part's choice (wrong on both), never the part's own best."""
    from benchmarks.beam_settings import cross_validated

    references = ["le chat dort", "il pleut fort", "nous avons faim", "elle lit un livre"]
    wrong = ["zzz qqq", "xxx www", "vvv uuu", "ttt sss"]
    hypotheses = {"first": references[:2] + wrong[2:], "second": wrong[:2] + references[2:]}
    parts = [np.array([0, 1]), np.array([2, 3])]
    chosen, settings = cross_validated(hypotheses, references, parts)
    assert settings == ["second", "first"] and chosen == wrong
    same = {"a": references, "b": references}        # a tie goes to the setting listed first
    assert cross_validated(same, references, parts) == (references, ["a", "a"])


def test_beam_settings_score_a_saved_model(fra_path, tiny_recipe, tmp_path):
    """End to end on a tiny model: every setting in the grid, beam 1 equal to greedy whatever
    alpha, and the best setting's score bounds the cross-validated one."""
    from benchmarks import beam_settings, recipe_rescore
    from npseq2seq import io

    _, model = tiny_recipe
    out = tmp_path / "s.json"
    row, = beam_settings.main([str(model), "--data", str(fra_path), "--num-samples", "300",
                               "--held-out", "20", "--beams", "1", "3", "--alphas", "0", "1",
                               "--out", str(out)])
    grid = row["grid"]
    assert set(grid) == {"beam1 alpha0", "beam1 alpha1", "beam3 alpha0", "beam3 alpha1"}
    inputs, references, _ = recipe_rescore.held_out(str(fra_path), 300, 20)
    greedy = io.load_model(model).translate(inputs, errors="ignore", truncate=True)
    assert grid["beam1 alpha0"] == grid["beam1 alpha1"] == recipe_rescore.four_scores(greedy, references)
    assert len(row["cross_validated"]["settings"]) == 2
    assert row["chosen_on_these_sentences"]["chrf"] == max(g["chrf"] for g in grid.values())
    assert row["cross_validated"]["chrf"] <= row["chosen_on_these_sentences"]["chrf"] + 1e-9
    assert json.loads(out.read_text(encoding="utf-8")) == [row]


def test_mbr_chooses_the_candidate_the_others_agree_with():
    """benchmarks.recipe_mbr.mbr_choice: the consensus of the candidates, not the first; a
    weight can overrule the count; one candidate is itself."""
    from benchmarks.recipe_mbr import mbr_choice, probabilities

    assert mbr_choice(["Xyz abc.", "Il neige.", "Il pleut.", "Il pleut."]) == "Il pleut."
    assert mbr_choice(["Bonjour.", "Au revoir.", "Au revoir !"], [0.98, 0.01, 0.01]) == "Bonjour."
    assert mbr_choice(["Seul."]) == "Seul."

    class T:                       # a Translation's log-probability is all probabilities reads
        def __init__(self, log_prob):
            self.log_prob = log_prob

    assert probabilities([T(-1000.0), T(-1000.0 - np.log(3))]) == pytest.approx([0.75, 0.25])


def test_recipe_mbr_scores_every_decoding_of_a_saved_model(fra_path, tiny_recipe):
    """benchmarks.recipe_mbr end to end: every other held-out input, each decoding's chrF; its
    greedy score on them is recipe_rescore's greedy translations scored on the same inputs."""
    from benchmarks import recipe_mbr
    from benchmarks.recipe_rescore import held_out
    from npseq2seq import io, metrics

    _, model = tiny_recipe
    row, = recipe_mbr.main([str(model), "--data", str(fra_path), "--num-samples", "300", "--held-out", "20",
                            "--beam", "3", "--samples", "4"])
    assert row["n"] == 10 and set(row["chrf"]) == {
        "greedy", "beam5", "beam3", "mbr_beam3", "mbr_beam3_weighted", "mbr_samples4", "mbr_samples4_and_beam3"}
    inputs, references, _ = held_out(str(fra_path), 300, 20)
    greedy = io.load_model(str(model)).translate(inputs[1::2], errors="ignore", truncate=True)
    assert row["chrf"]["greedy"] == pytest.approx(metrics.chrf(greedy, references[1::2]))
