"""PyTorch's CPU LSTM/GRU as an optional third column (skipped when ``torch`` is not installed).

The same model (encoder RNN → final states → decoder RNN → Linear), the same
weights copied from npseq2seq (Keras layout → PyTorch layout), the same one-hot
inputs as Keras, cross-entropy on the logits averaged over every (sample, step)
row as Keras does, and RMSprop(lr=1e-3, alpha=0.9, eps=1e-7). (PyTorch puts
RMSprop's eps outside the square root, Keras inside; the cost is the same.)
"""
from __future__ import annotations

import numpy as np

from .common import Config, Data, best_beam_strings, clock


def available() -> str | None:
    """None if torch imports, else the reason the column is skipped."""
    try:
        import torch  # noqa: F401
    except ImportError as err:
        return f"torch not installed ({err}); pip install torch==2.13.0 to add the column"
    return None


def _torch():
    import torch
    return torch


def _keras_to_torch_gates(a: np.ndarray, cell: str, axis: int) -> np.ndarray:
    """Reorder gate blocks along ``axis``: Keras LSTM i,f,c,o = torch i,f,g,o; Keras GRU z,r,h → torch r,z,n."""
    if cell == "lstm":
        return a
    z, r, h = np.split(a, 3, axis=axis)
    return np.concatenate([r, z, h], axis=axis)


def build_model(np_model, cell: str = "lstm"):
    """A torch module with ``np_model``'s weights; returns it (float32)."""
    torch = _torch()
    nn = torch.nn
    ve, vd, units = np_model.num_encoder_tokens, np_model.num_decoder_tokens, np_model.latent_dim
    rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]

    class TorchSeq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = rnn(ve, units, batch_first=True)
            self.decoder = rnn(vd, units, batch_first=True)
            self.dense = nn.Linear(units, vd)

        def forward(self, enc, dec):
            _, state = self.encoder(enc)            # final (h, c) / h
            out, _ = self.decoder(dec, state)
            return self.dense(out)                  # logits (N, Td, Vd)

    model = TorchSeq2Seq()
    w = np_model.get_weights()
    with torch.no_grad():
        for rnn_layer, (kernel, recurrent, bias) in ((model.encoder, w[0:3]), (model.decoder, w[3:6])):
            rnn_layer.weight_ih_l0.copy_(torch.from_numpy(_keras_to_torch_gates(kernel, cell, 1).T.copy()))
            rnn_layer.weight_hh_l0.copy_(torch.from_numpy(_keras_to_torch_gates(recurrent, cell, 1).T.copy()))
            if cell == "lstm":   # one bias in Keras; torch adds b_ih + b_hh
                b_ih, b_hh = bias, np.zeros_like(bias)
            else:                # Keras GRU reset_after: (2, 3H) = input and recurrent biases
                b_ih, b_hh = bias[0], bias[1]
            rnn_layer.bias_ih_l0.copy_(torch.from_numpy(_keras_to_torch_gates(b_ih, cell, 0).copy()))
            rnn_layer.bias_hh_l0.copy_(torch.from_numpy(_keras_to_torch_gates(b_hh, cell, 0).copy()))
        model.dense.weight.copy_(torch.from_numpy(w[6].T.copy()))
        model.dense.bias.copy_(torch.from_numpy(w[7].copy()))
    return model


class TorchTrainer:
    """A plain PyTorch epoch: shuffled batches, forward, loss, backward, RMSprop; then validation."""

    def __init__(self, np_model, data: Data, cfg: Config, cell: str = "lstm"):
        torch = _torch()
        self.torch, self.batch_size = torch, cfg.batch_size
        self.model = build_model(np_model, cell)
        self.optimizer = torch.optim.RMSprop(self.model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        enc, dec, _ = data.one_hot("float32")
        tgt = data.ids[2].astype(np.int64)
        s = data.split_at
        as_t = torch.from_numpy
        self.train = (as_t(enc[:s]), as_t(dec[:s]), as_t(tgt[:s]))
        self.val = (as_t(enc[s:]), as_t(dec[s:]), as_t(tgt[s:]))
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.losses: list[tuple[float, float]] = []

    def _loss(self, enc, dec, tgt):
        logits = self.model(enc, dec)
        return self.torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))

    def epoch(self) -> dict[str, float]:
        torch = self.torch
        enc, dec, tgt = self.train
        n, b = len(enc), self.batch_size
        start = clock()
        self.model.train()
        order = torch.randperm(n, generator=self.generator)
        total = 0.0
        for first in range(0, n, b):
            sel = order[first:first + b]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self._loss(enc[sel], dec[sel], tgt[sel])
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(sel)
        mid = clock()
        venc, vdec, vtgt = self.val
        val_total = 0.0
        self.model.eval()
        with torch.no_grad():
            for first in range(0, len(venc), b):
                sl = slice(first, first + b)
                val_total += self._loss(venc[sl], vdec[sl], vtgt[sl]).item() * len(venc[sl])
        end = clock()
        self.losses.append((total / n, val_total / len(venc)))
        return {"train": mid - start, "val": end - mid}


