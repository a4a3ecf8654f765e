#!/usr/bin/env bash
# Streaming proof and file-to-file throughput on a large bf16 checkpoint.
#
# 1. Generates a ~2 GiB bf16 safetensors file with TinyLlama-1.1B shapes (22 layers, hidden 2048,
#    intermediate 5632, vocab 32000; N(0, 0.02) values), streamed to disk by numpy.
# 2. Peak RSS of compress and decompress with TENPAK_JAVA_OPTS=-Xmx512m (/usr/bin/time -v).
# 3. The CLI, cold (JVM start and JIT warm-up included): compress and decompress per codec next to
#    a plain `cp` of the same file, each run from the same state (see settle below).
# 4. The engine in one warm JVM: dev.tenpak.bench.FileThroughput, compress / decompress next to
#    Files.copy, median of 3 rounds after a warm-up round (issue 4's benchmark and targets).
# Throughput = input bytes / s for compress and copy, output bytes / s for decompress.
# Everything lives in a temporary folder that is deleted at the end, also on failure.
#
# Usage: scripts/bench-large-file.sh [codec ...]   (default: int8_sym_g32_v1 int4_sym_g32_v1)
# Env:   TENPAK_BENCH_DIR (where to put the files, default /tmp), PYTHON (default .venv/bin/python),
#        TENPAK_BENCH_LAYERS (decoder layers, default 22 = 2.05 GiB; fewer for a quick run),
#        TENPAK_BENCH_ROUNDS (rounds of the in-JVM benchmark, default 3),
#        TENPAK_BENCH_SYNC=1 (also run the in-JVM benchmark with outputs forced to disk)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

. scripts/lib/jdk.sh   # JAVA_HOME: a JDK >= 25
python="${PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python=python3

if ! ls tenpak-cli/target/tenpak-cli-*-all.jar >/dev/null 2>&1 || [ ! -f tenpak-bench/target/benchmarks.jar ]; then
  ./mvnw -B -ntp -pl tenpak-cli,tenpak-bench -am package -DskipTests >/dev/null
fi

work="$(mktemp -d "${TENPAK_BENCH_DIR:-/tmp}/tenpak-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
src="$work/model.safetensors"

echo "generating $src ..." >&2
"$python" - "$src" "${TENPAK_BENCH_LAYERS:-22}" <<'EOF'
import json, struct, sys
import numpy as np

hidden, inter, vocab, layers, kv = 2048, 5632, 32000, int(sys.argv[2]), 256
shapes = [("model.embed_tokens.weight", (vocab, hidden))]
for i in range(layers):
    p = f"model.layers.{i}."
    shapes += [(p + "input_layernorm.weight", (hidden,)),
               (p + "self_attn.q_proj.weight", (hidden, hidden)),
               (p + "self_attn.k_proj.weight", (kv, hidden)),
               (p + "self_attn.v_proj.weight", (kv, hidden)),
               (p + "self_attn.o_proj.weight", (hidden, hidden)),
               (p + "post_attention_layernorm.weight", (hidden,)),
               (p + "mlp.gate_proj.weight", (inter, hidden)),
               (p + "mlp.up_proj.weight", (inter, hidden)),
               (p + "mlp.down_proj.weight", (hidden, inter))]
shapes += [("model.norm.weight", (hidden,)), ("lm_head.weight", (vocab, hidden))]

header, at = {"__metadata__": {"format": "pt"}}, 0
for name, shape in shapes:
    n = int(np.prod(shape)) * 2
    header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [at, at + n]}
    at += n
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - len(h) % 8) % 8)

# one pool of N(0, 0.02) bf16 values (top halves of float32); each tensor takes a random window
rng = np.random.default_rng(7)
pool = (rng.standard_normal(1 << 25, dtype=np.float32) * 0.02).view(np.uint32)
pool = ((pool + 0x7FFF + ((pool >> 16) & 1)) >> 16).astype(np.uint16)
pool = np.concatenate([pool, pool])
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for name, shape in shapes:
        left = int(np.prod(shape))
        if len(shape) == 1:
            f.write(np.full(left, 0x3F80, dtype=np.uint16).tobytes())   # norms: 1.0
            continue
        while left:
            step = min(left, 1 << 24)
            start = int(rng.integers(0, 1 << 25))
            f.write(pool[start:start + step].tobytes())
            left -= step
EOF
bytes=$(stat -c %s "$src")
echo "file: $bytes bytes ($(awk "BEGIN{printf \"%.2f\", $bytes/2^30}") GiB), $(nproc) cores" >&2

