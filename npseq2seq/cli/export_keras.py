"""``npseq2seq export-keras MODEL.npz --out s2s.keras``: a model file as a Keras 3 file
(``keras_files.save_keras``), for ``keras.models.load_model`` without anything of
npseq2seq on the Keras side; ``--out NAME.weights.h5`` writes the weights alone."""
from __future__ import annotations

from ..keras_files import save_keras
from ..keras_files.writer import SUFFIXES
from .args import UsageError, positive_int
from .exits import WriteFailedError
from .limits import loaded_model
from .outputs import check_output


def add_parser(sub):
    exp = sub.add_parser(
        "export-keras", help="write a model file as a Keras 3 .keras file (or .weights.h5)",
        description="Write the model as Keras 3's training model of its variant: a .keras file that "
                    "keras.models.load_model loads (safe mode, no custom objects) with the same "
                    "weights and predictions, or NAME.weights.h5 for model.load_weights. Needs h5py: "
                    "pip install 'npseq2seq[keras]'.")
    exp.add_argument("model", help="an npseq2seq model file (.npz)")
    exp.add_argument("--out", required=True, help="the file to write: NAME.keras or NAME.weights.h5")
    exp.add_argument("--steps", type=positive_int, default=None,
                     help="--no-teacher-forcing models: the decoder steps the Keras model runs "
                          "(default: the vocabulary's max_decoder_seq_length)")
    exp.set_defaults(run=run)


def run(args):
    if not args.out.endswith(SUFFIXES):
        raise UsageError(f"--out {args.out}: a Keras file name ends in .keras (the model) or "
                         ".weights.h5 (the weights alone)")
    out = check_output(args.out, "--out", inputs={"MODEL": args.model})   # before any work
    try:
        import h5py  # noqa: F401   (save_keras's one dependency, said as a usage error here)
    except ImportError as err:
        raise UsageError(f"export-keras needs h5py ({err}): pip install 'npseq2seq[keras]'") from None
    model = loaded_model(args.model)
    if model.teacher_forcing and args.steps is not None:
        raise UsageError("--steps is for models trained without teacher forcing")
    try:
        save_keras(model, out, steps=args.steps)
    except OSError as err:   # a full disk after the work: exit 3, not a usage error
        raise WriteFailedError(f"could not write --out {args.out}: {err.strerror or err}") from None
    print(f"wrote {out}")
    return 0
