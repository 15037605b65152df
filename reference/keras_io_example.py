"""The keras-io example ``examples/nlp/lstm_seq2seq.py`` as a script that writes its
``s2s_model.keras``: the file a user of the tutorial holds, which npseq2seq reads without
TensorFlow (``npseq2seq.load_keras``, ``npseq2seq import-keras``).

    python -m reference.keras_io_example --data fra.txt --epochs 100 --out s2s_model.keras

The example's own lines, with its constants as flags (``batch_size = 64``, ``epochs =
100``, ``latent_dim = 256``, ``num_samples = 10000``): read the first num_samples lines,
``"\\t" + target + "\\n"``, sorted character sets, one-hot arrays padded with the space's
one-hot, the model of ``reference.build_training_model`` (the example's, line by line),
``model.compile(optimizer="rmsprop", loss="categorical_crossentropy",
metrics=["accuracy"])``, ``model.fit(..., validation_split=0.2)``,
``model.save("s2s_model.keras")``.
"""
from __future__ import annotations

import argparse

import numpy as np


def vectorize_as_the_example(data_path: str, num_samples: int, padding: str = "space"):
    """(encoder_input_data, decoder_input_data, decoder_target_data, num_encoder_tokens,
    num_decoder_tokens), as the example builds them; ``padding="zero"``: without the
    example's space padding, as the 2017 blog post (all-zero rows after each text)."""
    input_texts, target_texts = [], []
    input_characters, target_characters = set(), set()
    with open(data_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines[: min(num_samples, len(lines) - 1)]:
        input_text, target_text = line.split("\t")[:2]   # the example: `input_text, target_text, _ = ...`
        # We use "tab" as the "start sequence" character
        # for the targets, and "\n" as "end sequence" character.
        target_text = "\t" + target_text + "\n"
        input_texts.append(input_text)
        target_texts.append(target_text)
        input_characters.update(input_text)
        target_characters.update(target_text)
    input_characters, target_characters = sorted(input_characters), sorted(target_characters)
    num_encoder_tokens, num_decoder_tokens = len(input_characters), len(target_characters)
    max_encoder_seq_length = max(len(txt) for txt in input_texts)
    max_decoder_seq_length = max(len(txt) for txt in target_texts)
    input_token_index = {char: i for i, char in enumerate(input_characters)}
    target_token_index = {char: i for i, char in enumerate(target_characters)}
    encoder_input_data = np.zeros((len(input_texts), max_encoder_seq_length, num_encoder_tokens), dtype="float32")
    decoder_input_data = np.zeros((len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype="float32")
    decoder_target_data = np.zeros((len(input_texts), max_decoder_seq_length, num_decoder_tokens), dtype="float32")
    for i, (input_text, target_text) in enumerate(zip(input_texts, target_texts)):
        for t, char in enumerate(input_text):
            encoder_input_data[i, t, input_token_index[char]] = 1.0
        if padding == "space":
            encoder_input_data[i, t + 1:, input_token_index[" "]] = 1.0
        for t, char in enumerate(target_text):
            # decoder_target_data is ahead of decoder_input_data by one timestep
            decoder_input_data[i, t, target_token_index[char]] = 1.0
            if t > 0:
                # decoder_target_data will be ahead by one timestep
                # and will not include the start character.
                decoder_target_data[i, t - 1, target_token_index[char]] = 1.0
        if padding == "space":
            decoder_input_data[i, t + 1:, target_token_index[" "]] = 1.0
            decoder_target_data[i, t:, target_token_index[" "]] = 1.0
    return encoder_input_data, decoder_input_data, decoder_target_data, num_encoder_tokens, num_decoder_tokens


def example_args(argv, description: str, out: str) -> argparse.Namespace:
    """The example's constants as flags (the blog's script, ``blog_example.py``, takes the same)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", required=True)
    p.add_argument("--num-samples", type=int, default=10000)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--latent-dim", type=int, default=256)
    p.add_argument("--out", default=out)
    return p.parse_args(argv)


def main(argv=None):
    args = example_args(argv, __doc__.split("\n")[0], "s2s_model.keras")
    from .models import build_training_model

    enc, dec, tgt, num_encoder_tokens, num_decoder_tokens = vectorize_as_the_example(args.data, args.num_samples)
    model = build_training_model(num_encoder_tokens, num_decoder_tokens, args.latent_dim)   # compiled as the example
    model.fit([enc, dec], tgt, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.2)
    # Save model
    model.save(args.out)


if __name__ == "__main__":
    main()
