"""Seq2SeqConfig: the variant rules stated once, the file form, and the two training rules."""
import numpy as np
import pytest

from npseq2seq import Seq2Seq, Seq2SeqConfig

RULES = [   # (arguments, the error's text)
    (dict(cell="rnn"), "cell must be one of"),
    (dict(level="byte"), "level must be 'char' or 'word'"),
    (dict(level="word", teacher_forcing=False), "teacher_forcing=False is the FAQ's character-level"),
    (dict(mask_zero=True), "mask_zero needs level='word'"),
    (dict(attention="dot"), "attention must be None or one of"),
    (dict(attention="bahdanau", input_feeding=True), "input_feeding .* needs attention='luong_general'"),
    (dict(attention="luong", teacher_forcing=False), "attention='luong' needs teacher_forcing=True"),
    (dict(latent_dim=0), "latent_dim must be a positive integer"),
    (dict(seed=-1), "seed must be None or a non-negative integer"),
    (dict(dtype="float16"), "dtype"),
    (dict(reset_after=False), "reset_after=False is a GRU option"),
    (dict(cell="gru", reset_after="no"), "reset_after must be True or False"),
]


@pytest.mark.parametrize("kwargs, message", RULES, ids=[m for _, m in RULES])
def test_the_config_and_the_model_refuse_the_same_variants(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Seq2SeqConfig(5, 6, **kwargs)
    with pytest.raises(ValueError, match=message):
        Seq2Seq(5, 6, **kwargs)


def test_the_dict_form_round_trips_and_names_bad_keys():
    config = Seq2SeqConfig(5, 6, 4, cell="gru", dtype=np.float64, seed=3, level="word", mask_zero=True)
    assert config.dtype == "float64" and config.np_dtype == np.dtype("float64")
    assert Seq2SeqConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match=r"unknown model config keys \['units'\]"):
        Seq2SeqConfig.from_dict({**config.to_dict(), "units": 4})
    with pytest.raises(ValueError, match=r"lacks the keys \['num_decoder_tokens'\]"):
        Seq2SeqConfig.from_dict({"num_encoder_tokens": 5})
    with pytest.raises(ValueError, match="must be a dict"):
        Seq2SeqConfig.from_dict([5, 6])


def test_what_the_variant_implies_for_training():
    char, word = Seq2SeqConfig(5, 6), Seq2SeqConfig(5, 6, level="word")
    assert (char.default_loss, word.default_loss) == ("categorical_crossentropy",
                                                      "sparse_categorical_crossentropy")
    assert (char.padding_id, word.padding_id) == (-1, 0)
    enc, dec = np.zeros((2, 3)), np.arange(8).reshape(2, 4)
    x = char.training_inputs(enc, dec)
    assert x[0] is enc and x[1] is dec
    x = char.replace(teacher_forcing=False).training_inputs(enc, dec)
    np.testing.assert_array_equal(x[1], dec[:, :1])      # the start token alone (FAQ)


@pytest.mark.parametrize("kwargs", [dict(), dict(cell="gru", level="word", mask_zero=True),
                                    dict(attention="luong"), dict(teacher_forcing=False),
                                    dict(cell="gru", reset_after=False, num_layers=2)])
def test_a_model_built_from_a_config_is_the_model_built_from_its_arguments(kwargs):
    by_args = Seq2Seq(7, 9, 4, seed=5, **kwargs)
    by_config = Seq2Seq(Seq2SeqConfig(7, 9, 4, seed=5, **kwargs))
    assert by_config.get_config() == by_args.get_config() == by_args.config.to_dict()
    for a, b in zip(by_args.get_weights(), by_config.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_reset_after_reaches_every_gru_and_old_configs_load_as_keras_3s_default():
    """reset_after=False gives every GRU (encoder, decoder, each layer and direction) a bias
    (3H,); a config written before the field existed is Keras 3's default, True."""
    model = Seq2Seq(7, 9, 4, cell="gru", reset_after=False, num_layers=2, bidirectional=True)
    rnns = [d for r in model.encoder.rnns for d in (r.forward_layer, r.backward_layer)] + model.decoder.rnns
    assert len(rnns) == 6 and not any(rnn.reset_after for rnn in rnns)
    assert all(w.shape == (12,) or w.shape == (24,) for n, w in zip(model.param_names(), model.params)
               if n.endswith("/bias") and "dense" not in n)
    assert "reset_after=False" in model.summary()
    old = {k: v for k, v in Seq2SeqConfig(7, 9, 4, cell="gru").to_dict().items() if k != "reset_after"}
    assert Seq2SeqConfig.from_dict(old).reset_after is True


@pytest.mark.parametrize("attention", ["bahdanau", "luong_general"])
def test_attention_inside_the_recurrence_takes_dropout_and_mask_padding(attention):
    """The attentive top layer's cell gets the rates; with mask_padding the encoder's mask
    joins the decoder's state list (its memory). mask_padding stays a character-level option."""
    model = Seq2Seq(5, 6, 3, attention=attention, dropout=0.2, recurrent_dropout=0.1, mask_padding=True)
    cell = model.decoder.rnn.rnn
    assert (cell.dropout, cell.recurrent_dropout) == (0.2, 0.1)
    assert model.decoder.memory_size == 2 and len(model.encode(np.zeros((2, 3), int))) == 2 + 2
    with pytest.raises(ValueError, match="mask_padding is Keras's Masking"):
        Seq2SeqConfig(5, 6, attention=attention, level="word", mask_padding=True)


def test_every_config_field_is_a_keyword_of_seq2seq_with_the_same_default():
    """``Seq2Seq(..., name=value)`` takes every variant option of ``Seq2SeqConfig`` (so no
    option can be set one way only), with the config's default, and hands it over."""
    import dataclasses
    import inspect

    params = inspect.signature(Seq2Seq.__init__).parameters
    for field in dataclasses.fields(Seq2SeqConfig):
        assert field.name in params, field.name
        if field.default is not dataclasses.MISSING:
            assert params[field.name].default == field.default, field.name
    model = Seq2Seq(5, 6, 3, cell="gru", reset_after=False, recurrent_activation="hard_sigmoid", dropout=0.25,
                    recurrent_dropout=0.125, attention="luong", num_layers=2)
    assert (model.config.reset_after, model.config.recurrent_activation, model.config.dropout,
            model.config.recurrent_dropout, model.config.num_layers) == (False, "hard_sigmoid", 0.25, 0.125, 2)
