#!/usr/bin/env bash
# Builds the release tarball dist/tenpak-<version>.tar.gz (top folder tenpak-<version>/):
#   bin/tenpak                 launcher (finds a JDK 25+; uses the jar in lib/)
#   lib/tenpak-cli-*-all.jar  the engine + CLI in one jar
#   lib/libtenpak.so           the C ABI (include/tenpak.h); it finds the jar beside itself
#   python/tenpak-*.whl        the Python package, the same jar inside
#   scripts/run_full_eval.sh   the evaluation pipeline (the other scripts need a source checkout: not shipped)
#   docs/, examples/ (bundles, fleet/, c/, ctypes/), README.md, INSTALL.md
# Builds the jar and the wheel first when they are missing or older than the sources
# (scripts/build-python.sh); SKIP_BUILD=1 packages what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/jdk.sh   # JAVA_HOME: a JDK >= 25

newest() { ls -t $1 2>/dev/null | head -n1 || true; }

jar="$(newest 'tenpak-cli/target/tenpak-cli-*-all.jar')"
wheel="$(newest 'python/dist/tenpak-*.whl')"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  stale=0
  [ -z "$jar" ] || [ -z "$wheel" ] && stale=1
  if [ "$stale" = 0 ] && [ -n "$(find tenpak-core/src tenpak-cli/src python/src -newer "$wheel" -type f -not -name '*.pyc' | head -n1)" ]; then
    stale=1
  fi
  if [ "$stale" = 1 ]; then
    scripts/build-python.sh >&2
    jar="$(newest 'tenpak-cli/target/tenpak-cli-*-all.jar')"
    wheel="$(newest 'python/dist/tenpak-*.whl')"
  fi
fi
[ -n "$jar" ] || { echo "package: no engine jar; run scripts/build-python.sh" >&2; exit 1; }
[ -n "$wheel" ] || { echo "package: no wheel in python/dist; run scripts/build-python.sh" >&2; exit 1; }

make -s -C tenpak-c   # lib/libtenpak.so + include/tenpak.h (the C ABI)
version="$(basename "$jar" | sed 's/^tenpak-cli-\(.*\)-all\.jar$/\1/')"
name="tenpak-$version"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/bin" "$root/lib" "$root/include" "$root/python" "$root/scripts" "$root/docs" "$root/examples"
cp bin/tenpak "$root/bin/"
cp "$jar" "$root/lib/"
cp "$wheel" "$root/python/"
cp scripts/run_full_eval.sh "$root/scripts/"   # the only script that runs outside a source checkout
cp README.md "$root/"
cp docs/*.md "$root/docs/" 2>/dev/null || true
cp examples/*.json "$root/examples/"
cp tenpak-c/target/libtenpak.* "$root/lib/" && cp tenpak-c/include/tenpak.h "$root/include/"
cp -r examples/ctypes examples/c examples/fleet "$root/examples/"
cat > "$root/INSTALL.md" <<INSTALL
# tenpak $version

Needs a JDK 25+ (bin/tenpak looks at TENPAK_JAVA_HOME, JAVA_HOME, /usr/lib/jvm/*, then java on PATH).

    bin/tenpak --help
    bin/tenpak compress --input examples/simple_bundle.json --output /tmp/simple.tenpak
    bin/tenpak inspect --input /tmp/simple.tenpak

Python package (PyTorch/numpy API; the engine jar is inside the wheel):

    python3 -m venv .venv && .venv/bin/pip install 'python/$(basename "$wheel")[torch]'

Evaluation (perplexity per codec, fine-tune + delta; see docs/PACKAGING.md):

    .venv/bin/pip install transformers datasets    # datasets: WikiText-2, needs network
    bin/tenpak runeval --model gpt2 --samples 128  # or: scripts/run_full_eval.sh
INSTALL
mkdir -p dist
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "dist/$name.tar.gz"
