"""ZipNN on the bytes LosslessBench dumped (--dump DIR): ratio and one-thread speed (process CPU time,
as LosslessBench times its thread), for docs/PERFORMANCE.md.

usage: python tenpak-bench/src/main/python/zipnn-peer.py DIR
Needs the pip packages zipnn, zstandard, numpy and torch (ZipNN imports torch); run it from a
separate venv, never the project's. Each DIR/<dataset>.bin is one dtype, named in the file name.
"""
import pathlib
import sys
import time

from zipnn import ZipNN


def main(folder):
    for f in sorted(pathlib.Path(folder).glob("*.bin")):
        dtype = "float32" if "fp32" in f.name else "bfloat16"
        data = f.read_bytes()
        z = ZipNN(input_format="byte", bytearray_dtype=dtype, threads=1)
        best_c = best_d = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            c = z.compress(data)
            best_c = min(best_c, time.process_time() - t0)
            t0 = time.process_time()
            d = z.decompress(c)
            best_d = min(best_d, time.process_time() - t0)
        # ZipNN 0.5.4 byte API has been seen to hand back bf16 with the exponent byte still rotated:
        # the sizes stand, but say so rather than assert
        exact = "exact" if bytes(d) == data else "NOT the input bytes"
        print(f"{f.stem:28s} {len(data) / 1e6:9.1f} MB  ZipNN {len(data) / len(c):.3f}x  "
              f"enc {len(data) / best_c / 1e9:.2f} GB/s  dec {len(data) / best_d / 1e9:.2f} GB/s (1 thread)  "
              f"round trip: {exact}")


if __name__ == "__main__":
    main(sys.argv[1])
