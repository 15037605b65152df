"""``npseq2seq translate``: sentences in (arguments or stdin lines), translations out, one
line per input line; greedy decoding, or beam search with its n best."""
from __future__ import annotations

import sys

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
    tr.add_argument("texts", nargs="*", help="sentences (default: one per line on stdin; "
                                             "an empty line gives an empty line, or with "
                                             "--n-best no line)")
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
                                    length_penalty=args.length_penalty))
    except UnknownTokenError as err:
        raise UsageError(f"{err} (--ignore-unknown drops unknown characters)") from None
    except TextTooLongError as err:
        raise UsageError(f"text {err.text!r} has {err.length} {err.unit}, more than the model's "
                         f"limit of {err.limit} (--truncate cuts it)") from None
    if args.n_best:
        for number, text in enumerate(texts, start=1):
            for translation in (next(done) if text else ()):
                print(f"{number}\t{translation.log_prob:.4f}\t{translation.text}")
        return 0
    for text in texts:
        print(next(done) if text else "")
    return 0
