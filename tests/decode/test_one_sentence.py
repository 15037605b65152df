"""One sentence at a time (decode/one_sentence.py): the same bits as ``decode_step`` at every
step, the same ids as ``greedy_decode`` and the same strings as ``decode_sequence``, on every
model kind, including constructed near-ties of the probabilities."""
from types import SimpleNamespace

import numpy as np
import pytest

from npseq2seq import Seq2Seq
from npseq2seq.decode import decode_sequence, greedy_decode, translate
from npseq2seq.decode.one_sentence import OneSentenceGreedy, supports
from npseq2seq.ops import softmax
from npseq2seq.text import one_hot

NE, ND, START, STOP, STEPS = 11, 13, 1, 2, 12

KINDS = {
    "lstm": {}, "gru": {"cell": "gru"}, "gru-reset_before": {"cell": "gru", "reset_after": False},
    "lstm-hard": {"recurrent_activation": "hard_sigmoid"},
    "gru-hard-reset_before": {"cell": "gru", "recurrent_activation": "hard_sigmoid", "reset_after": False},
    "word": {"level": "word"}, "word-mask_zero-gru": {"level": "word", "mask_zero": True, "cell": "gru"},
    "stack": {"num_layers": 2}, "stack3-gru": {"num_layers": 3, "cell": "gru"},
    "bidirectional": {"bidirectional": True},
    "stack-bidirectional-gru": {"num_layers": 2, "bidirectional": True, "cell": "gru"},
    "mask_padding": {"mask_padding": True},
    "luong": {"attention": "luong"}, "additive": {"attention": "additive"},
    "bahdanau": {"attention": "bahdanau"}, "luong_general": {"attention": "luong_general"},
    "luong_general-feeding": {"attention": "luong_general", "input_feeding": True},
    "word-mask_zero-luong": {"level": "word", "mask_zero": True, "attention": "luong"},
    "word-mask_zero-additive-stack": {"level": "word", "mask_zero": True, "attention": "additive",
                                      "num_layers": 2},
    "word-mask_zero-bahdanau-stack": {"level": "word", "mask_zero": True, "attention": "bahdanau",
                                      "num_layers": 2},
    "word-mask_zero-feeding-gru": {"level": "word", "mask_zero": True, "attention": "luong_general",
                                   "input_feeding": True, "cell": "gru"},
    "mask_padding-luong-bidirectional": {"mask_padding": True, "attention": "luong", "bidirectional": True},
    "float64": {"dtype": "float64"},
    "float64-stack-gru-feeding": {"dtype": "float64", "num_layers": 2, "cell": "gru",
                                  "attention": "luong_general", "input_feeding": True},
}


