"""The 2017 blog post's model ("A ten-minute introduction to sequence-to-sequence learning
in Keras", Keras 2.0's ``examples/lstm_seq2seq.py``) trained as it was, written as its
``model.save('s2s.h5')`` wrote it: the file npseq2seq reads for that era.

    python -m reference.blog_example --data fra.txt --epochs 100 --out s2s.h5

No Keras that installs today writes Keras 2.0's file, so: tf_keras 2.21 (Keras 2's API
and its ``hard_sigmoid``, clip(0.2x + 0.5, 0, 1), the same function as Keras 2.0's
TensorFlow backend) trains the blog's model with Keras 2.0's LSTM default
``recurrent_activation='hard_sigmoid'``, on the blog's zero-padded one-hot arrays
(``np.zeros``, one-hot set per character, nothing set after the text), RMSprop,
``categorical_crossentropy``, ``validation_split=0.2``; then ``reference.keras2_layout``
writes its weights in Keras 2.0.8's layout (``lstm_1/kernel:0``, no cell level, Keras 2
config, ``keras_version`` 2.0.8).
"""
from __future__ import annotations

import os

from .keras_io_example import example_args, vectorize_as_the_example


def main(argv=None):
    args = example_args(argv, __doc__.split("\n")[0], "s2s.h5")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras as keras

    from .keras2_layout import write_blog_h5

    enc, dec, tgt, ve, vd = vectorize_as_the_example(args.data, args.num_samples, padding="zero")
    latent_dim = args.latent_dim
    encoder_inputs = keras.Input(shape=(None, ve))
    encoder = keras.layers.LSTM(latent_dim, return_state=True, recurrent_activation="hard_sigmoid")
    encoder_outputs, state_h, state_c = encoder(encoder_inputs)
    encoder_states = [state_h, state_c]
    decoder_inputs = keras.Input(shape=(None, vd))
    decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True,
                                     recurrent_activation="hard_sigmoid")
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
    decoder_dense = keras.layers.Dense(vd, activation="softmax")
    decoder_outputs = decoder_dense(decoder_outputs)
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    model.fit([enc, dec], tgt, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.2)
    write_blog_h5(args.out, model.get_weights(), ve, vd, latent_dim)


if __name__ == "__main__":
    main()
