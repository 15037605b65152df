"""Keras model files without TensorFlow, both ways, with h5py alone (``pip install 'npseq2seq[keras]'``):
``load_keras`` reads ``.keras``, ``.h5`` and ``.weights.h5`` files of npseq2seq's models;
``save_keras`` writes a Seq2Seq as a Keras 3 ``.keras`` file (or ``.weights.h5``) that
``keras.models.load_model`` loads.

Reading:
- ``archive.py``: the ``.keras`` zip, checked before any member is inflated.
- ``h5.py``: HDF5 read within bounds (hard links only, float datasets of the expected shape).
- ``layouts.py``: where each layer's arrays sit, in Keras 3, tf.keras 2.x and Keras 2.0–2.2 files.
- ``graph.py``: the config as a graph of layers, classes checked (no Lambda, no custom objects).
- ``layer_settings.py``: each layer's options checked against what npseq2seq computes; the RNNs'
  settings read as one cell (class, units, recurrent_activation, reset_after, dropout).
- ``architecture.py``: that graph walked → Seq2SeqConfig and the Keras layer of each part.
- ``vocabulary.py``: the vocabulary, from the training data or a file, checked against the weights.
- ``reader.py``: ``load_keras``, the steps in order.

Writing:
- ``writer_graph.py``: a functional graph recorded call by call, layers in Keras's order.
- ``writer_layers.py``: Keras's config of each layer used.
- ``writer_model.py``: the Seq2Seq training graph on them.
- ``writer.py``: ``save_keras``.
"""
from .reader import load_keras
from .writer import save_keras

__all__ = ["load_keras", "save_keras"]
