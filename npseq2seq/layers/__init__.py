"""Layers: each a forward/backward pair with Keras's weight names and order."""
from .additive_attention import AdditiveAttention
from .attention import DotAttention, ScoreAttention
from .attentive_rnn import AttentiveRNN
from .bahdanau_attention import BahdanauAttention, GeneralAttention
from .base import Layer
from .bidirectional import Bidirectional
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .gru import GRU
from .lstm import LSTM
from .recurrent import Recurrent
from .tied_dense import TiedDense

__all__ = ["Layer", "Bidirectional", "Dense", "Dropout", "DotAttention", "AdditiveAttention", "ScoreAttention",
           "Embedding", "GRU", "LSTM", "Recurrent", "BahdanauAttention", "GeneralAttention",
           "AttentiveRNN", "TiedDense"]
