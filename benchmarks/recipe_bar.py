"""Issue 19's bar, computed from the result files: the command's held-out chrF against 2.5×
the tutorial recipe's, both at 60 CPU minutes, over every run of each.

    python -m benchmarks.recipe_bar [--tutorial NAME ...] [--command NAME ...] [--dir DIR]

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
decided before they ran, and the test read at seven runs).
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
        if name not in beams:
            raise SystemExit(f"{name}: no beam-5 line for {name}.npz in {directory}/rescore*.json "
                             "(python -m benchmarks.recipe_rescore MODEL.npz)")
        final = json.loads(path.read_text(encoding="utf-8"))["final"]
        runs.append((name, float(final["chrf"]), beams[name]))
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


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tutorial", nargs="+", default=TUTORIAL, metavar="NAME")
    p.add_argument("--command", nargs="+", default=COMMAND, metavar="NAME")
    p.add_argument("--dir", default=str(RESULTS))
    args = p.parse_args(argv)
    directory = Path(args.dir)
    beams = beam_scores(directory)
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
