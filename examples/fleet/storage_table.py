#!/usr/bin/env python3
"""Prints the README's fleet storage table by running the tenpak CLI on examples/fleet.

Build the CLI first (./mvnw -B -ntp package -DskipTests), then:

    python3 examples/fleet/storage_table.py

It compresses the base and each fine-tune in full (int8_sym_v1 and raw_v1), builds a delta of each
fine-tune against the int8 base (epsilon 0.005), materializes it, and prints the sizes as Markdown.
FleetExampleTest computes the same table through the Java API and checks that README.md shows it.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TENPAK = os.path.join(ROOT, "bin", "tenpak")
VARIANTS = ["ft-sentiment", "ft-topic", "ft-adapter"]
EPSILON = "0.005"


def tenpak(*args):
    r = subprocess.run([TENPAK, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("tenpak %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


def compress(src, dst, codec):
    tenpak("compress", "--input", src, "--output", dst, "--codec", codec)
    return os.path.getsize(dst)


def pct(a, b):
    return "%.1f%%" % (100.0 * a / b)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        base_json = os.path.join(HERE, "base.json")
        base = os.path.join(tmp, "base.tenpak")
        base_bytes = compress(base_json, base, "int8_sym_v1")
        json_bytes = os.path.getsize(base_json)
        raw_bytes = compress(base_json, os.path.join(tmp, "base.raw.tenpak"), "raw_v1")
        full_bytes = base_bytes
        delta_bytes = 0
        rows = []
        for v in VARIANTS:
            src = os.path.join(HERE, v + ".json")
            delta = os.path.join(tmp, v + ".delta.tenpak")
            r = json.loads(tenpak("delta", "--base", base, "--variant", src, "--output", delta,
                                  "--epsilon", EPSILON, "--json"))
            tenpak("materialize", "--base", base, "--delta", delta, "--output", os.path.join(tmp, v + ".tenpak"))
            full = compress(src, os.path.join(tmp, v + ".full.tenpak"), "int8_sym_v1")
            assert full == r["fullVariantBytes"], (full, r["fullVariantBytes"])
            json_bytes += os.path.getsize(src)
            raw_bytes += compress(src, os.path.join(tmp, v + ".raw.tenpak"), "raw_v1")
            full_bytes += full
            delta_bytes += os.path.getsize(delta)
            residual = [t["name"] for t in r["tensors"] if t["mode"] == "residual"]
            rows.append("| %s | %d | %d | %d | %d | %s | %s | %s | %s |" % (
                v, r["changed"], r["added"], r["removed"], r["unchanged"], ", ".join(residual) or "-",
                "{:,}".format(os.path.getsize(delta)), "{:,}".format(full), pct(os.path.getsize(delta), full)))

    print("| variant | changed | new | removed | unchanged | residual mode | delta bytes | full int8 artifact bytes | delta / full |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|")
    print("\n".join(rows))
    print()
    print("| layout | bytes | vs 4 full int8 artifacts |")
    print("|---|---:|---:|")
    for what, n in [("4 JSON bundles (the inputs)", json_bytes),
                    ("4 raw_v1 artifacts (lossless FP32)", raw_bytes),
                    ("4 int8_sym_v1 artifacts", full_bytes),
                    ("int8_sym_v1 base + 3 deltas", base_bytes + delta_bytes)]:
        print("| %s | %s | %s |" % (what, "{:,}".format(n), pct(n, full_bytes)))


if __name__ == "__main__":
    main()
