"""``npseq2seq import-keras``: a Keras seq2seq model file (``.keras``, ``.h5``, ``.weights.h5``)
→ an npseq2seq ``.npz`` model file, with the vocabulary rebuilt from the training data (or
read from a file), read with h5py alone (``keras_files``)."""
from __future__ import annotations

from .exits import WriteFailedError
from .keras_source import add_keras_args, keras_model
from .outputs import check_output


def add_parser(sub):
    imp = sub.add_parser(
        "import-keras", help="convert a Keras model file (.keras, .h5) to an npseq2seq model file",
        description="Read a Keras seq2seq model file without TensorFlow (h5py: pip install "
                    "'npseq2seq[keras]') and write it as an npseq2seq .npz that translate, evaluate and "
                    "inspect use. Example: npseq2seq import-keras s2s_model.keras --data fra.txt "
                    "--num-samples 10000 --out model.npz")
    imp.add_argument("file", help="the Keras model file: model.save('x.keras'), model.save('x.h5'), or "
                                  "save_weights('x.weights.h5') with --config")
    imp.add_argument("--out", required=True, help="the npseq2seq model file to write (.npz)")
    add_keras_args(imp)
    imp.set_defaults(run=run)


def run(args):
    check_output(args.out, "--out", inputs={"FILE": args.file, "--data": args.data, "--vocab": args.vocab,
                                            "--config": args.config})
    model = keras_model(args.file, args, num_samples=args.num_samples)
    try:
        model.save(args.out)
    except OSError as err:
        raise WriteFailedError(f"could not write --out {args.out}: {err.strerror or err}") from None
    vocab = model.vocab
    tokens = (f"; vocabulary {vocab.num_encoder_tokens} input / {vocab.num_decoder_tokens} target tokens"
              if vocab is not None else "; no vocabulary (pass --data or --vocab to translate with it)")
    print(f"{args.file}: {model.count_params():,} weights, {model.config.cell.upper()} latent_dim "
          f"{model.config.latent_dim}, {model.config.level} level{tokens}; wrote {args.out}")
    return 0
