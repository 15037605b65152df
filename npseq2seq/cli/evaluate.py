"""``npseq2seq evaluate``: score a saved model on pairs it was not trained on, greedy decoding
and beam search side by side (exact match, CER, chrF, BLEU: ``npseq2seq.metrics``)."""
from __future__ import annotations

import sys
import time

from .. import metrics
from ..text import CORPUS_SIZES, load_pairs
from ..text.split import every_translation
from .args import (
    CORPUS_NAMES,
    UsageError,
    add_length_penalty_arg,
    corpus_pairs,
    fingerprint,
    non_negative_int,
    positive_int,
)
from .limits import MAX_BEAM, check_length_penalty, loaded_model, too_big
from .limits import beam_width as beam_width_arg
from .splits import held_out_pairs


def add_parser(sub):
    ev = sub.add_parser(
        "evaluate", help="score a saved model on pairs it was not trained on: greedy vs beam search",
        description="Translate sentence pairs and score the translations against the references: "
                    "exact match, character error rate (CER), corpus chrF and BLEU (sacrebleu: "
                    "pip install 'npseq2seq[eval]'), greedy decoding and beam search side by side. "
                    "Score on pairs the model was NOT trained on: --skip N leaves out the first N "
                    "pairs (`train --num-samples N` trains on the first N). Without --skip, a model "
                    "file written by `train` on the same data skips the pairs it was trained on, "
                    "or, trained with --held-out N, scores those N held-out pairs.")
    src = ev.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="tab-separated pairs file, e.g. fra.txt")
    src.add_argument("--corpus", choices=CORPUS_NAMES, help="a generated corpus")
    ev.add_argument("--model", required=True)
    ev.add_argument("--skip", type=non_negative_int, metavar="N",
                    help="leave out the first N pairs (default: the pairs the model file says it was "
                         "trained on, else 0 with a warning)")
    ev.add_argument("--num-samples", type=positive_int,
                    help="score this many pairs after the skipped ones (default 1000; of a model "
                         "trained with --held-out, all of its held-out pairs)")
    ev.add_argument("--beam", type=beam_width_arg, default=5, metavar="B",
                    help=f"beam width compared with greedy decoding, at most {MAX_BEAM} (default %(default)s)")
    add_length_penalty_arg(ev)
    ev.add_argument("--all-references", action="store_true",
                    help="score each held-out input against every translation the data gives it, "
                         "not only the first (multi-reference chrF and BLEU; exact match against "
                         "any; CER against the closest). For a model trained with --held-out")
    ev.add_argument("--show", type=non_negative_int, default=5, help="print this many examples")
    ev.set_defaults(run=run)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _trained_on(model, args) -> tuple[int | None, int | None]:
    """(how many leading pairs of --data / --corpus the model was trained on, how many input
    sentences of them it held out (--held-out) or None), if its file says (``train`` records
    its settings and a hash of its pairs); (None, None) if it does not say."""
    state = model.training_state if isinstance(model.training_state, dict) else {}
    settings = state.get("settings")
    trained = settings.get("num_samples") if isinstance(settings, dict) else None
    if not _is_count(trained):
        return None, None   # (the file's own word, checked: it is data)
    held_out = settings.get("held_out") if _is_count(settings.get("held_out")) else None
    if args.corpus:
        return (trained, held_out) if settings.get("corpus") == args.corpus else (None, None)
    if not settings.get("data"):
        return None, None
    pairs = load_pairs(args.data, trained)    # a moved copy is still the same data
    if fingerprint(held_out_pairs(pairs, {"held_out": held_out})) != state.get("data_sha256"):
        return None, None
    return trained, held_out


def _held_out(args, trained, held_out):
    """The pairs the model held out of its training pairs, as ``evaluation_pairs`` returns them
    (with --all-references, each input's references a list: all its translations in order)."""
    pairs = (corpus_pairs(args.corpus, trained) if args.corpus else load_pairs(args.data, trained))
    inputs, targets = held_out_pairs(pairs, {"held_out": held_out}, held_out_only=True)
    n = len(inputs) if args.num_samples is None else min(args.num_samples, len(inputs))
    note = (f"the {held_out} input sentences held out of training (--held-out; their first "
            f"translation is the reference)")
    if args.all_references:   # the split holds every pair of an input out: all are unseen
        targets = every_translation(*pairs, inputs)
        several = sum(len(t) > 1 for t in targets[:n])
        note = (f"the {held_out} input sentences held out of training (--held-out), each scored "
                f"against all its translations (--all-references: {several} of {n} have several)")
    return inputs[:n], targets[:n], None, note


