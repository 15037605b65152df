"""Layers: each a forward/backward pair with Keras's weight names and order."""
from .attention import DotAttention
from .base import Layer
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .gru import GRU
from .lstm import LSTM
from .recurrent import Recurrent

__all__ = ["Layer", "Dense", "Dropout", "DotAttention", "Embedding", "GRU", "LSTM", "Recurrent"]
