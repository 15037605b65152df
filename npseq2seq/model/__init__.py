"""The model as parts: a config, an encoder, a decoder, and Seq2Seq composing them.

    config.py        Seq2SeqConfig: the variant, its rules, checked once
    inputs.py        the input arrays as token ids; the Embedding (or not) in front of an RNN
    encoder.py       ids → (Embedding) → RNN stack (uni- or bidirectional) → final states
                     (+ outputs for attention)
    decoder.py       ids + states → (Embedding) → RNN stack → (attention) → Dense softmax
    free_running.py  the FAQ's decoder fed its own outputs (training without teacher forcing)
    build.py         the layers of a config, in Keras's get_weights() order
    inference.py     encode / decode_step: the tutorial's encoder_model and decoder_model
    seq2seq.py       Seq2Seq: builds the layers, composes encoder and decoder, Keras's methods
    masking.py       mask_padding: what Keras 3 does with Masking() on both inputs
    repeat.py        RepeatSeq2Seq: the tutorial's "trivial case" (Keras's addition_rnn)
"""
from .config import Seq2SeqConfig
from .decoder import Decoder, DecoderCache, StepTrace
from .encoder import Encoder, EncoderCache
from .inference import InferenceModel
from .inputs import as_token_ids
from .repeat import RepeatConfig, RepeatSeq2Seq
from .seq2seq import ForwardCache, Seq2Seq

__all__ = ["Seq2Seq", "Seq2SeqConfig", "Encoder", "Decoder", "EncoderCache", "DecoderCache",
           "StepTrace", "ForwardCache", "InferenceModel", "as_token_ids", "RepeatSeq2Seq", "RepeatConfig"]
