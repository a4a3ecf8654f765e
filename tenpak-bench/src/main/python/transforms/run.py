"""Driver: python run.py SET QUANT TRANSFORM...  prints MSE and bits/weight over the whole set."""
import sys, time, numpy as np
import qlib as Q

QUANTS = {
    "kq4": lambda f: Q.kq(f, Q.IQ4NL, 16, 7),
    "int4g32": lambda f: Q.group_f16(f, Q.INT4, 32),
    "kq2": lambda f: Q.kq(f, Q.U4, 16, 6, lo=0.7, hi=2.2, ncand=30),
    "kq4u": lambda f: Q.kq(f, Q.INT4, 16, 7),
    "kq5": lambda f: Q.kq(f, Q.LM32, 16, 7),
    "asym4k": lambda f: Q.asym_k(f, 32, 16, 6),
}


def one(W, qn, tr):
    q = QUANTS[qn]
    extra = 0
    if tr == "none":
        y, b = q(W.reshape(-1)); return y.reshape(W.shape), b
    if tr.startswith("had"):
        h = int(tr[3:])
        y, b = q(Q.had_fwd(W.reshape(-1), h))
        return Q.had_inv(y, h).reshape(W.shape), b
    if tr.startswith("sinq"):
        r, c = Q.sinq(W)
        if tr == "sinqc":  # column scale only
            A = W / c[None, :]; extra = W.shape[1] * 16
            y, b = q(A.reshape(-1)); return y.reshape(W.shape) * c[None, :], b + extra
        A = W / r[:, None] / c[None, :]; extra = (W.shape[0] + W.shape[1]) * 16
        y, b = q(A.reshape(-1)); return y.reshape(W.shape) * r[:, None] * c[None, :], b + extra
    if tr.startswith("sh"):  # sinq column scale + hadamard
        h = int(tr[2:]); r, c = Q.sinq(W); A = W / c[None, :]
        y, b = q(Q.had_fwd(A.reshape(-1), h))
        return Q.had_inv(y, h).reshape(W.shape) * c[None, :], b + W.shape[1] * 16
    raise ValueError(tr)


if __name__ == "__main__":
    st = sys.argv[1]; qn = sys.argv[2]
    T = Q.minilm() if st == "minilm" else Q.heavy()
    for tr in sys.argv[3:]:
        t0 = time.time(); se = 0.0; bits = 0.0; n = 0
        for k, W in T.items():
            y, b = one(W, qn, tr)
            se += float(((y.astype(np.float64) - W) ** 2).sum()); bits += b; n += W.size
        print(f"{st:7s} {qn:8s} {tr:7s} mse={se/n:.4e} bpw={bits/n:.4f} n={n} ({time.time()-t0:.0f}s)", flush=True)
