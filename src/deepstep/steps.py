"""The course's step-by-step API, every function under its course name.

This module is the map from "Building your Deep Neural Network: Step by
Step" to the library: each name below is the function of the assignment,
with the same arguments, shapes (examples in columns, X of shape (n_x, m))
and return values. The maths itself lives in one module per concept:

===============================  ==========================================
course function                  defined in
===============================  ==========================================
initialize_parameters            :mod:`deepstep.initializers`
initialize_parameters_deep       :mod:`deepstep.initializers`
linear_forward, linear_backward  :mod:`deepstep.layers`  (equations 4, 8-10)
sigmoid, relu, *_backward        :mod:`deepstep.activations`
linear_activation_forward/back.  :mod:`deepstep.layers`
L_model_forward, L_model_backw.  :mod:`deepstep.propagation`
compute_cost                     :mod:`deepstep.application` (equation 7, the
                                 course's types; the maths in :mod:`deepstep.losses`)
update_parameters                :mod:`deepstep.optimizers`
two_layer_model, L_layer_model   :mod:`deepstep.application`  (the course's application)
predict, print_mislabeled_images :mod:`deepstep.application`
===============================  ==========================================

Example
-------
>>> from deepstep import steps
>>> parameters = steps.initialize_parameters_deep([5, 4, 3])
>>> print(parameters["W1"][0, 0])
0.017886284734303187
"""

from __future__ import annotations

from .activations import relu, relu_backward, sigmoid, sigmoid_backward
from .application import (
    L_layer_model,
    compute_cost,
    predict,
    print_mislabeled_images,
    two_layer_model,
)
from .initializers import initialize_parameters, initialize_parameters_deep
from .layers import (
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from .optimizers import update_parameters
from .propagation import L_model_backward, L_model_forward

__all__ = [
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "predict",
    "print_mislabeled_images",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "two_layer_model",
    "update_parameters",
]
