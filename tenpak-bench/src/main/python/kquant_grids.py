"""Reproduces the GAUSS_b tables of dev.tenpak.internal.codec.kquant.Grids.

Lloyd iterations over 40,000 blocks of 16 standard-normal samples: each round quantizes every block
with GridQuantizer's scale search at fitting time (both grid ends, 21 trial scales 2% apart, least-squares
scale of the resulting codes), moves each level to the mean of the normalised values assigned to
it and rescales so the largest magnitude is 1. No model weights are involved.
Usage: python kquant_grids.py   (needs numpy)
"""
import numpy as np


def nearest(grid, y):
    return np.searchsorted((grid[1:] + grid[:-1]) / 2, y)


# the fit used 21 trial scales 2% apart per grid end; the codecs now try 9, 5% apart (same range, measured equal)
def search_scales(X, grid, per_side=10, step=0.02):
    mx = X[np.arange(len(X)), np.argmax(np.abs(X), axis=1)][:, None]
    best_s = np.zeros((len(X), 1))
    best_v = np.full((len(X), 1), -1.0)
    for end in (grid[0], grid[-1]):
        for k in range(-per_side, per_side + 1):
            L = grid[nearest(grid, X / (mx / (end * (1 + k * step))))]
            sxl = np.sum(X * L, axis=1, keepdims=True)
            sll = np.sum(L * L, axis=1, keepdims=True)
            better = sxl * sxl / sll > best_v
            best_v = np.where(better, sxl * sxl / sll, best_v)
            best_s = np.where(better, sxl / sll, best_s)
    return best_s


def fit(levels, sub=16, blocks=40000, rounds=20, seed=7):
    X = np.random.default_rng(seed).standard_normal((blocks, sub))
    g = np.linspace(-1, 1 - 2 / levels, levels)
    for _ in range(rounds):
        y = (X / search_scales(X, g)).ravel()
        k = nearest(g, y)
        g = np.array([y[k == i].mean() if np.any(k == i) else g[i] for i in range(levels)])
        g = g / np.max(np.abs(g))
    return np.round(g, 6)


if __name__ == "__main__":
    for bits in (2, 3, 4, 5, 6):
        print(bits, ", ".join("%.6f" % v for v in fit(1 << bits)))
