#!/usr/bin/env python3
"""Writes the fleet example: one base bundle (a tiny MLP classifier) and three fine-tunes of it.

Deterministic (fixed seeds, Python's own Mersenne Twister), standard library only. Values are
rounded to 5 decimals to keep the committed JSON small. Re-run to regenerate the committed files:

    python3 examples/fleet/generate.py
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def gauss(rng, n, std, mean=0.0):
    return [mean + rng.gauss(0.0, std) for _ in range(n)]


def tensor(name, shape, data):
    n = 1
    for d in shape:
        n *= d
    assert len(data) == n, name
    return {"name": name, "shape": shape, "data": [round(x, 5) for x in data]}


def base_model():
    rng = random.Random(20240601)
    return [
        tensor("embed.weight", [256, 64], gauss(rng, 256 * 64, 0.05)),
        tensor("fc1.weight", [128, 64], gauss(rng, 128 * 64, 0.05)),
        tensor("fc1.bias", [128], gauss(rng, 128, 0.01)),
        tensor("fc2.weight", [64, 128], gauss(rng, 64 * 128, 0.05)),
        tensor("fc2.bias", [64], gauss(rng, 64, 0.01)),
        tensor("norm.weight", [64], gauss(rng, 64, 0.01, mean=1.0)),
        tensor("norm.bias", [64], gauss(rng, 64, 0.01)),
        tensor("head.weight", [10, 64], gauss(rng, 10 * 64, 0.05)),
        tensor("head.bias", [10], gauss(rng, 10, 0.01)),
    ]


def replace(tensors, name, new):
    return [new if t["name"] == name else t for t in tensors]


def nudge(t, rng, std):
    """A fine-tuning step: the same tensor plus small Gaussian updates."""
    return tensor(t["name"], t["shape"], [x + rng.gauss(0.0, std) for x in t["data"]])


def by_name(tensors, name):
    return next(t for t in tensors if t["name"] == name)


def variants(base):
    out = {}

    # sentiment: a 2-class head (shape changed) and fc2 fine-tuned in place
    rng = random.Random(1)
    v = replace(base, "fc2.weight", nudge(by_name(base, "fc2.weight"), rng, 0.01))
    v = replace(v, "head.weight", tensor("head.weight", [2, 64], gauss(rng, 2 * 64, 0.05)))
    v = replace(v, "head.bias", tensor("head.bias", [2], gauss(rng, 2, 0.01)))
    out["ft-sentiment"] = v

    # topic: the 10-class head retrained from scratch; fc1 moved by less than the threshold
    rng = random.Random(2)
    v = replace(base, "head.weight", tensor("head.weight", [10, 64], gauss(rng, 10 * 64, 0.05)))
    v = replace(v, "head.bias", tensor("head.bias", [10], gauss(rng, 10, 0.01)))
    v = replace(v, "fc1.weight", nudge(by_name(base, "fc1.weight"), rng, 0.00002))
    out["ft-topic"] = v

    # adapter: a bottleneck adapter inserted after fc1, norm re-tuned, the head dropped (backbone export)
    rng = random.Random(3)
    v = replace(base, "norm.weight", nudge(by_name(base, "norm.weight"), rng, 0.05))
    v = [t for t in v if not t["name"].startswith("head.")]
    at = [t["name"] for t in v].index("fc1.bias") + 1
    v[at:at] = [tensor("adapter.down.weight", [8, 64], gauss(rng, 8 * 64, 0.02)),
                tensor("adapter.up.weight", [64, 8], gauss(rng, 64 * 8, 0.02))]
    out["ft-adapter"] = v
    return out


def write(name, tensors):
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump({"tensors": tensors}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    base = base_model()
    write("base", base)
    for name, tensors in variants(base).items():
        write(name, tensors)
