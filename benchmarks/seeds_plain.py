"""The seeds' algorithm, written out plainly in NumPy: the reference deepstep is timed against.

This is the course's L-layer loop exactly as the assignment writes it (np.dot,
1/(1+exp(-Z)), dAL = -(Y/AL - (1-Y)/(1-AL)), new arrays every step), with no
input checks and no shortcuts. It is kept out of the library on purpose.
"""

import numpy as np


def init(layer_dims, seed=1, dtype=np.float64):
    rng = np.random.RandomState(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = (rng.randn(layer_dims[l], layer_dims[l - 1])
                           / np.sqrt(layer_dims[l - 1])).astype(dtype)
        params[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=dtype)
    return params


def L_layer_model(X, Y, layer_dims, learning_rate=0.0075, num_iterations=2500, record_every=100):
    params = init(layer_dims, dtype=X.dtype)
    L = len(layer_dims) - 1
    m = X.shape[1]
    costs = []
    for i in range(num_iterations):
        caches, A = [], X
        for l in range(1, L + 1):
            Z = np.dot(params[f"W{l}"], A) + params[f"b{l}"]
            caches.append((A, Z))
            A = np.maximum(0, Z) if l < L else 1 / (1 + np.exp(-Z))
        AL = A
        cost = float(np.squeeze(-1.0 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))))
        if i % record_every == 0:
            costs.append(cost)
        dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        for l in range(L, 0, -1):
            A_prev, Z = caches[l - 1]
            if l == L:
                s = 1 / (1 + np.exp(-Z))
                dZ = dA * s * (1 - s)
            else:
                dZ = np.array(dA, copy=True)
                dZ[Z <= 0] = 0
            dW = 1.0 / m * np.dot(dZ, A_prev.T)
            db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
            dA = np.dot(params[f"W{l}"].T, dZ)
            params[f"W{l}"] = params[f"W{l}"] - learning_rate * dW
            params[f"b{l}"] = params[f"b{l}"] - learning_rate * db
    return params, costs
