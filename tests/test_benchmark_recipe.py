"""The recipe's measurement scripts run end to end on a slice of fra.txt (tiny sizes; the
numbers are the README's, measured separately)."""
import json

from benchmarks import recipe_fra, recipe_report


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
