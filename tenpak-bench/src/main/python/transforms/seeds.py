"""Sign-flip seed sensitivity of the Hadamard rotation (kq4, heavy set and 4 MiniLM layer-0 tensors)."""
import numpy as np, qlib as Q
for setname, T in [("heavy", Q.heavy()), ("minilm-layer0", {k: v for k, v in Q.minilm().items() if "layer.0." in k})]:
    for h in (16, 64):
        for seed in (None, 1, 2, 3, 1234):
            se = 0; n = 0
            for W in T.values():
                f = W.reshape(-1); H = Q.hadamard_matrix(h)
                sg = np.ones(h, np.float32) if seed is None else Q.signs(h, seed)
                y, b = Q.kq((f.reshape(-1, h) * sg) @ H.reshape(h, h).reshape(h, h) if False else ((f.reshape(-1, h) * sg) @ H).reshape(-1), Q.IQ4NL)
                z = ((y.reshape(-1, h) @ H.T) * sg).reshape(-1)
                se += float(((z - f) ** 2).sum()); n += f.size
            print(setname, "had", h, "seed", seed, f"{se/n:.4e}", flush=True)
