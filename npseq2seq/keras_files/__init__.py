"""Keras model files without TensorFlow: ``save_keras`` writes a Seq2Seq model as a Keras 3
``.keras`` file (or ``.weights.h5``) that ``keras.models.load_model`` loads (writer.py)."""
from .writer import save_keras

__all__ = ["save_keras"]