def evaluation_pairs(args, model):
    """(inputs, references, number of the first pair or None for held-out pairs, a note on
    what was skipped)."""
    trained, held_out = _trained_on(model, args)
    if args.skip is None and held_out is not None:
        return _held_out(args, trained, held_out)
    if args.all_references:
        raise UsageError("--all-references scores the input sentences a model held out of training "
                         f"(train --held-out N), and {args.model} "
                         + ("is scored on --skip pairs" if held_out is not None else
                            "was not trained with --held-out on this data"))
    if args.num_samples is None:
        args.num_samples = 1000
    if args.skip is not None:
        skip = args.skip
        note = f"skipping the first {skip} pairs"
        if trained is not None and skip < trained:
            note += f" -- WARNING: the model was trained on the first {trained}, these overlap"
    elif trained is not None:
        skip, note = trained, f"skipping the {trained} pairs the model was trained on"
    else:
        skip, note = 0, ("WARNING: the model file does not say which pairs it was trained on; "
                         "pass --skip N to score only pairs it has not seen")
    if args.corpus:   # (up to all of the corpus: what is left after skipping is scored)
        wanted = min(skip + args.num_samples, CORPUS_SIZES[args.corpus])
        inputs, targets = corpus_pairs(args.corpus, wanted)
    else:
        inputs, targets = load_pairs(args.data, skip + args.num_samples)
    if len(inputs) <= skip:
        raise UsageError(f"{args.data or args.corpus} has {len(inputs)} pairs: none left after "
                         f"skipping {skip}")
    return inputs[skip:], targets[skip:], skip + 1, note


def _scores(hypotheses, references) -> list[str]:
    """The table's cells: exact match, CER, chrF, BLEU ('n/a' without sacrebleu)."""
    cells = [f"{100 * metrics.exact_match(hypotheses, references):.1f}%",
             f"{metrics.character_error_rate(hypotheses, references):.3f}"]
    try:
        cells += [f"{metrics.chrf(hypotheses, references):.1f}",
                  f"{metrics.bleu(hypotheses, references):.1f}"]
    except ImportError as err:
        print(f"npseq2seq evaluate: chrF and BLEU not computed: {err}", file=sys.stderr)
        cells += ["n/a", "n/a"]
    return cells


def run(args):
    check_length_penalty(args.length_penalty)
    model = loaded_model(args.model, "evaluate")
    if model.vocab is None:
        raise UsageError(f"{args.model} has no vocabulary: it cannot translate text")
    inputs, references, first, note = evaluation_pairs(args, model)
    deep = (f", {model.num_layers} layers" if model.num_layers > 1 else "") + \
        (", bidirectional encoder" if model.bidirectional else "")
    print(f"{args.model}: {model.cell}, latent_dim {model.latent_dim}{deep}, {model.vocab.level} level")
    where = "" if first is None else f" {first}-{first + len(inputs) - 1}"
    print(f"scoring pairs{where} of {args.data or 'corpus ' + args.corpus}; {note}")
    print(f"{len(inputs)} pairs{input_problems(model.vocab, inputs)}\n")
    header = ["decoding", "exact match", "CER", "chrF", "BLEU", "time"]
    rows, outputs = [header], {}
    for name, beam_width in (("greedy", None), (f"beam {args.beam}", args.beam)):
        start = time.perf_counter()
        with too_big(f"translating {len(inputs)} pairs" + (f" with --beam {args.beam}" if beam_width else "")):
            outputs[name] = model.translate(inputs, errors="ignore", truncate=True, beam_width=beam_width,
                                            length_penalty=args.length_penalty)
        rows.append([name, *_scores(outputs[name], references), f"{time.perf_counter() - start:.1f}s"])
    _print_table(rows)
    print(f"(CER: edits per reference character, lower is better; beam search ranked with "
          f"length penalty {args.length_penalty})")
    for k in range(min(args.show, len(inputs))):
        refs = [references[k]] if isinstance(references[k], str) else references[k]
        print(f"\n  input      {inputs[k]}\n  reference  {refs[0]}"
              + "".join(f"\n             {r}" for r in refs[1:]))
        for name, translations in outputs.items():
            print(f"  {'ok ' if translations[k] in refs else '   '}{name:<8}{translations[k]}")
    return 0


def _print_table(rows):
    """Rows of cells, the first column left-aligned, the others right-aligned."""
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) if k == 0 else cell.rjust(w)
                        for k, (cell, w) in enumerate(zip(row, widths))))


# what translating changes in an input, as each level words it
_CHANGES = {"char": ("unknown characters dropped", "characters"),
            "word": ("unknown words read as <unk>", "words"),
            "subword": ("unknown characters read as <unk>", "subword units")}


def input_problems(vocab, texts) -> str:
    """What translating will change in the inputs to fit the model: a note, or ''."""
    unknown = sum(bool(vocab.unknown_tokens(t)) for t in texts)
    long = sum(len(vocab.input_ids(t, errors="ignore")) > vocab.max_encoder_seq_length for t in texts)
    changed, unit = _CHANGES[vocab.level]
    notes = ([f"{unknown} with {changed}"] if unknown else []) + \
        ([f"{long} cut to the model's {vocab.max_encoder_seq_length} {unit}"] if long else [])
    return f" ({'; '.join(notes)})" if notes else ""
