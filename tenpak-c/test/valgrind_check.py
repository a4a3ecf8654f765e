"""Reads a valgrind memcheck log of test_tenpak and fails when libtenpak leaked or misbehaved.

Fails on: any definitely or possibly lost block left after the suppressions (tenpak-c/test/jvm.supp
hides only what the JVM allocated for itself), and any memory error whose innermost four frames
are in libtenpak or the test program. Memory errors inside the JVM are expected and ignored: its
compiled code bangs the stack below the stack pointer and reads memory valgrind thinks undefined.
"""
import re
import sys

log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
problems = []
summary = re.search(r"definitely lost: ([\d,]+) bytes.*?possibly lost: ([\d,]+) bytes", log, re.S)
if summary is None:
    problems.append("no LEAK SUMMARY in the log (did valgrind run to the end?)")
else:
    definite, possible = (int(x.replace(",", "")) for x in summary.groups())
    if definite or possible:
        problems.append(f"after suppressions: definitely lost {definite} bytes, possibly lost {possible} bytes")
for block in re.split(r"\n==\d+== \n", log):
    frames = [line for line in block.splitlines() if re.search(r"(at|by) 0x[0-9A-F]+:", line)]
    if "lost in loss record" in block:
        problems.append("leak:\n" + block)
    elif any(("tenpak.c" in f or "libtenpak" in f or "test_tenpak" in f) for f in frames[:4]):
        problems.append("memory error in libtenpak:\n" + block)
suppressed = re.search(r"suppressed: ([\d,]+) bytes in ([\d,]+) blocks", log)
for p in problems:
    print(p, file=sys.stderr)
jvm = f"{suppressed.group(1)} bytes in {suppressed.group(2)} blocks" if suppressed else "nothing"
if problems:
    print(f"valgrind: FAILED: {len(problems)} leaks or memory errors from libtenpak's side (above)")
else:
    print(f"valgrind: ok: no leak and no memory error from libtenpak's side (suppressed: {jvm} that the JVM "
          "allocated for itself)")
sys.exit(1 if problems else 0)
