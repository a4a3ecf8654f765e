"""Summarise results_*.txt: MSE, bpw, % change vs each quantizer's untransformed baseline."""
import re, collections
for st in ("minilm", "heavy"):
    R = collections.OrderedDict()
    for line in open(f"results_{st}.txt"):
        m = re.match(r"\S+\s+(\S+)\s+(\S+)\s+mse=(\S+) bpw=(\S+)", line)
        if m: R.setdefault(m[1], {})[m[2]] = (float(m[3]), float(m[4]))
    for q, d in R.items():
        b = d["none"][0]
        print(st, q, "  ".join(f"{t}:{e:.3e}/{bb:.3f}({100*(e/b-1):+.1f}%)" if t != "none" else f"base:{e:.3e}/{bb:.3f}" for t, (e, bb) in d.items()))
