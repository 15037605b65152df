"""``npseq2seq translate``: sentences in (arguments or stdin lines), translations out, one
line per input line; greedy decoding, beam search with its n best, or sampling."""
from __future__ import annotations

import sys

from ..decode import SAMPLING
from ..io import load_model
from ..text import DataError, TextTooLongError, UnknownTokenError
from .args import UsageError, add_length_penalty_arg, positive_int


def add_parser(sub):
    tr = sub.add_parser("translate", help="translate sentences with a saved model")
    tr.add_argument("--model", required=True)
    tr.add_argument("--ignore-unknown", action="store_true",
                    help="drop characters the model does not know (character level; at word level "
                         "unknown words are always read as <unk>)")
    tr.add_argument("--truncate", action="store_true", help="cut inputs longer than the model's maximum")
    tr.add_argument("--beam", type=positive_int, metavar="B",
                    help="beam search with B hypotheses per sentence (default: greedy decoding)")
    tr.add_argument("--n-best", type=positive_int, metavar="K",
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
    tr.add_argument("texts", nargs="*", help="sentences (default: one per line on stdin; "
                                             "an empty line gives an empty line, or with "
                                             "--n-best or --num-samples no line)")
    tr.set_defaults(run=run)


def _stdin_lines() -> list[str]:
    """stdin, one text per line (LF or CRLF), decoded as UTF-8 line by line to name a bad line."""
    lines = []
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            # utf-8-sig on line 1: drop the byte-order mark some Windows tools write first
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            lines.append(text.removesuffix("\n").removesuffix("\r"))
        except UnicodeDecodeError:
            raise DataError("<stdin>", number, "bytes that are not valid UTF-8") from None
    return lines


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


def run(args):
    model = load_model(args.model)
    texts = args.texts or _stdin_lines()
    # an empty input gives an empty output, so output line i always answers input line i
    todo = [t for t in texts if t]
    if args.n_best and args.beam and args.n_best > args.beam:
        raise UsageError(f"--n-best {args.n_best} is more than the --beam {args.beam} hypotheses kept")
    try:
        done = iter(model.translate(todo, errors="ignore" if args.ignore_unknown else "raise",
                                    truncate=args.truncate, beam_width=args.beam, n_best=args.n_best,
                                    length_penalty=args.length_penalty, **_sampling(args)))
    except UnknownTokenError as err:
        raise UsageError(f"{err} (--ignore-unknown drops unknown characters)") from None
    except TextTooLongError as err:
        raise UsageError(f"text {err.text!r} has {err.length} {err.unit}, more than the model's "
                         f"limit of {err.limit} (--truncate cuts it)") from None
    if args.n_best or args.num_samples:
        for number, text in enumerate(texts, start=1):
            for translation in (next(done) if text else ()):
                print(f"{number}\t{translation.log_prob:.4f}\t{translation.text}")
        return 0
    for text in texts:
        print(next(done) if text else "")
    return 0
