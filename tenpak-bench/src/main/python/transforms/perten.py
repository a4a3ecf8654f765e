"""Per-tensor best-of (rotation or not; one flag per tensor): python perten.py SET QUANT TR..."""
import sys, numpy as np, qlib as Q
from run import one
st, qn, trs = sys.argv[1], sys.argv[2], sys.argv[3:]
T = Q.minilm() if st == "minilm" else Q.heavy()
tot = {t: 0.0 for t in ["none"] + trs}; best = 0.0; n = 0; wins = {t: 0 for t in tot}
for k, W in T.items():
    e = {}
    for t in tot:
        y, _ = one(W, qn, t); e[t] = float(((y.astype(np.float64) - W) ** 2).sum()); tot[t] += e[t]
    b = min(e, key=e.get); wins[b] += 1; best += e[b]; n += W.size
print(st, qn, " ".join(f"{t}={tot[t]/n:.4e}" for t in tot), f"best-of={best/n:.4e} ({100*(best/tot['none']-1):+.1f}%) wins={wins}")
