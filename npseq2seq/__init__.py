"""npseq2seq: the Keras seq2seq tutorial's models in plain NumPy, with manual backprop.

    from npseq2seq import Seq2Seq, RMSprop
    model = Seq2Seq(num_encoder_tokens, num_decoder_tokens, latent_dim=256)
    model.compile(optimizer=RMSprop(), loss="categorical_crossentropy")
    model.fit([encoder_input_data, decoder_input_data], decoder_target_data,
              batch_size=64, epochs=100, validation_split=0.2)
    save_keras(model, "s2s.keras")        # for keras.models.load_model (needs h5py)
"""
from .io import ModelFileError, load_model
from .keras_files import load_keras, save_keras
from .layers import GRU, LSTM, AdditiveAttention, Dense, DotAttention
from .losses import CategoricalCrossentropy, SparseCategoricalCrossentropy
from .model import Seq2Seq, Seq2SeqConfig
from .optimizers import SGD, Adam, RMSprop
from .text import CharVocab, DataError, UnknownTokenError
from .threads import get_num_threads, set_num_threads
from .train import Callback, History

__version__ = "0.1.0"

__all__ = ["Seq2Seq", "Seq2SeqConfig", "History", "Callback", "LSTM", "GRU", "Dense", "DotAttention",
           "AdditiveAttention", "SGD", "RMSprop", "Adam",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "CharVocab",
           "DataError", "UnknownTokenError", "ModelFileError", "load_model", "load_keras", "save_keras",
           "set_num_threads", "get_num_threads", "__version__"]
