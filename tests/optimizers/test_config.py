"""get_config / from_config round trips (optimizers/base.py), and the package's get and
serialize: an optimizer by name, from a config, or as it is."""
import json

import pytest

from npseq2seq import optimizers as opt
from npseq2seq.optimizers import SGD, Adam, RMSprop


@pytest.mark.parametrize("o", [SGD(0.2, momentum=0.3, nesterov=True, clipvalue=1.0),
                               RMSprop(0.01, rho=0.8, momentum=0.1, epsilon=1e-6,
                                       centered=True, global_clipnorm=3.0, name="r"),
                               Adam(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-8,
                                    amsgrad=True, clipnorm=2.0),
                               RMSprop(use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=5)])
def test_config_round_trip(o):
    config = json.loads(json.dumps(o.get_config()))
    again = type(o).from_config(config)
    assert again.get_config() == o.get_config()
    via_get = opt.get(json.loads(json.dumps(opt.serialize(o))))
    assert type(via_get) is type(o) and via_get.get_config() == o.get_config()


def test_from_config_takes_keras_only_arguments_only_at_their_inert_defaults():
    """Arguments npseq2seq does not implement (weight_decay, loss_scale_factor, ...) pass
    through from_config at their do-nothing values and are refused at any other. (That
    Keras's own get_config() reads back, and the defaults match Keras's: test_parity.py.)"""
    inert = {"weight_decay": None, "loss_scale_factor": None,
             "gradient_accumulation_steps": None}
    config = Adam(0.02, beta_2=0.99).get_config()
    assert Adam.from_config({**config, **inert}).get_config() == config
    for key, active in [("weight_decay", 0.01), ("loss_scale_factor", 2.0),
                        ("gradient_accumulation_steps", 2)]:
        with pytest.raises(ValueError, match=f"{key}.*Received: {key}={active}"):
            Adam.from_config({**config, **inert, key: active})


@pytest.mark.parametrize("name,cls", [("adam", Adam), ("ADAM", Adam), ("RMSprop", RMSprop),
                                      ("rmsprop", RMSprop), ("Sgd", SGD)])
def test_get_by_name(name, cls):
    o = opt.get(name)
    assert type(o) is cls and o.get_config() == cls().get_config()


def test_get_passes_instances_through():
    a = Adam(0.5)
    assert opt.get(a) is a


@pytest.mark.parametrize("bad", ["adagrad", "", None, 3, {"class_name": "Nadam", "config": {}}])
def test_get_rejects_anything_else_listing_the_names(bad):
    with pytest.raises(ValueError, match=r"\['adam', 'rmsprop', 'sgd'\].*Received"):
        opt.get(bad)
