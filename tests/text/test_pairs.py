"""Tests of npseq2seq.text.pairs: reading fra.txt-style files."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npseq2seq.text import DataError, load_pairs
from npseq2seq.text.chars import END, START
from tests.conftest import FRA_PATH

# The shared data directory sits beside the repository (CI clones ../shared next to it);
# conftest's fra_path skips (or, where required, fails) without it.
FRA_TXT = FRA_PATH
needs_fra = pytest.mark.usefixtures("fra_path")


def write(tmp_path, content, name="pairs.txt"):
    """Write str (as UTF-8) or bytes to a file in tmp_path and return its path."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@needs_fra
def test_whole_file_and_more_than_there_is():
    inputs, targets = load_pairs(FRA_TXT)
    assert len(inputs) == len(targets) == 66_000
    assert load_pairs(FRA_TXT, 10**9) == (inputs, targets)
    assert not any(START in t or END in t for t in inputs + targets)


# --------------------------------------------------------------------------- load_pairs formats


def test_two_and_three_columns_give_the_same_pairs(tmp_path):
    two = write(tmp_path, "Go.\tVa !\nHi.\tSalut !\n", "two.txt")
    three = write(tmp_path, "Go.\tVa !\tCC-BY 2.0 (France) #2877272\nHi.\tSalut !\t\n", "three.txt")
    assert load_pairs(two) == load_pairs(three) == (["Go.", "Hi."], ["Va !", "Salut !"])


def test_crlf_missing_final_newline_trailing_blank_lines_and_bom(tmp_path):
    expected = (["Go.", "Hi."], ["Va !", "Salut !"])
    assert load_pairs(write(tmp_path, "Go.\tVa !\r\nHi.\tSalut !\r\n")) == expected
    assert load_pairs(write(tmp_path, "Go.\tVa !\nHi.\tSalut !")) == expected
    assert load_pairs(write(tmp_path, "Go.\tVa !\nHi.\tSalut !\n\n \r\n\n")) == expected
    assert load_pairs(write(tmp_path, "\ufeffGo.\tVa !\nHi.\tSalut !\n")) == expected


def test_num_samples_takes_the_first_lines_and_checks_only_those(tmp_path):
    path = write(tmp_path, "a\tA\nb\tB\nc\tC\nno tab here\n")
    assert load_pairs(path, 2) == (["a", "b"], ["A", "B"])
    assert load_pairs(path, 3) == (["a", "b", "c"], ["A", "B", "C"])
    with pytest.raises(DataError, match="line 4"):
        load_pairs(path, 4)


def test_num_samples_larger_than_the_file_gives_every_pair(tmp_path):
    path = write(tmp_path, "a\tA\nb\tB\n")
    assert load_pairs(path, 3) == load_pairs(path, 10**9) == load_pairs(path) == (["a", "b"], ["A", "B"])


def test_a_directory_is_a_data_error(tmp_path):
    (tmp_path / "fra.txt").mkdir()
    with pytest.raises(DataError, match=r"fra.txt: cannot be read: Is a directory$") as info:
        load_pairs(tmp_path / "fra.txt")
    assert info.value.line is None and isinstance(info.value.__cause__, IsADirectoryError)


def test_texts_are_kept_as_they_are(tmp_path):
    path = write(tmp_path, " Go. \t  Va !\r\tx\nÇa\u2028va\tÇa\x0bva\n")
    assert load_pairs(path) == ([" Go. ", "Ça\u2028va"], ["  Va !\r", "Ça\x0bva"])


