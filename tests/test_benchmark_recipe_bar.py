"""benchmarks/recipe_bar.py: issue 19's bar from the result files, checked on made-up runs."""
import json
import math

import pytest

from benchmarks import recipe_bar


def write_runs(directory, runs, rescore_as_dict=False):
    """runs: {name: (greedy, beam 5 or None)} → NAME.json and one rescore file."""
    lines = []
    for name, (greedy, beam) in runs.items():
        (directory / f"{name}.json").write_text(json.dumps({"final": {"chrf": greedy}}))
        lines.append({"model": f"/somewhere/{name}.npz", "decoding": "greedy",
                      "first_reference": {"chrf": greedy}})
        if beam is not None:
            lines.append({"model": f"{name}.npz", "decoding": "beam5", "first_reference": {"chrf": beam}})
    body = {"command": "made up", "rows": lines} if rescore_as_dict else lines
    (directory / "rescore_test.json").write_text(json.dumps(body))


@pytest.mark.parametrize("as_dict", [False, True])
def test_margin_and_standard_error_by_hand(tmp_path, as_dict):
    write_runs(tmp_path, {"t1": (20.0, 21.0), "t2": (22.0, 21.0), "t3": (21.0, 20.0),
                          "c1": (50.0, 55.0), "c2": (52.0, 53.0)}, as_dict)
    result = recipe_bar.main(["--tutorial", "t1", "t2", "t3", "--command", "c1", "c2", "--dir", str(tmp_path)])
    greedy, better = result["greedy"], result["better decoding"]
    # greedy: tutorial 20, 22, 21 (mean 21, sd 1); command 50, 52 (mean 51, sd √2)
    assert greedy["margin"] == pytest.approx(51 - 2.5 * 21)
    assert greedy["se"] == pytest.approx(math.sqrt(2.5 ** 2 * 1 / 3 + 2 / 2))
    assert greedy["met_beyond_doubt"] is False
    # better decoding: each tutorial run's better of the two (21, 22, 21), the command's beam (55, 53)
    assert better["tutorial"] == pytest.approx(64 / 3)
    assert better["command"] == pytest.approx(54)
    assert better["ratio"] == pytest.approx(54 / (64 / 3))
    assert better["margin_in_se"] == pytest.approx(better["margin"] / better["se"])


def test_the_bar_is_met_beyond_doubt_only_at_two_standard_errors():
    assert recipe_bar.compare([60.0, 60.2], [20.0, 20.2, 19.8])["met_beyond_doubt"]   # margin 10.1, se 0.31
    close = recipe_bar.compare([50.6, 50.4], [20.0, 20.4, 19.6])                       # margin 0.5, se 0.59
    assert not close["met_beyond_doubt"] and close["margin"] > 0


def test_runs_without_a_result_file_are_left_out_and_named(tmp_path, capsys):
    write_runs(tmp_path, {"t1": (20.0, 21.0), "t2": (22.0, 21.0), "c1": (50.0, 55.0), "c2": (52.0, 53.0)})
    result = recipe_bar.main(["--tutorial", "t1", "t2", "t9", "--command", "c1", "c2", "--dir", str(tmp_path)])
    assert result["greedy"]["runs"] == [2, 2]
    assert "no result file (left out): t9" in capsys.readouterr().out


def test_a_run_without_beam_search_is_refused(tmp_path):
    write_runs(tmp_path, {"t1": (20.0, 21.0), "t2": (22.0, None), "c1": (50.0, 55.0), "c2": (52.0, 53.0)})
    with pytest.raises(SystemExit, match="t2: no beam-5 line"):
        recipe_bar.main(["--tutorial", "t1", "t2", "--command", "c1", "c2", "--dir", str(tmp_path)])


def test_one_run_of_either_is_not_enough(tmp_path):
    write_runs(tmp_path, {"t1": (20.0, 21.0), "c1": (50.0, 55.0), "c2": (52.0, 53.0)})
    with pytest.raises(SystemExit, match="two runs of each"):
        recipe_bar.main(["--tutorial", "t1", "--command", "c1", "c2", "--dir", str(tmp_path)])


def test_the_repository_holds_every_run_of_the_readmes_table():
    """The runs the README's table lists are in the repository, each with its beam-5 line."""
    beams = recipe_bar.beam_scores(recipe_bar.RESULTS)
    runs, missing = recipe_bar.run_scores(recipe_bar.TUTORIAL + recipe_bar.COMMAND, recipe_bar.RESULTS, beams)
    assert {name for name, _, _ in runs} >= {"tutorial", "tutorial_rerun", "tutorial_seed1",
                                             "tutorial_seed2", "tutorial_seed3", *recipe_bar.COMMAND}


