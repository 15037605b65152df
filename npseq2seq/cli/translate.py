"""``npseq2seq translate``: sentences in (arguments or stdin lines, translated as they come:
``stdin.py``), translations out, one line per input line; greedy decoding, beam search with
its n best, or sampling. --beam is bounded (``MAX_BEAM``) and checked against memory first."""
from __future__ import annotations

import sys

from ..decode import SAMPLING
from ..text import TextTooLongError, UnknownTokenError, excerpt
from .args import UsageError, add_length_penalty_arg, positive_int
from .exits import EXIT_STDOUT_CLOSED
from .keras_source import add_keras_args, is_keras_file, keras_model
from .limits import MAX_BEAM, beam_width, check_length_penalty, check_memory, loaded_model, too_big
from .stdin import stdin_batches
from .streams import stdout_failed


def add_parser(sub):
    tr = sub.add_parser("translate", help="translate sentences with a saved model")
    tr.add_argument("--model", required=True, help="an npseq2seq model file (.npz), or a Keras one (.keras, "
                                                   ".h5) with --data and --num-samples (or --vocab)")
    tr.add_argument("--ignore-unknown", action="store_true",
                    help="drop characters the model does not know (character level; at word level "
                         "unknown words are always read as <unk>)")
    tr.add_argument("--truncate", action="store_true", help="cut inputs longer than the model's maximum")
    tr.add_argument("--beam", type=beam_width, metavar="B",
                    help=f"beam search with B hypotheses per sentence, at most {MAX_BEAM} (default: "
                         "greedy decoding)")
    tr.add_argument("--n-best", type=beam_width, metavar="K",
                    help="print the K best translations of each input (beam search, B >= K), one per "
                         "line as: input number <TAB> log-probability <TAB> translation")
    add_length_penalty_arg(tr)
    sample = tr.add_argument_group("sampling", "draw each token instead of taking the most probable")
    sample.add_argument("--sample", choices=SAMPLING, help="temperature: from softmax(logits / T); "
                        "top_k: from the K most probable tokens; top_p: from the nucleus of mass P")
    sample.add_argument("--temperature", type=float, metavar="T", help="> 0; default 1")
    sample.add_argument("--top-k", type=positive_int, metavar="K", help="with --sample top_k")
    sample.add_argument("--top-p", type=float, metavar="P", help="in (0, 1], with --sample top_p")
    sample.add_argument("--seed", type=int, help="the same seed gives the same translations")
    sample.add_argument("--num-samples", type=positive_int, metavar="S",
                        help="S samples per input, one per line as: input number <TAB> "
                             "log-probability <TAB> translation")
    add_keras_args(tr, lines="--data-lines")
    tr.add_argument("texts", nargs="*", help="sentences (default: one per line on stdin; "
                                             "an empty line gives an empty line, or with "
                                             "--n-best or --num-samples no line)")
    tr.set_defaults(run=run)


def _check_beam(model, args):
    """--beam against the machine, before any decoding."""
    width = args.beam or args.n_best
    if width:
        # per sentence, each step: B hypotheses' probabilities (V), states (a few H) and the
        # candidates kept (up to B x V ids and scores), in float64
        per_step = width * (3 * model.vocab.num_decoder_tokens + 4 * model.latent_dim) * 8
        check_memory(per_step, f"--beam {width} with {model.vocab.num_decoder_tokens} target tokens")


def _check_repeat(model, args, sampling):
    """A RepeatSeq2Seq answers in one forward pass: no decoding options, and it needs its
    table and input width (``demo --model repeat --out`` saves both)."""
    given = [flag for flag, on in (("--beam", args.beam), ("--n-best", args.n_best),
                                   ("--sample", sampling)) if on]
    if given:
        raise UsageError(f"{', '.join(given)}: {args.model} holds a RepeatSeq2Seq, which writes every "
                         "output step in one pass (no decoding loop to search or sample)")
    if model.table is None or model.config.input_length is None:
        raise UsageError(f"{args.model} has no character table or input length: it cannot translate text")