def greedy_decode(torch_model, encoder_input: np.ndarray, vocab, batch_size: int) -> list[str]:
    """Batched greedy decoding in PyTorch, finished sentences dropped from the batch (as npseq2seq)."""
    torch = _torch()
    start_id, stop_id = vocab.target_token_index["\t"], vocab.target_token_index["\n"]
    max_steps = vocab.max_decoder_seq_length + 1
    eye = torch.eye(vocab.num_decoder_tokens)
    out = []
    with torch.inference_mode():
        for first in range(0, len(encoder_input), batch_size):
            enc = torch.from_numpy(encoder_input[first:first + batch_size])
            _, state = torch_model.encoder(enc)
            n = len(enc)
            decoded = torch.full((n, max_steps), -1, dtype=torch.long)
            active = torch.arange(n)
            tokens = torch.full((n,), start_id, dtype=torch.long)
            for step in range(max_steps):
                seq, state = torch_model.decoder(eye[tokens][:, None, :], state)
                tokens = torch_model.dense(seq[:, 0]).argmax(dim=-1)
                decoded[active, step] = tokens
                running = tokens != stop_id
                if not bool(running.all()):
                    active, tokens = active[running], tokens[running]
                    state = tuple(s[:, running] for s in state) if isinstance(state, tuple) \
                        else state[:, running]
                    if not len(active):
                        break
            for row in decoded.numpy():
                out.append("".join(vocab.reverse_target_char_index[int(i)] for i in row if i >= 0))
    return out


def beam_decode(torch_model, encoder_input: np.ndarray, vocab, beam_width: int, batch_size: int) -> list[str]:
    """Beam search in PyTorch written the obvious way: all N·B rows every step, log-softmax,
    top-k over each sentence's B·V candidates, states reordered by the chosen parents.

    As npseq2seq's ``beam_search``: a finished hypothesis keeps its place in the beam (its
    candidate is lifted above every live one, at its frozen score) and the others fill the
    rest; the best is picked by ``common.best_beam_strings`` (GNMT's length penalty 0.6).
    """
    torch = _torch()
    start_id, stop_id = vocab.target_token_index["\t"], vocab.target_token_index["\n"]
    max_steps, num_tokens, b = vocab.max_decoder_seq_length + 1, vocab.num_decoder_tokens, beam_width
    eye, out = torch.eye(num_tokens), []
    with torch.inference_mode():
        for first in range(0, len(encoder_input), batch_size):
            enc = torch.from_numpy(encoder_input[first:first + batch_size])
            n = len(enc)
            _, state = torch_model.encoder(enc)
            state = tuple(s.repeat_interleave(b, dim=1) for s in state)       # (1, N·B, H)
            log_prob = torch.full((n, b), float("-inf"))
            log_prob[:, 0] = 0.0                                               # one live start per sentence
            finished = torch.zeros((n, b), dtype=torch.bool)
            ids = torch.full((n, b, max_steps), -1, dtype=torch.long)
            tokens = torch.full((n * b,), start_id, dtype=torch.long)
            lift = torch.zeros(num_tokens)
            lift[stop_id] = 1e9                                                # a finished beam keeps its slot
            for step in range(max_steps):
                seq, state = torch_model.decoder(eye[tokens][:, None, :], state)
                step_lp = torch.log_softmax(torch_model.dense(seq[:, 0]), dim=-1).view(n, b, num_tokens)
                step_lp = torch.where(finished[..., None], lift - 1e9 * (lift == 0), step_lp)
                candidates = (log_prob[..., None] + step_lp).view(n, b * num_tokens)
                top, index = candidates.topk(b, dim=1)                         # (N, B)
                parent, token = index // num_tokens, index % num_tokens
                was_finished = finished.gather(1, parent)
                log_prob = torch.where(was_finished, log_prob.gather(1, parent), top)
                ids = ids.gather(1, parent[..., None].expand(-1, -1, max_steps)).clone()
                ids[..., step] = torch.where(was_finished, -1, token)
                finished = was_finished | (token == stop_id)
                rows = (parent + torch.arange(n)[:, None] * b).view(-1)
                state = tuple(s[:, rows] for s in state)
                tokens = token.view(-1)
                if bool(finished.all()):
                    break
            out += best_beam_strings(ids.numpy(), log_prob.numpy().astype(np.float64), finished.numpy(), vocab)
    return out