mbps() { awk "BEGIN{printf \"%.0f\", $1 / 1048576 / $2}"; }

# Every timed run starts from the same state: dirty pages written back and, where allowed (root on
# Linux), the page cache emptied and refilled with the run's input alone. Otherwise whichever run
# follows a large write pays for the kernel reclaiming page cache (up to 2x on a 2-core VM).
settle() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then
    echo 1 > /proc/sys/vm/drop_caches
    cat "$1" > /dev/null
  fi
}

# timed CMD...: prints "wall cpu" (cpu = user + sys seconds of the process tree)
timed() {
  /usr/bin/time -f "%e %U %S" -o "$work/t.txt" "$@" >/dev/null
  awk '{printf "%.3f %.3f", $1, $2 + $3}' "$work/t.txt"
}

codecs=("$@")
[ ${#codecs[@]} -eq 0 ] && codecs=(int8_sym_g32_v1 int4_sym_g32_v1)

# peak RSS with a 512 MiB heap (the file is 4x the heap)
rss() {
  TENPAK_JAVA_OPTS=-Xmx512m /usr/bin/time -v bin/tenpak "$@" >/dev/null 2>"$work/time.txt"
  echo $(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt") / 1024 ))
}
rss_c=$(rss compress -q -i "$src" -o "$work/rss.tenpak" -c "${codecs[0]}")
rss_d=$(rss decompress -q -i "$work/rss.tenpak" -o "$work/rss.safetensors")
rm -f "$work/rss.tenpak" "$work/rss.safetensors"
echo "peak RSS with -Xmx512m, ${codecs[0]}: compress $rss_c MiB, decompress $rss_d MiB, for a $((bytes / 1048576)) MiB input"
if [ -w /proc/sys/vm/drop_caches ]; then
  echo "state before each timed run: sync, page cache dropped, input re-read"
else
  echo "state before each timed run: sync only (no access to /proc/sys/vm/drop_caches)"
fi
echo "load average before the timed runs: $(cut -d' ' -f1-3 /proc/loadavg)"

copy_run() {
  local r
  settle "$src"
  r=$(timed cp "$src" "$work/copy.safetensors")
  rm -f "$work/copy.safetensors"
  echo "$r"
}

read -r copy1 copycpu1 <<<"$(copy_run)"
rows=()
for c in "${codecs[@]}"; do
  settle "$src"
  read -r cs ccpu <<<"$(timed bin/tenpak compress -q -i "$src" -o "$work/a.tenpak" -c "$c")"
  asize=$(stat -c %s "$work/a.tenpak")
  settle "$work/a.tenpak"
  read -r ds dcpu <<<"$(timed bin/tenpak decompress -q -i "$work/a.tenpak" -o "$work/out.safetensors")"
  rm -f "$work/a.tenpak" "$work/out.safetensors"
  rows+=("$c $cs $ccpu $asize $ds $dcpu")
done
read -r copy2 copycpu2 <<<"$(copy_run)"
copy=$(awk "BEGIN{printf \"%.3f\", ($copy1 + $copy2) / 2}")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "CLI, cold JVM each run:"
echo
echo "| codec | artifact | compress s (CPU s) | compress MiB/s | vs cp | decompress s (CPU s) | decompress MiB/s | vs cp |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  set -- $r
  echo "| $1 | $(awk "BEGIN{printf \"%.0f MiB\", $4/1048576}") | $2 ($3) | $(mbps "$bytes" "$2") | $(awk "BEGIN{printf \"%.2fx\", $copy / $2}") | $5 ($6) | $(mbps "$bytes" "$5") | $(awk "BEGIN{printf \"%.2fx\", $copy / $5}") |"
done
echo
echo "cp (mean of one run before and one after the codecs): ${copy} s = $(mbps "$bytes" "$copy") MiB/s (runs: $copy1 s, $copy2 s; CPU $copycpu1 s, $copycpu2 s)"
echo
echo "Engine in one warm JVM (dev.tenpak.bench.FileThroughput):"
echo
bench=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
       -cp tenpak-bench/target/benchmarks.jar dev.tenpak.bench.FileThroughput "$src"
       --rounds "${TENPAK_BENCH_ROUNDS:-3}")
"${bench[@]}" "${codecs[@]}" 2>&1 | grep -v "^WARNING: Using incubator modules"
if [ "${TENPAK_BENCH_SYNC:-0}" = 1 ]; then
  echo
  "${bench[@]}" --sync "${codecs[@]}" 2>&1 | grep -v "^WARNING: Using incubator modules"
fi
