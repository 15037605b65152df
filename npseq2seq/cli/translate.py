"""``npseq2seq translate``: sentences in (arguments or stdin lines, translated as they come:
``stdin.py``), translations out, one line per input line; greedy decoding, or beam search
with its n best. --beam is bounded (``MAX_BEAM``) and checked against memory first."""
from __future__ import annotations

import sys

from ..text import TextTooLongError, UnknownTokenError, excerpt
from .args import UsageError, add_length_penalty_arg
from .exits import EXIT_STDOUT_CLOSED
from .limits import MAX_BEAM, beam_width, check_length_penalty, check_memory, loaded_model, too_big
from .stdin import stdin_batches
from .streams import stdout_failed


def add_parser(sub):
    tr = sub.add_parser("translate", help="translate sentences with a saved model")
    tr.add_argument("--model", required=True)
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
    tr.add_argument("texts", nargs="*", help="sentences (default: one per line on stdin; "
                                             "an empty line gives an empty line, or with "
                                             "--n-best no line)")
    tr.set_defaults(run=run)


def _check_beam(model, args):
    """--beam against the machine, before any decoding."""
    width = args.beam or args.n_best
    if width:
        # per sentence, each step: B hypotheses' probabilities (V), states (a few H) and the
        # candidates kept (up to B x V ids and scores), in float64
        per_step = width * (3 * model.vocab.num_decoder_tokens + 4 * model.latent_dim) * 8
        check_memory(per_step, f"--beam {width} with {model.vocab.num_decoder_tokens} target tokens")


def _translate(model, batch, args):
    """The translations of one batch of (line number, text), as translate returns them."""
    texts = [text for _, text in batch]
    try:
        with too_big(f"translating with --beam {args.beam}" if args.beam else "translating"):
            return model.translate(texts, errors="ignore" if args.ignore_unknown else "raise",
                                   truncate=args.truncate, beam_width=args.beam, n_best=args.n_best,
                                   length_penalty=args.length_penalty)
    except (UnknownTokenError, TextTooLongError) as err:
        number = next(n for n, text in batch if text == err.text)
        where = f"text {number}" if args.texts else f"<stdin>, line {number}"
        if isinstance(err, UnknownTokenError):
            raise UsageError(f"{where}: {err} (--ignore-unknown drops unknown characters)") from None
        raise UsageError(f"{where}: {excerpt(err.text)} has {err.length} {err.unit}, more than "
                         f"the model's limit of {err.limit} (--truncate cuts it)") from None


def run(args):
    if args.n_best and args.beam and args.n_best > args.beam:
        raise UsageError(f"--n-best {args.n_best} is more than the --beam {args.beam} hypotheses kept")
    check_length_penalty(args.length_penalty)
    batches = [list(enumerate(args.texts, start=1))] if args.texts else stdin_batches()
    model = loaded_model(args.model)
    if model.vocab is None:
        raise UsageError(f"{args.model} has no vocabulary: it cannot translate text")
    _check_beam(model, args)
    for batch in batches:
        # an empty input gives an empty output, so output line i always answers input line i
        done = iter(_translate(model, [(n, t) for n, t in batch if t], args))
        for number, text in batch:
            if args.n_best:
                for translation in (next(done) if text else ()):
                    print(f"{number}\t{translation.log_prob:.4f}\t{translation.text}")
            else:
                print(next(done) if text else "")
        sys.stdout.flush()
        if stdout_failed():       # the translations have nowhere to go: stop
            return EXIT_STDOUT_CLOSED
    return 0