def test_the_repository_holds_every_hour_long_run():
    """--every-run reads every run of EVERY_TUTORIAL and EVERY_COMMAND, none left out: the
    regression checks' beam lines under their model files' names (MODEL_NAMES)."""
    result = recipe_bar.main(["--every-run"])
    assert result["greedy"]["runs"] == [len(recipe_bar.EVERY_COMMAND), len(recipe_bar.EVERY_TUTORIAL)]
    assert set(recipe_bar.TUTORIAL) < set(recipe_bar.EVERY_TUTORIAL)
    assert set(recipe_bar.COMMAND) < set(recipe_bar.EVERY_COMMAND)
    assert {t for t, _ in recipe_bar.PAIRS} <= set(recipe_bar.EVERY_TUTORIAL)
    assert {c for _, c in recipe_bar.PAIRS} <= set(recipe_bar.EVERY_COMMAND)


def test_a_run_rescored_under_another_model_name(tmp_path, monkeypatch):
    write_runs(tmp_path, {"t1": (20.0, 21.0), "t2": (22.0, 21.0), "c1": (50.0, 55.0), "old_c2": (52.0, 53.0)})
    (tmp_path / "old_c2.json").rename(tmp_path / "c2.json")
    with pytest.raises(SystemExit, match="no beam-5 line for c2.npz"):
        recipe_bar.main(["--tutorial", "t1", "t2", "--command", "c1", "c2", "--dir", str(tmp_path)])
    monkeypatch.setitem(recipe_bar.MODEL_NAMES, "c2", "old_c2")
    result = recipe_bar.main(["--tutorial", "t1", "t2", "--command", "c1", "c2", "--dir", str(tmp_path)])
    assert result["better decoding"]["command"] == pytest.approx(54)


def test_pairs_are_read_pair_by_pair(tmp_path, capsys):
    """Each pair's margin is its command − 2.5 × its tutorial; the standard error is over the
    pairs' margins (sd / √n), not the unpaired formula."""
    write_runs(tmp_path, {"t1": (20.0, 21.0), "c1": (50.0, 55.0),     # greedy margin 0, better 2.5
                          "t2": (22.0, 21.0), "c2": (56.0, 57.0)})    # greedy margin 1, better 2
    result = recipe_bar.main(["--pair", "t1:c1", "--pair", "t2:c2", "--dir", str(tmp_path)])
    greedy, better = result["greedy"], result["better decoding"]
    assert [p["margin"] for p in greedy["pairs"]] == pytest.approx([0.0, 1.0])
    assert [p["ratio"] for p in greedy["pairs"]] == pytest.approx([2.5, 56 / 22])
    assert greedy["margin"] == pytest.approx(0.5)
    assert greedy["se"] == pytest.approx(math.sqrt(0.5) / math.sqrt(2))     # sd of (0, 1) is √½
    assert greedy["ratio"] == pytest.approx(53 / 21)
    # one degree of freedom: t = 0.5 / 0.5 = 1, p = ½ − atan(1)/π = ¼ (Cauchy): no verdict
    assert greedy["margin_in_se"] == pytest.approx(1.0) and greedy["dof"] == 1
    assert greedy["p"] == pytest.approx(0.25) and greedy["met_beyond_doubt"] is False
    # better decoding: each tutorial run's better of its two (21, 22), the command's beam (55, 57)
    assert [p["margin"] for p in better["pairs"]] == pytest.approx([2.5, 2.0])
    assert better["margin"] == pytest.approx(2.25) and better["se"] == pytest.approx(0.25)
    assert better["p"] == pytest.approx(0.5 - math.atan(9) / math.pi) and better["met_beyond_doubt"] is True
    assert "| t1 | c1 | 2.500x | 2.619x |" in capsys.readouterr().out


def test_one_pair_has_no_standard_error(tmp_path, capsys):
    write_runs(tmp_path, {"t1": (20.0, 21.0), "c1": (50.0, 55.0)})
    result = recipe_bar.main(["--pair", "t1:c1", "--dir", str(tmp_path)])
    assert result["greedy"]["se"] is None
    assert result["greedy"]["met_beyond_doubt"] is None and result["greedy"]["p"] is None
    assert "one pair: no standard error, no verdict" in capsys.readouterr().out


