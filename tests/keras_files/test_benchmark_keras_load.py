"""benchmarks/keras_load.py: the npseq2seq side runs in a process without TensorFlow and
reports its time and memory; the table has a row per reader."""
from benchmarks.keras_load import NPSEQ2SEQ, measure, table

from .fixtures import tutorial_weights, write_keras3


def test_the_npseq2seq_side_and_the_table(tmp_path):
    path = write_keras3(tmp_path / "s2s_model.keras", tutorial_weights(5, 6, 4), 5, 6, 4)
    run = measure(NPSEQ2SEQ, [str(path), "", ""])
    assert run["seconds"] > 0 and run["peak_rss_mib"] > 1 and run["params"] == 5 * 16 + 16 * 4 + 16 + 6 * 16 + 64 + 16 + 24 + 6
    text = table({"npseq2seq.load_keras": [run], "keras.models.load_model": [run]})
    assert text.count("\n") == 3 and "`keras.models.load_model`" in text
