"""npseq2seq's side of every measurement: training epochs and the decoders.

npseq2seq is fed token ids (``vectorize_ids``), the form it converts one-hot
arrays into once per ``fit`` call anyway; Keras and PyTorch get the tutorial's
one-hot arrays (word level: both get ids). The numbers the models compute are
the same either way.
"""
from __future__ import annotations

import numpy as np

from .common import Config, Data, clock


def cell_available(cell: str) -> str | None:
    """None if ``Seq2Seq(cell=cell)`` can be built, else the reason it cannot."""
    from npseq2seq import Seq2Seq
    try:
        Seq2Seq(3, 3, latent_dim=2, cell=cell)
    except (ValueError, TypeError, NotImplementedError) as err:
        return f"npseq2seq has no {cell.upper()} yet ({err})"
    return None


def build_model(data: Data, cfg: Config, cell: str = "lstm", dtype="float32", level: str = "char",
                deep: dict | None = None):
    """The tutorial's model (or the FAQ's word-level one, with sparse targets), compiled as the
    tutorial compiles it: RMSprop with Keras's defaults, the variant's loss (word level: the
    sparse one). deep: more ``Seq2Seq`` arguments (``latent_dim`` overrides the run's): the
    deeper row's ``num_layers`` and ``bidirectional`` (``run.DEEP_ROW``), a variant row's
    options (``variants.VARIANTS``)."""
    from npseq2seq import RMSprop, Seq2Seq

    vocab = data.vocab
    deep = {"latent_dim": cfg.latent_dim, **(deep or {})}
    model = Seq2Seq(vocab.num_encoder_tokens, vocab.num_decoder_tokens, cell=cell, dtype=dtype,
                    seed=cfg.seed, vocab=vocab, level=level, **deep)
    model.compile(optimizer=RMSprop(), loss=model.config.default_loss)
    return model


class NumpyTrainer:
    """One ``fit`` epoch on the training part, then the validation loss.

    bucket_by_length: the masked, length-bucketed mode (``fit(bucket_by_length=True)``,
    zero-padded data); its validation loss is the mean over real target steps.
    """

    def __init__(self, model, data: Data, cfg: Config, bucket_by_length: bool = False,
                 threads: int | None = None):
        self.model, self.batch_size, self.bucket_by_length = model, cfg.batch_size, bucket_by_length
        self.threads = threads     # npseq2seq.threads for this trainer's epochs (None: the default)
        self.train, self.val = data.train_ids(), data.val_ids()
        self.losses: list[tuple[float, float]] = []

    def epoch(self) -> dict[str, float]:
        from npseq2seq import threads

        before = threads.get_num_threads()
        threads.set_num_threads(self.threads or before)
        try:
            return self._epoch()
        finally:
            threads.set_num_threads(before)

    def _epoch(self) -> dict[str, float]:
        from npseq2seq.train import BucketedBatches

        enc, dec, tgt = self.train
        start = clock()
        history = self.model.fit([enc, dec], tgt, batch_size=self.batch_size, epochs=1,
                                 verbose=0, shuffle=True, bucket_by_length=self.bucket_by_length)
        mid = clock()
        venc, vdec, vtgt = self.val
        if self.bucket_by_length:
            val_loss = self.model._mean_loss(BucketedBatches(self.model.config, self.model.vocab, venc,
                                                             vdec, vtgt, self.batch_size))
        else:
            val_loss = self.model.evaluate([venc, vdec], vtgt, batch_size=self.batch_size)
        end = clock()
        self.losses.append((history.history["loss"][-1], val_loss))
        return {"train": mid - start, "val": end - mid}


def real_steps_val_loss(model, data: Data, zero_padded: Data, batch_size: int) -> float:
    """A model trained the tutorial's way, scored like the bucketed mode: its own forward on
    the space-padded validation arrays, the loss averaged over the real target steps only
    (those that are not padding in the zero-padded arrays of the same texts)."""
    enc, dec, y = data.val_ids()
    real = zero_padded.val_ids()[2] >= 0
    total, count = 0.0, 0
    for s in range(0, len(enc), batch_size):
        _, cache = model.forward(enc[s:s + batch_size], dec[s:s + batch_size])
        mask = real[s:s + batch_size]
        loss, _ = model.loss(cache.decoder.dense.logits, y[s:s + batch_size], mask=mask)
        total, count = total + loss * mask.sum(), count + mask.sum()
    return float(total / count)


# --------------------------------------------------------------------------- decoding


def decode_one_at_a_time(model, encoder_inputs: np.ndarray) -> list[str]:
    """The tutorial's ``decode_sequence`` loop (npseq2seq.decode), one sentence per call."""
    from npseq2seq.decode import decode_sequence
    return [decode_sequence(model, encoder_inputs[i:i + 1]) for i in range(len(encoder_inputs))]


def one_sentence(model, encoder_inputs: np.ndarray) -> list[str]:
    """``OneSentenceGreedy`` (npseq2seq.decode.one_sentence), one sentence per call; built once
    per call of this function (inside the timing: its input table is part of the cost)."""
    from npseq2seq.decode import OneSentenceGreedy

    one, reverse = OneSentenceGreedy(model), model.vocab.reverse_target_char_index
    return ["".join(reverse[int(i)] for i in one.decode(x)) for x in encoder_inputs]


def greedy_batch(model, encoder_inputs: np.ndarray, batch_size: int) -> list[str]:
    """npseq2seq's batched ``greedy_decode`` over ``encoder_inputs`` in batches of ``batch_size``."""
    from npseq2seq.decode import greedy_decode
    from npseq2seq.text.chars import END, START

    vocab = model.vocab
    start_id, stop_id = vocab.target_token_index[START], vocab.target_token_index[END]
    reverse = vocab.reverse_target_char_index
    out = []
    for first in range(0, len(encoder_inputs), batch_size):
        for ids in greedy_decode(model, encoder_inputs[first:first + batch_size], start_id, stop_id,
                                 vocab.max_decoder_seq_length + 1):
            out.append("".join(reverse[int(i)] for i in ids))
    return out


def beam_batch(model, encoder_inputs: np.ndarray, beam_width: int, batch_size: int) -> list[str]:
    """npseq2seq's ``beam_search`` (its default length penalty), the best hypothesis of each
    sentence as text, the stop character kept (as ``greedy_batch``)."""
    from npseq2seq.decode import beam_search

    vocab = model.vocab
    reverse = vocab.reverse_target_char_index
    out = []
    for first in range(0, len(encoder_inputs), batch_size):
        found = beam_search(model, encoder_inputs[first:first + batch_size], beam_width, vocab.start_id,
                            vocab.stop_id, vocab.max_decoder_seq_length + 1)
        out += ["".join(reverse[int(i)] for i in hypotheses[0].ids) for hypotheses in found]
    return out