def test_a_pair_with_a_run_missing_is_refused(tmp_path):
    write_runs(tmp_path, {"t1": (20.0, 21.0), "c1": (50.0, 55.0)})
    with pytest.raises(SystemExit, match=r"--pair t1:c9: no result file for .*c9\.json"):
        recipe_bar.main(["--pair", "t1:c1", "--pair", "t1:c9", "--dir", str(tmp_path)])
    with pytest.raises(SystemExit, match="expected TUTORIAL:COMMAND"):
        recipe_bar.main(["--pair", "t1", "--dir", str(tmp_path)])


def test_the_repositorys_pairs_are_all_there():
    beams = recipe_bar.beam_scores(recipe_bar.RESULTS)
    result = recipe_bar.main_paired([f"{t}:{c}" for t, c in recipe_bar.PAIRS], recipe_bar.RESULTS, beams)
    assert len(result["greedy"]["pairs"]) == len(recipe_bar.PAIRS)


def t_sf_by_integration(t, dof, steps=20000):
    """P(T ≥ t) from Student's density, Simpson's rule over [0, |t|] (an independent check)."""
    norm = math.exp(math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2)) / math.sqrt(dof * math.pi)
    pdf = lambda x: norm * (1 + x * x / dof) ** (-(dof + 1) / 2)     # noqa: E731
    h = abs(t) / steps
    area = pdf(0) + pdf(abs(t)) + sum((4 if k % 2 else 2) * pdf(k * h) for k in range(1, steps))
    upper = 0.5 - area * h / 3
    return upper if t >= 0 else 1 - upper


@pytest.mark.parametrize("dof", range(1, 13))
def test_the_t_distributions_tail_against_its_density(dof):
    for t in (-3.0, -0.4, 0.0, 0.7, 1.5, 2.92, 6.0):
        assert recipe_bar.t_sf(t, dof) == pytest.approx(t_sf_by_integration(t, dof), abs=1e-9), t


def test_the_t_distributions_tail_in_closed_form():
    for t in (0.3, 1.0, 4.5):
        assert recipe_bar.t_sf(t, 1) == pytest.approx(0.5 - math.atan(t) / math.pi)          # Cauchy
        assert recipe_bar.t_sf(t, 2) == pytest.approx(0.5 - t / (2 * math.sqrt(2 + t * t)))
    # the one-sided 95 % points of the tables: 6.314 (1), 2.920 (2), 2.353 (3), 1.812 (10)
    for dof, point in ((1, 6.3138), (2, 2.9200), (3, 2.3534), (10, 1.8125)):
        assert recipe_bar.t_sf(point, dof) == pytest.approx(0.05, abs=2e-5)
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="degrees of freedom"):
            recipe_bar.t_sf(1.0, bad)


def test_three_pairs_give_a_verdict(tmp_path):
    """Three pairs whose margins are 1, 1.5 and 2: mean 1.5, sd 0.5, se 0.5/√3, t ≈ 5.2 (p ≈ 0.018)."""
    write_runs(tmp_path, {"t1": (20.0, 20.0), "c1": (51.0, 51.0), "t2": (20.0, 20.0), "c2": (51.5, 51.5),
                          "t3": (20.0, 20.0), "c3": (52.0, 52.0)})
    result = recipe_bar.main(["--pair", "t1:c1", "--pair", "t2:c2", "--pair", "t3:c3", "--dir", str(tmp_path)])
    better = result["better decoding"]
    assert better["se"] == pytest.approx(0.5 / math.sqrt(3)) and better["dof"] == 2
    t = 1.5 / (0.5 / math.sqrt(3))
    assert better["p"] == pytest.approx(0.5 - t / (2 * math.sqrt(2 + t * t)))
    assert better["met_beyond_doubt"] is True


def test_pairs_with_equal_margins_have_no_spread(tmp_path, capsys):
    write_runs(tmp_path, {"t1": (20.0, 20.0), "c1": (51.0, 51.0), "t2": (20.0, 20.0), "c2": (51.0, 51.0)})
    result = recipe_bar.main(["--pair", "t1:c1", "--pair", "t2:c2", "--dir", str(tmp_path)])
    assert result["greedy"]["se"] == 0 and result["greedy"]["margin_in_se"] == math.inf
    assert result["greedy"]["p"] == pytest.approx(0.0, abs=1e-12) and result["greedy"]["met_beyond_doubt"] is True
    assert "met beyond doubt" in capsys.readouterr().out
