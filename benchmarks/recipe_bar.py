"""Issue 19's bar, computed from the result files: the command's held-out chrF against 2.5×
the tutorial recipe's, both at 60 CPU minutes, over every run of each.

    python -m benchmarks.recipe_bar [--tutorial NAME ...] [--command NAME ...] [--every-run] [--dir DIR]
    python -m benchmarks.recipe_bar --pairs | --pair TUTORIAL:COMMAND [--pair ...]

A run is a name: its greedy chrF on all the held-out sentences is ``NAME.json``'s ``final``
(``recipe_fra``), its beam-5 chrF the ``beam5`` line of ``NAME.npz`` in one of the
``rescore*.json`` files (``recipe_rescore``). Runs without a result file are left out and
named; a run without a beam-5 line is refused.

Two comparisons, on the means over runs:

* **greedy**: the command's greedy chrF against 2.5 × the tutorial's greedy chrF;
* **better decoding**: the command's beam-5 chrF against 2.5 × the tutorial's better of
  greedy and beam 5 *in each run* (chosen on the scores themselves, which favours the
  tutorial: the bar is the harder for it).

The margin is mean(command) − 2.5 · mean(tutorial); its standard error
sqrt(2.5² s_t² / n_t + s_c² / n_c) from the runs' sample standard deviations s (the runs
independent: other seeds, or the same seed on a machine whose load changed the epochs an
hour held). The bar is met beyond doubt when the margin is at least two standard errors
(the test set before the tutorial's seeds 1–3 were run; seeds 4 and 5 were added once, as
decided before they ran, and the test read at seven runs). ``--every-run`` reads the same
test over every hour-long run since, the side-by-side pairs and the regression checks
included (``EVERY_TUTORIAL``, ``EVERY_COMMAND``).

``--pair TUTORIAL:COMMAND`` (repeatable) reads runs in pairs instead: a tutorial run and a
command run started together, side by side on one machine, so that a CPU second meant the
same to both (machines differ: the command's epochs cost 66–80 CPU s on the machines it has
run on, the tutorial's 90–106). Each pair gives its own margin, command − 2.5 · tutorial, and
ratio; the reading is the mean margin, its standard error over the pairs, sd / √n, and a
one-sided paired t-test: t = mean / se against Student's t with n − 1 degrees of freedom
(``t_sf``, exact for whole degrees of freedom). The bar is met beyond doubt, paired, when
the one-sided p-value is at most 0.05 (with three pairs, t ≥ 2.92); the two-standard-error
rule of the unpaired test is printed beside it. This test was written down before the third
pair ran (2026-12-07), to be read once at three pairs; with two pairs (one degree of freedom,
t ≥ 6.31 needed) it could not say much.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

from .recipe_fra import RESULTS

TUTORIAL = ["tutorial", "tutorial_rerun", "tutorial_seed1", "tutorial_seed2", "tutorial_seed3",
            "tutorial_seed4", "tutorial_seed5"]
COMMAND = ["recipe_latent192", "recipe_latent192_rerun", "recipe_latent192_seed1"]
# every hour-long run of each, the pre-set test's and those after it (``--every-run``)
EVERY_TUTORIAL = TUTORIAL + ["pair_tutorial_seed6", "pair_tutorial_seed7"]
EVERY_COMMAND = COMMAND + ["recipe_head_seed2", "recipe_head_seed3", "pair_command_seed4", "pair_command_seed5"]
# a run whose model file had another name when it was rescored: {run: the model file's stem}
MODEL_NAMES = {"recipe_head_seed2": "head_seed2", "recipe_head_seed3": "head_seed3"}
# (tutorial, command) runs started together, side by side on one machine
PAIRS = [("tutorial_rerun", "recipe_latent192_rerun"),          # 2026-12-06
         ("pair_tutorial_seed6", "pair_command_seed4"),             # 2026-12-07
         ("pair_tutorial_seed7", "pair_command_seed5")]             # 2026-12-07, the third: the test's
FACTOR = 2.5


def beam_scores(directory: Path) -> dict[str, float]:
    """{model stem: beam-5 chrF against the first reference} from every rescore*.json."""
    found = {}
    for path in sorted(directory.glob("rescore*.json")):
        lines = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(lines, dict):      # {"command": how it was run, "rows": the lines}
            lines = lines.get("rows", [])
        for line in lines if isinstance(lines, list) else []:
            if isinstance(line, dict) and line.get("decoding") == "beam5" and "model" in line:
                found[Path(line["model"]).stem] = float(line["first_reference"]["chrf"])
    return found


def run_scores(names, directory: Path, beams: dict[str, float]):
    """([(name, greedy, beam 5)] of the runs that have a result file, [names without one])."""
    runs, missing = [], []
    for name in names:
        path = directory / f"{name}.json"
        if not path.is_file():
            missing.append(name)
            continue
        beam = beams.get(name, beams.get(MODEL_NAMES.get(name, name)))
        if beam is None:
            raise SystemExit(f"{name}: no beam-5 line for {name}.npz in {directory}/rescore*.json "
                             "(python -m benchmarks.recipe_rescore MODEL.npz)")
        final = json.loads(path.read_text(encoding="utf-8"))["final"]
        runs.append((name, float(final["chrf"]), beam))
    return runs, missing


def compare(command, tutorial, factor: float = FACTOR) -> dict:
    """Margin of mean(command) over factor · mean(tutorial), its standard error and their ratio."""
    mc, sc = statistics.mean(command), statistics.stdev(command)       # sample sd (n − 1)
    mt, st = statistics.mean(tutorial), statistics.stdev(tutorial)
    margin = mc - factor * mt
    se = math.sqrt(factor ** 2 * st ** 2 / len(tutorial) + sc ** 2 / len(command))
    return {"command": mc, "command_sd": sc, "tutorial": mt, "tutorial_sd": st, "ratio": mc / mt,
            "margin": margin, "se": se, "margin_in_se": margin / se, "met_beyond_doubt": margin >= 2 * se,
            "runs": [len(command), len(tutorial)]}


def bar(tutorial_runs, command_runs, factor: float = FACTOR) -> dict:
    return {"greedy": compare([g for _, g, _ in command_runs], [g for _, g, _ in tutorial_runs], factor),
            "better decoding": compare([b for _, _, b in command_runs],
                                       [max(g, b) for _, g, b in tutorial_runs], factor)}


def t_sf(t: float, dof: int) -> float:
    """P(T ≥ t) for Student's t with ``dof`` (a whole number ≥ 1) degrees of freedom: the
    closed forms of Abramowitz and Stegun 26.7.3–4 for A(t|ν) = P(|T| ≤ t), with
    θ = atan(t/√ν): odd ν, (2/π)(θ + sin θ (cos θ + ⅔ cos³θ + … + (2·4···(ν−3))/(1·3···(ν−2)) cos^(ν−2)θ));
    even ν, sin θ (1 + ½ cos²θ + (1·3)/(2·4) cos⁴θ + … + (1·3···(ν−3))/(2·4···(ν−2)) cos^(ν−2)θ)."""
    if isinstance(dof, bool) or int(dof) != dof or dof < 1:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, received {dof!r}")
    theta = math.atan(abs(t) / math.sqrt(dof))
    c2 = math.cos(theta) ** 2
    if dof % 2:
        term, series = math.cos(theta), 0.0
        for k in range(1, (dof - 1) // 2 + 1):      # cos θ, ⅔ cos³θ, …: the next term × 2k/(2k+1) cos²θ
            series += term
            term *= c2 * (2 * k) / (2 * k + 1)
        inside = 2 / math.pi * (theta + math.sin(theta) * series) if dof > 1 else 2 * theta / math.pi
    else:
        term, series = 1.0, 0.0
        for k in range(1, dof // 2 + 1):             # 1, ½ cos²θ, ⅜ cos⁴θ, …
            series += term
            term *= c2 * (2 * k - 1) / (2 * k)
        inside = math.sin(theta) * series
    upper = (1 - inside) / 2                          # P(T ≥ |t|)
    return upper if t >= 0 else 1 - upper


def paired(pairs, factor: float = FACTOR, alpha: float = 0.05) -> dict:
    """pairs: [(tutorial (name, greedy, beam 5), command (name, greedy, beam 5))] → for greedy
    and for each model's better decoding, every pair's ratio and margin, their mean margin,
    its standard error over the pairs, t and the one-sided p-value, and the verdict
    (p ≤ ``alpha``); with one pair, no standard error and no verdict (module docstring)."""
    result = {}
    for which, tut, com in (("greedy", lambda t: t[1], lambda c: c[1]),
                            ("better decoding", lambda t: max(t[1], t[2]), lambda c: c[2])):
        margins = [com(c) - factor * tut(t) for t, c in pairs]
        se = statistics.stdev(margins) / math.sqrt(len(margins)) if len(margins) > 1 else None
        mean = statistics.mean(margins)
        # (margins all equal: no spread, t infinite, or 0 if they are all 0)
        t_value = None if se is None else mean / se if se else math.copysign(math.inf, mean) if mean else 0.0
        p = None if t_value is None else t_sf(t_value, len(margins) - 1)
        ratio = statistics.mean(com(c) for _, c in pairs) / statistics.mean(tut(t) for t, _ in pairs)
        result[which] = {"pairs": [{"tutorial": t[0], "command": c[0], "ratio": com(c) / tut(t),
                                    "margin": m} for (t, c), m in zip(pairs, margins)],
                         "ratio": ratio, "margin": mean, "se": se, "margin_in_se": t_value,
                         "dof": len(margins) - 1, "p": p, "met_beyond_doubt": None if p is None else p <= alpha}
    return result


def parse_pair(text: str) -> tuple[str, str]:
    tutorial, sep, command = text.partition(":")
    if not sep or not tutorial or not command:
        raise SystemExit(f"--pair {text!r}: expected TUTORIAL:COMMAND, two run names")
    return tutorial, command


def main_paired(pair_texts, directory: Path, beams: dict[str, float], factor: float = FACTOR) -> dict:
    """The paired reading of ``--pair`` arguments; a pair with a run missing is refused (a pair
    is read whole or not at all)."""
    pairs = []
    for tutorial, command in map(parse_pair, pair_texts):
        runs, missing = run_scores([tutorial, command], directory, beams)
        if missing:
            raise SystemExit(f"--pair {tutorial}:{command}: no result file for "
                             + ", ".join(f"{directory}/{name}.json" for name in missing))
        pairs.append((runs[0], runs[1]))
    result = paired(pairs, factor)
    print("| tutorial run | command run | greedy ratio | better decoding ratio |\n|---|---|---|---|")
    for g, b in zip(result["greedy"]["pairs"], result["better decoding"]["pairs"]):
        print(f"| {g['tutorial']} | {g['command']} | {g['ratio']:.3f}x | {b['ratio']:.3f}x |")
    for which, r in result.items():
        if r["se"] is None:
            spread = "one pair: no standard error, no verdict"
        else:
            spread = (f"standard error {r['se']:.2f} over {len(pairs)} pairs ({r['margin_in_se']:+.2f} of them; "
                      f"two standard errors: {'reached' if r['margin'] >= 2 * r['se'] else 'not reached'}); "
                      f"paired t-test, {r['dof']} degree(s) of freedom, one-sided p = {r['p']:.3f}: "
                      + ("met beyond doubt" if r["met_beyond_doubt"] else
                         "met at the mean, not beyond doubt" if r["margin"] > 0 else "not met"))
        print(f"{which}, paired: {r['ratio']:.3f}x; mean margin over {factor} x {r['margin']:+.2f} chrF, {spread}")
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tutorial", nargs="+", default=TUTORIAL, metavar="NAME")
    p.add_argument("--command", nargs="+", default=COMMAND, metavar="NAME")
    p.add_argument("--dir", default=str(RESULTS))
    p.add_argument("--pair", action="append", metavar="TUTORIAL:COMMAND",
                   help="read runs started side by side in pairs (repeatable; module docstring)")
    p.add_argument("--pairs", action="store_true", help="--pair for every pair of PAIRS")
    p.add_argument("--every-run", action="store_true",
                   help="the unpaired test over every hour-long run (EVERY_TUTORIAL, EVERY_COMMAND)")
    args = p.parse_args(argv)
    directory = Path(args.dir)
    beams = beam_scores(directory)
    if args.pair or args.pairs:
        return main_paired((args.pair or []) + ([f"{t}:{c}" for t, c in PAIRS] if args.pairs else []),
                           directory, beams)
    if args.every_run:
        args.tutorial, args.command = EVERY_TUTORIAL, EVERY_COMMAND
    tutorial, missing_t = run_scores(args.tutorial, directory, beams)
    command, missing_c = run_scores(args.command, directory, beams)
    if len(tutorial) < 2 or len(command) < 2:
        raise SystemExit(f"need two runs of each at least (found {len(tutorial)} tutorial, "
                         f"{len(command)} command runs in {directory})")
    result = bar(tutorial, command)
    print("| run | greedy chrF | beam 5 chrF |\n|---|---|---|")
    for name, greedy, beam in tutorial + command:
        print(f"| {name} | {greedy:.2f} | {beam:.2f} |")
    for which, r in result.items():
        print(f"{which}: command {r['command']:.2f} (sd {r['command_sd']:.2f}, {r['runs'][0]} runs) against "
              f"tutorial {r['tutorial']:.2f} (sd {r['tutorial_sd']:.2f}, {r['runs'][1]} runs): "
              f"{r['ratio']:.3f}x; margin over {FACTOR} x {r['margin']:+.2f} chrF, standard error "
              f"{r['se']:.2f} ({r['margin_in_se']:+.1f} of them): "
              + ("met beyond doubt" if r["met_beyond_doubt"] else
                 "met at the mean, not beyond doubt" if r["margin"] > 0 else "not met"))
    if missing_t or missing_c:
        print("no result file (left out): " + ", ".join(missing_t + missing_c))
    return result


if __name__ == "__main__":
    main()