BAD_FILES = [
    # (file content, 1-based line named in the error or None, words the message must contain)
    ("", None, "no sentence pairs"),
    ("\n\n  \r\n", None, "no sentence pairs"),
    ("Go.\tVa !\nHi. Salut !\n", 2, "no tab"),
    ("Go.\tVa !\n\tSalut !\n", 2, "empty English"),
    ("Go.\tVa !\nHi.\t\n", 2, "empty French"),
    ("Go.\tVa !\nHi.\t  \tattribution\n", 2, "empty French"),
    ("Go.\tVa !\nHi.\tSalut !\tCC-BY\textra\n", 2, "4 tab-separated columns"),
    ("Go.\tVa !\n\nHi.\tSalut !\n", 2, "blank line"),
    ("Go.\tVa !\r\n\r\n\r\nHi.\tSalut !\r\n", 2, "blank line"),
    (b"Go.\tVa !\nHi.\tSalut !\nCafe\xe9.\tCaf\xc3\xa9.\n", 3, "not valid utf-8"),
    (b"Go.\tVa \xff!\n", 1, "not valid utf-8"),
    (b"Go.\tVa !\nHi.\tSalut \xe2\x80\n", 2, "not valid utf-8"),
]


@pytest.mark.parametrize("content, line, words", BAD_FILES)
def test_bad_files_raise_data_error_naming_file_and_line(tmp_path, content, line, words):
    path = write(tmp_path, content, "bad-fra.txt")
    with pytest.raises(DataError) as info:
        load_pairs(path)
    message = str(info.value)
    assert "bad-fra.txt" in message and words in message
    assert info.value.line == line
    if line is not None:
        assert f"line {line}:" in message


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="nowhere.txt: file not found") as info:
        load_pairs(tmp_path / "nowhere.txt")
    assert isinstance(info.value.__cause__, FileNotFoundError)
    assert isinstance(info.value, ValueError)


def test_undecodable_in_another_codec_still_names_a_line(tmp_path):
    # UTF-16 with a dangling byte after line 1: surrogateescape cannot absorb this error.
    path = write(tmp_path, "Go.\tVa !\n".encode("utf-16") + b"\x00", "odd.txt")
    with pytest.raises(DataError, match=r"odd.txt, line 2: .*not valid utf-16"):
        load_pairs(path, encoding="utf-16")
    assert load_pairs(write(tmp_path, "Go.\tVa !\n".encode("utf-16")), encoding="utf-16") == (
        ["Go."], ["Va !"]
    )


@pytest.mark.parametrize("num_samples", [0, -3, 1.5, True, "10"])
def test_num_samples_must_be_a_positive_int(tmp_path, num_samples):
    path = write(tmp_path, "Go.\tVa !\n")
    with pytest.raises(ValueError, match="num_samples") as info:
        load_pairs(path, num_samples)
    assert not isinstance(info.value, DataError)


@pytest.fixture(scope="module")
def scratch_file(tmp_path_factory):
    return tmp_path_factory.mktemp("hypothesis") / "fra.txt"


def check_load_outcome(path, num_samples):
    """load_pairs returns well-formed pairs or raises DataError, nothing else."""
    try:
        inputs, targets = load_pairs(path, num_samples)
    except DataError as err:
        assert path.name in str(err)
        return
    assert 0 < len(inputs) == len(targets) <= (num_samples or len(inputs))
    for text in inputs + targets:
        assert isinstance(text, str) and text.strip() and "\t" not in text and "\n" not in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(codec="utf-8")), num_samples=st.none() | st.integers(1, 5))
def test_any_text_file_loads_or_raises_data_error(scratch_file, text, num_samples):
    scratch_file.write_text(text, encoding="utf-8", newline="")
    check_load_outcome(scratch_file, num_samples)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(), num_samples=st.none() | st.integers(1, 5))
def test_any_bytes_load_or_raise_data_error(scratch_file, content, num_samples):
    scratch_file.write_bytes(content)
    check_load_outcome(scratch_file, num_samples)


# Lines that are mostly well-formed, so the property also reaches the happy paths.
_side = st.text(st.characters(codec="utf-8", exclude_characters="\t\n"), max_size=6)
_line = st.lists(_side, min_size=1, max_size=4).map("\t".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(_line, max_size=6),
    ending=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
    num_samples=st.none() | st.integers(1, 5),
)
def test_structured_files_load_or_raise_data_error(scratch_file, lines, ending, final_newline, num_samples):
    text = ending.join(lines) + (ending if final_newline else "")
    scratch_file.write_text(text, encoding="utf-8", newline="")
    check_load_outcome(scratch_file, num_samples)