def _translate(model, batch, args, sampling):
    """The translations of one batch of (line number, text), as translate returns them."""
    texts = [text for _, text in batch]
    errors = "ignore" if args.ignore_unknown else "raise"
    decoding = {} if model.kind == "repeat" else dict(
        beam_width=args.beam, n_best=args.n_best, length_penalty=args.length_penalty, **sampling)
    try:
        with too_big(f"translating with --beam {args.beam}" if args.beam else "translating"):
            return model.translate(texts, errors=errors, truncate=args.truncate, **decoding)
    except (UnknownTokenError, TextTooLongError) as err:
        number = next(n for n, text in batch if text == err.text)
        where = f"text {number}" if args.texts else f"<stdin>, line {number}"
        if isinstance(err, UnknownTokenError):
            raise UsageError(f"{where}: {err} (--ignore-unknown drops unknown characters)") from None
        raise UsageError(f"{where}: {excerpt(err.text)} has {err.length} {err.unit}, more than "
                         f"the model's limit of {err.limit} (--truncate cuts it)") from None


def _sampling(args) -> dict:
    """translate's sampling arguments from the flags; UsageError naming the flags that do
    not fit together (the values themselves are checked by ``decode.make_sampler``)."""
    given = {"--temperature": args.temperature, "--top-k": args.top_k, "--top-p": args.top_p,
             "--seed": args.seed, "--num-samples": args.num_samples}
    if args.sample is None:
        flags = [flag for flag, value in given.items() if value is not None]
        if flags:
            raise UsageError(f"{', '.join(flags)}: sampling flags, for use with --sample")
        return {}
    if args.beam or args.n_best:
        raise UsageError("--sample draws tokens; --beam and --n-best are beam search's: pass one or "
                         "the other (--num-samples S gives S samples per input)")
    for flag, mode in (("--top-k", "top_k"), ("--top-p", "top_p")):
        if given[flag] is not None and args.sample != mode:
            raise UsageError(f"{flag} goes with --sample {mode}, not --sample {args.sample}")
        if given[flag] is None and args.sample == mode:
            raise UsageError(f"--sample {mode} needs {flag}")
    return {"sampling": args.sample, "temperature": args.temperature, "k": args.top_k, "p": args.top_p,
            "seed": args.seed, "num_samples": args.num_samples}


def _data_lines(args):
    """--data's line count. With --data, --num-samples counts its lines (the tutorial's
    num_samples, as ``import-keras`` takes it) unless --sample gives it its sampling
    meaning; --data-lines says it either way."""
    lines = args.data_lines
    if args.data is not None and args.sample is None and args.num_samples is not None:
        if lines is not None:
            raise UsageError("--num-samples and --data-lines both count --data's lines: pass one")
        lines, args.num_samples = args.num_samples, None
    return lines


def _model(args, lines):
    """The model of --model: an npseq2seq file, or a Keras one with its vocabulary's flags."""
    keras_flags = [f for f, v in (("--data", args.data), ("--data-lines", args.data_lines), ("--vocab", args.vocab),
                                  ("--padding", args.padding), ("--config", args.config)) if v is not None]
    if not is_keras_file(args.model):
        if keras_flags:
            raise UsageError(f"{', '.join(keras_flags)}: for a Keras model file (.keras, .h5); {args.model} "
                             "is an npseq2seq one, which holds its vocabulary")
        return loaded_model(args.model)
    return keras_model(args.model, args, num_samples=lines)


def run(args):
    if args.n_best and args.beam and args.n_best > args.beam:
        raise UsageError(f"--n-best {args.n_best} is more than the --beam {args.beam} hypotheses kept")
    check_length_penalty(args.length_penalty)
    lines = _data_lines(args)
    sampling = _sampling(args)
    batches = [list(enumerate(args.texts, start=1))] if args.texts else stdin_batches()
    model = _model(args, lines)
    if model.kind == "repeat":
        _check_repeat(model, args, sampling)
    elif model.vocab is None:
        raise UsageError(f"{args.model} has no vocabulary: it cannot translate text")
    else:
        _check_beam(model, args)
    for batch in batches:
        # an empty input gives an empty output, so output line i always answers input line i
        done = iter(_translate(model, [(n, t) for n, t in batch if t], args, sampling))
        for number, text in batch:
            if args.n_best or args.num_samples:
                for translation in (next(done) if text else ()):
                    print(f"{number}\t{translation.log_prob:.4f}\t{translation.text}")
            else:
                print(next(done) if text else "")
        sys.stdout.flush()
        if stdout_failed():       # the translations have nowhere to go: stop
            return EXIT_STDOUT_CLOSED
    return 0
