# Sourced by the build and test scripts: exports JAVA_HOME (and PATH) for a JDK >= 25, looking at
# TENPAK_JAVA_HOME, JAVA_HOME, then the JDKs under /usr/lib/jvm; exits with a one-line remedy if none.
tenpak_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}
tenpak_find_jdk() {
  local d v
  for d in "${TENPAK_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*/; do
    d="${d%/}"
    [ -n "$d" ] && [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || continue
    v="$(tenpak_java_major "$d")"
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$d"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME="$(tenpak_find_jdk)"; then
  echo "tenpak: no JDK 25 or newer found (looked at TENPAK_JAVA_HOME, JAVA_HOME, /usr/lib/jvm); install one (e.g. Temurin 25) and set JAVA_HOME" >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