def random_model(kind: str, seed: int = 0, latent_dim: int = 16):
    """A model of ``kind`` with random weights and biases spread wide enough that its greedy
    outputs vary from input to input (an untrained model's logits are nearly uniform)."""
    model = Seq2Seq(NE, ND, latent_dim, seed=seed, **KINDS[kind])
    rng = np.random.default_rng(seed + 1)
    model.set_weights([w + rng.normal(0, 1.0, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def random_inputs(model, n: int, seed: int = 0, steps: int = 7) -> np.ndarray:
    """(n, Te) ids; with mask_zero / mask_padding, padding at the end of some rows, and at word
    level without mask_zero, some 0s mid-sentence (a token like any other)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, NE, size=(n, steps))
    pad = 0 if model.mask_zero else -1
    if model.mask_zero or model.config.mask_padding:
        for row, length in zip(ids, rng.integers(1, steps + 1, size=n)):
            row[length:] = pad
    return ids


def step_reference(model, token, states):
    """decode_step and the logits of decode_sequence's path (the decoder's forward on one step)."""
    probs, new = model.decode_step(np.array([token]), states)
    rnn_states, memory = model.decoder.split_state(states)
    logits, _, _ = model.decoder.forward(np.array([[token]]), rnn_states, memory, probabilities=False)
    return probs, new, logits[:, 0]


def assert_same_bits_every_step(model, ids):
    """Run the fast decoder and decode_step side by side, fed the same tokens: the logits, the
    probabilities and every RNN state equal to the last bit at every step."""
    one = OneSentenceGreedy(model, START, STOP, STEPS)
    one._start(ids[None])
    states = model.encode(ids[None])
    token = START
    for _ in range(STEPS):
        probs, states, logits = step_reference(model, token, states)
        mine = one._step(token).copy()
        np.testing.assert_array_equal(mine, logits)
        np.testing.assert_array_equal(softmax(mine[None])[0], probs)
        rnn_states, _ = model.decoder.split_state(states)
        per_layer = model.decoder.per_layer(rnn_states)
        for step, layer_states in zip(one.steppers, per_layer):
            for a, b in zip(step.states, layer_states):
                np.testing.assert_array_equal(a, b)
        if one.top is not None:
            for a, b in zip(one.prev, per_layer[-1]):
                np.testing.assert_array_equal(a, b)
        token = int(probs.argmax())
        if token == STOP:
            break


@pytest.mark.parametrize("kind", list(KINDS))
def test_same_bits_as_decode_step_at_every_step(kind):
    model = random_model(kind)
    for ids in random_inputs(model, 3, seed=1):
        assert_same_bits_every_step(model, ids)


def assert_same_ids_as_greedy(model, inputs):
    """greedy_decode on each sentence alone (a batch of one: the tutorial's one sentence at a
    time). Not a batch of all of them: a batch's GEMMs round differently from one row's
    GEMVs, and on these chaotic random models the ulps can grow over the steps into a
    different near-tie (seen: 1 sentence in 200, probabilities 1.1e-7 apart at step 1,
    0.22105 against 0.22108 at step 12), so batched greedy is not decode_sequence's bit
    for bit; this decoder is (test_same_bits_as_decode_step_at_every_step)."""
    one = OneSentenceGreedy(model, START, STOP, STEPS)
    expected = [greedy_decode(model, x[None], START, STOP, STEPS)[0] for x in inputs]
    got = [one.decode(x) for x in inputs]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    return got


@pytest.mark.parametrize("kind", list(KINDS))
def test_same_ids_as_greedy_decode(kind):
    model = random_model(kind)
    got = assert_same_ids_as_greedy(model, random_inputs(model, 20, seed=2))
    assert len({tuple(g) for g in got}) > 3, "the random model's outputs must vary for the test to mean much"


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_same_ids_as_greedy_decode_long_sweep(kind, seed):
    model = random_model(kind, seed=seed, latent_dim=24)
    assert_same_ids_as_greedy(model, random_inputs(model, 200, seed=seed, steps=9))


def char_vocab():
    """What decode_sequence reads of a vocabulary, for a random model's ND tokens."""
    chars = {i: chr(ord("a") + i) for i in range(ND)}
    return SimpleNamespace(num_decoder_tokens=ND, start_id=START, stop_id=STOP,
                           reverse_target_char_index=chars, max_decoder_seq_length=STEPS - 1)


@pytest.mark.parametrize("kind", [k for k in KINDS if "word" not in k])
def test_same_strings_as_the_tutorials_decode_sequence(kind):
    """decode_sequence: one-hot in, predict() per character, argmax of the probabilities."""
    model = random_model(kind)
    vocab = char_vocab()
    one = OneSentenceGreedy(model, START, STOP, STEPS)
    for ids in random_inputs(model, 8, seed=6):
        x = one_hot(ids[None], NE, model.dtype)
        got = "".join(vocab.reverse_target_char_index[int(i)] for i in one.decode(x[0]))
        assert got == decode_sequence(model, x, vocab)


# --- ties -----------------------------------------------------------------------------------

def make_tie(model, j: int = 0, k: int = 1, top: float = 0.01):
    """Dense columns j and k zeroed, biases z_k = top and z_j = the next float below it
    (j < k), the other biases lowered by 30: at every step z_j and z_k are the two largest
    logits, different, and their probabilities round equal (1 ulp of 0.01 is far below
    exp's resolution near 1), so np.argmax(probs) is j where the logits' argmax is k."""
    dense = model.decoder.dense
    dense.kernel[:, [j, k]] = 0
    dense.bias -= 30
    dense.bias[k] = top
    dense.bias[j] = np.nextafter(dense.bias[k], -np.inf)


@pytest.mark.parametrize("kind", ["lstm", "gru", "float64", "luong", "bahdanau", "word"])
def test_a_constructed_tie_is_decided_as_the_probabilities_decide_it(kind):
    model = random_model(kind)
    ids = random_inputs(model, 1, seed=7)[0]
    make_tie(model)
    probs, _ = model.decode_step(np.array([START]), model.encode(ids[None]))
    one = OneSentenceGreedy(model, START, STOP, STEPS)
    one._start(ids[None])
    z = one._step(START)
    assert z.argmax() == 1 and z[0, 0] < z[0, 1], "the logits' argmax must be 1"
    assert probs[0, 0] == probs[0, 1] and probs.argmax() == 0, "not a tie: the test would be vacuous"
    got = one.decode(ids)
    np.testing.assert_array_equal(got, np.zeros(STEPS))          # 0 at every step, as the softmax says
    np.testing.assert_array_equal(got, greedy_decode(model, ids[None], START, STOP, STEPS)[0])


def test_translate_takes_the_one_sentence_path_and_agrees(char_lstm, monkeypatch):
    """translate() of one text, or with batch_size=1, runs OneSentenceGreedy; the strings of
    greedy_decode on each sentence alone."""
    model, inputs, enc, start, stop = char_lstm
    steps = model.vocab.max_decoder_seq_length + 1
    batched = [model.vocab.decode(greedy_decode(model, x[None], start, stop, steps)[0]) for x in enc[:10]]
    calls = []
    original = OneSentenceGreedy.decode
    monkeypatch.setattr(OneSentenceGreedy, "decode", lambda self, x: calls.append(1) or original(self, x))
    assert translate(model, inputs[:10], batch_size=1) == batched
    assert [translate(model, [text])[0] for text in inputs[:3]] == batched[:3]
    assert len(calls) == 13


def test_trained_models_give_decode_sequences_strings(trained):
    """Trained models (tests/decode/conftest.py): the fast path's strings are greedy_decode's,
    one sentence at a time, on 60 sentences (char level: decode_sequence's as well)."""
    model, inputs, enc, start, stop = trained
    vocab = model.vocab
    one = OneSentenceGreedy(model)
    expected = [greedy_decode(model, x[None], start, stop, vocab.max_decoder_seq_length + 1)[0] for x in enc]
    for i, x in enumerate(enc):
        np.testing.assert_array_equal(one.decode(x), expected[i])
    if model.level == "char":
        for x in enc[:5]:
            assert vocab.decode(one.decode(x), keep_end=True) == decode_sequence(model, x[None])


def test_bad_input_and_other_models_are_refused():
    model = random_model("lstm")
    one = OneSentenceGreedy(model, START, STOP, STEPS)
    with pytest.raises(ValueError, match="one sentence"):
        one.decode(np.zeros((2, 5), np.int64))
    with pytest.raises(ValueError, match="token ids must lie"):
        one.decode(np.array([0, NE]))
    with pytest.raises(ValueError, match="vocab"):
        OneSentenceGreedy(model)
    assert not supports(SimpleNamespace(encoder=None, decoder=None))
    with pytest.raises(ValueError, match="Seq2Seq"):
        OneSentenceGreedy(SimpleNamespace())
