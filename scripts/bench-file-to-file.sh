#!/usr/bin/env bash
# File to file with the CLI against the zstd command line, in one run on one machine.
#
# For each round (default 3): `zstd -1 -T1`, `zstd -1 -T0` and `zstd -d` on the input, then
# `bin/tenpak compress -c CODEC` and `bin/tenpak decompress` back to safetensors (JVM start and JIT
# included, as a user runs them). Every command is timed by /usr/bin/time (wall, user CPU, system
# CPU, peak RSS) and printed with the 1-minute load average taken just before it, since a shared
# machine's figures mean little without it. The input is read once first, so every command finds
# it in the page cache. At the end: the best wall time of each command over the rounds, and a check
# that both round trips gave the input back byte for byte.
#
# Usage: scripts/bench-file-to-file.sh [FILE.safetensors]   (default /tmp/f2f/model.safetensors)
# Env:   ROUNDS (default 3), CODEC (default lossless_v1), TENPAK_BENCH_DIR (outputs, default /tmp),
#        TENPAK_JAVA_OPTS (passed to bin/tenpak, e.g. to try JVM flags), NO_SYNC (1: no sync before
#        each command),
#        BASELINE (another built checkout, e.g. an older commit: its bin/tenpak runs in the same
#        rounds, as "before compress" / "before decompress")
# The default file is python/benchmarks/bench_save_load.py's state_dict (7B-class layer shapes,
# bf16 and f32, Gaussian values) saved with safetensors; any safetensors file will do.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

. scripts/lib/jdk.sh   # JAVA_HOME: a JDK >= 25
input="${1:-/tmp/f2f/model.safetensors}"
rounds="${ROUNDS:-3}"
codec="${CODEC:-lossless_v1}"
[ -f "$input" ] || { echo "no input file $input" >&2; exit 1; }
command -v zstd >/dev/null || { echo "zstd is not on PATH" >&2; exit 1; }
if ! ls tenpak-cli/target/tenpak-cli-*-all.jar >/dev/null 2>&1; then
  ./mvnw -B -ntp -pl tenpak-cli -am package -DskipTests >/dev/null
fi

work="$(mktemp -d "${TENPAK_BENCH_DIR:-/tmp}/tenpak-f2f.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat "$input" >/dev/null   # into the page cache

results="$work/results"
run() {  # run NAME COMMAND...: times one command, appends "NAME wall user sys rss load" to results
  local name="$1" load
  shift
  # each command starts with no dirty pages of the one before and without an old output to
  # replace: otherwise it pays for their writeback (the kernel throttles a writer past the dirty
  # limit) and for freeing the old file's pages, seconds of system time that depend on the order
  # of the commands, not on the command (NO_SYNC=1 leaves the sync out; the old outputs are always
  # removed, by the loop below)
  [ -n "${NO_SYNC:-}" ] || sync
  load="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -o "$work/time" -f '%e %U %S %M' "$@" >/dev/null
  read -r wall user sys rss <"$work/time"
  printf '%-22s %6.2f s wall %6.2f s user %5.2f s sys %8d KB  load %s\n' "$name" "$wall" "$user" "$sys" "$rss" "$load"
  echo "$name $wall $user $sys $rss $load" >>"$results"
}

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(zstd --version | head -n1)"
echo "input: $input ($(stat -c %s "$input") bytes), codec $codec, $rounds rounds"
for r in $(seq 1 "$rounds"); do
  echo "-- round $r"
  rm -f "$work/m.zst"
  run "zstd -1 -T1" zstd -q -f -1 -T1 "$input" -o "$work/m.zst"
  rm -f "$work/m.zst"
  run "zstd -1 -T0" zstd -q -f -1 -T0 "$input" -o "$work/m.zst"
  rm -f "$work/zstd.out"
  run "zstd -d" zstd -q -f -d "$work/m.zst" -o "$work/zstd.out"
  rm -f "$work/m.tenpak"
  run "tenpak compress" bin/tenpak compress -q -c "$codec" -i "$input" -o "$work/m.tenpak"
  rm -f "$work/out.safetensors"
  run "tenpak decompress" bin/tenpak decompress -q -i "$work/m.tenpak" -o "$work/out.safetensors"
  if [ -n "${BASELINE:-}" ]; then
    rm -f "$work/b.tenpak"
    run "before compress" "$BASELINE/bin/tenpak" compress -q -c "$codec" -i "$input" -o "$work/b.tenpak"
    rm -f "$work/b.safetensors"
    run "before decompress" "$BASELINE/bin/tenpak" decompress -q -i "$work/b.tenpak" -o "$work/b.safetensors"
  fi
done

cmp -s "$input" "$work/zstd.out" || { echo "zstd's round trip differs from the input" >&2; exit 1; }
if [ "$codec" = lossless_v1 ] || [ "$codec" = raw_v1 ]; then
  cmp -s "$input" "$work/out.safetensors" || { echo "tenpak's round trip differs from the input" >&2; exit 1; }
  echo "round trips: byte for byte"
fi
if [ -n "${BASELINE:-}" ]; then
  cmp -s "$work/m.tenpak" "$work/b.tenpak" && echo "artifact: the same bytes as the baseline's" ||
    echo "artifact: differs from the baseline's"
fi
echo "sizes: zstd -1 $(stat -c %s "$work/m.zst") B, tenpak $(stat -c %s "$work/m.tenpak") B"
echo "-- best wall time of $rounds (user CPU and load of that run)"
for name in "zstd -1 -T1" "zstd -1 -T0" "zstd -d" "tenpak compress" "tenpak decompress" \
  ${BASELINE:+"before compress" "before decompress"}; do
  grep "^$name [0-9]" "$results" | sed "s/^$name //" | sort -n -k1,1 | head -n1 |
    awk -v n="$name" '{printf "%-22s %6.2f s wall %6.2f s user  load %s\n", n, $1, $2, $5}'
done
